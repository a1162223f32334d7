"""The layout is the architecture: the pure core never reaches for an effect.

The pure packages turn inputs into decisions and renderings; only `slipway.stages`,
`slipway.tools`, `slipway.github` and `slipway.run` run programs or talk to services.
A pure module importing one of those would smuggle an effect into the core.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "slipway"
PURE = ("dockerfile", "scan", "policy", "size", "report", "meta", "inputs")
PURE_MODULES = ("plan", "severity", "gate", "oci", "oci_index", "builders", "buildx_csv",
                "gha_cache", "mounts", "refs", "platforms", "context", "ecr", "referrers")  # fmt: skip
EFFECTS = ("slipway.stages", "slipway.tools", "slipway.github", "slipway.run")


def pure_files() -> list[Path]:
    files = [p for package in PURE for p in sorted((SRC / package).rglob("*.py"))]
    return files + [SRC / f"{name}.py" for name in PURE_MODULES]


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
    return names


@pytest.mark.parametrize("path", pure_files(), ids=lambda p: str(p.relative_to(SRC)))
def test_pure_modules_import_no_effect(path: Path) -> None:
    bad = sorted(n for n in imported(path) if n.startswith(EFFECTS))
    assert bad == [], f"{path.relative_to(SRC)} imports {bad}"


def test_modules_and_functions_stay_small() -> None:
    too_big = []
    for path in sorted(SRC.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        if len(text.splitlines()) > 300:
            too_big.append(f"{path.relative_to(SRC)}: {len(text.splitlines())} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                assert node.end_lineno is not None
                args = node.args
                count = len(args.posonlyargs) + len(args.args) + len(args.kwonlyargs)
                count -= 1 if args.args and args.args[0].arg in ("self", "cls") else 0
                if count > 7:
                    too_big.append(
                        f"{path.relative_to(SRC)}:{node.lineno} {node.name}: {count} params"
                    )
                if node.end_lineno - node.lineno + 1 > 55:
                    too_big.append(f"{path.relative_to(SRC)}:{node.lineno} {node.name}: long")
    assert too_big == []
