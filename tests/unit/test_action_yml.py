"""action.yml and the code agree: every documented input is read, every output written."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
SOURCE = "\n".join(p.read_text() for p in (ROOT / "src" / "slipway").rglob("*.py"))


def action() -> dict[str, dict[str, dict[str, str]]]:
    data: dict[str, dict[str, dict[str, str]]] = yaml.safe_load((ROOT / "action.yml").read_text())
    return data


def test_every_input_is_documented_and_read() -> None:
    for name, spec in action()["inputs"].items():
        assert spec.get("description"), name
        assert name == "images" or "default" in spec, name
        assert f'"{name}"' in SOURCE, f"input {name!r} is documented but never read"


def test_every_output_is_documented_and_written() -> None:
    outputs = action()["outputs"]
    for name, spec in outputs.items():
        assert spec.get("description"), name
        assert f'"{name}"' in SOURCE, f"output {name!r} is documented but never written"
    written = set(re.findall(r'set_output\(\s*"([a-z-]+)"', SOURCE))
    assert written <= set(outputs), f"outputs written but not documented: {written - set(outputs)}"


def migration_rows() -> list[tuple[str, str, str]]:
    """(anchor action, anchor names, Slipway) rows of the README's migration table."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Migrating from the docker/* actions and trivy-action", 1)[1]
    section = section.split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and "/" in cells[0] and not cells[0].startswith("-"):
            rows.append((cells[0], cells[1], cells[2]))
    return rows


def names(cell: str) -> set[str]:
    """Backticked input-like names in a table cell (`push-by-digest: true` is not one)."""
    return set(re.findall(r"`([a-z][a-z0-9-]*)`", cell))


def reusable_workflow_names() -> set[str]:
    """Inputs, secrets and outputs of the reusable workflow (docker/github-builder's rows)."""
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "build.yml").read_text())
    call = workflow[True]["workflow_call"]  # YAML 1.1 reads the key `on` as True
    return set(call["inputs"]) | set(call["secrets"]) | set(call["outputs"])


def test_migration_table_names_only_what_the_action_has() -> None:
    data = action()
    known = set(data["inputs"]) | set(data["outputs"]) | reusable_workflow_names()
    rows = migration_rows()
    assert len(rows) > 30
    for anchor, theirs, ours in rows:
        if ours.startswith("same names"):
            assert names(theirs) <= known, (anchor, theirs)
        if ours.startswith(("not needed", "not offered", "not applicable", "always", "the ")):
            continue
        assert names(ours) - {"tags"} <= known, (anchor, ours)
        assert "not yet" not in ours, (anchor, ours)
    anchors = {a for a, _, _ in rows}
    assert anchors == {
        "docker/metadata-action",
        "docker/setup-qemu-action",
        "docker/setup-buildx-action",
        "docker/login-action",
        "docker/build-push-action",
        "aquasecurity/trivy-action",
        "docker/github-builder",
        "anchore/scan-action",
        "docker/scout-action",
        "docker/bake-action",
    }
