"""The layout is the architecture, enforced.

- The package root holds only the entry point and the errors; every other module lives in
  the package that names its concern (README, Development).
- The pure packages turn inputs into decisions and renderings: they import no effect package
  and no standard module that starts programs, opens connections or threads, or writes files.
- Exactly one module starts programs (`slipway.tools.run`).
- No two modules import each other, directly or around a loop.

(Line and parameter caps used to live here too; they became targets, and code was packed
to meet them. Structure keeps modules small now; the layering is what is enforced.)
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "slipway"
ROOT_MODULES = {"__init__.py", "__main__.py", "errors.py"}
PURE = (
    "core",
    "oci",
    "buildx",
    "cache",
    "dockerfile",
    "scan",
    "policy",
    "size",
    "report",
    "meta",
    "inputs",
    "sign",
)
EFFECT_PACKAGES = ("stages", "tools", "github", "commands", "runner", "cli", "terminal")
EFFECTS = (*(f"slipway.{name}" for name in EFFECT_PACKAGES), "slipway.__main__")
EFFECT_STDLIB = (
    "subprocess",
    "socket",
    "urllib.request",
    "http.client",
    "threading",
    "concurrent",
    "shutil",
    "tempfile",
    "multiprocessing",
    "asyncio",
)
CHOKEPOINT = SRC / "tools" / "run.py"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(SRC.rglob("*.py"))}


def _runtime_nodes(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node but those under ``if TYPE_CHECKING:`` (imports for annotations only)."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        yield node
        yield from _runtime_nodes(node)


def imported(path: Path) -> set[str]:
    """Every module name ``path`` imports at run time (``from a import b`` gives a and a.b)."""
    names: set[str] = set()
    for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            submodules = {f"{node.module}.{alias.name}" for alias in node.names}
            names |= submodules
            if not submodules <= MODULES.keys():  # a name the package itself defines
                names.add(node.module)
        elif isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
    return names


def pure_files() -> list[Path]:
    return [p for package in PURE for p in sorted((SRC / package).rglob("*.py"))]


def _under(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def test_the_root_holds_only_the_entry_point_and_the_errors() -> None:
    loose = sorted(p.name for p in SRC.glob("*.py") if p.name not in ROOT_MODULES)
    assert loose == [], f"modules at the package root: {loose}; give each its package"


def test_every_package_is_pure_or_effects() -> None:
    packages = sorted(
        p.name for p in SRC.iterdir() if (p / "__init__.py").exists() or any(p.glob("*.py"))
    )
    unplaced = [p for p in packages if p not in PURE + EFFECT_PACKAGES]
    assert unplaced == [], f"say in test_layout whether {unplaced} is pure or has effects"


@pytest.mark.parametrize("path", pure_files(), ids=lambda p: str(p.relative_to(SRC)))
def test_pure_modules_import_no_effect(path: Path) -> None:
    names = imported(path)
    bad = sorted(n for n in names if _under(n, EFFECTS) or _under(n, EFFECT_STDLIB))
    assert bad == [], f"{path.relative_to(SRC)} imports {bad}"


def test_only_the_chokepoint_starts_programs() -> None:
    starters = sorted(
        str(path.relative_to(SRC))
        for path in MODULES.values()
        if path != CHOKEPOINT
        and any(_under(n, ("subprocess", "os.system")) for n in imported(path))
    )
    assert starters == [], f"start programs through slipway.tools.run, not in {starters}"


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in sorted(graph[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                other = stack.pop()
                component.append(other)
                if other == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycles() -> None:
    graph = {
        name: {n for n in imported(path) if n in MODULES and n != name}
        for name, path in MODULES.items()
    }
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_loop() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
