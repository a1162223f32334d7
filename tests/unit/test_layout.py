"""The layout is the architecture: the pure core never reaches for an effect.

The pure packages turn inputs into decisions and renderings; only `slipway.stages`,
`slipway.tools`, `slipway.github` and `slipway.run` run programs or talk to services.
A pure module importing one of those would smuggle an effect into the core.

(Line and parameter caps used to live here too; they became targets, and code was packed
to meet them. Structure keeps modules small now; the layering is what is enforced.)
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "slipway"
PURE = ("dockerfile", "scan", "policy", "size", "report", "meta", "inputs")
PURE_MODULES = (
    "plan", "steps", "severity", "gate", "oci", "oci_index", "builders", "buildkitd",
    "buildx_csv", "gha_cache", "cache_config", "cache_keys", "build_key",
    "dockerignore", "mounts", "refs", "platforms", "context", "ecr", "referrers",
)  # fmt: skip
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
