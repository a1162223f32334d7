"""The README's migration table names every input and output of every action Slipway
replaces (tests/data/anchors/actions.json, read from each action's own action.yml), each
with Slipway's equivalent, "different: how" or "not offered: why"."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ANCHORS = json.loads((ROOT / "tests" / "data" / "anchors" / "actions.json").read_text())["actions"]
VERDICT = re.compile(r"^(same names?|`[^`]+`|different: .+|not offered( yet)?: .+|not needed: .+"
                     r"|not applicable.*|automatic: .+|always.*|computed .+)", re.IGNORECASE)  # fmt: skip


def table() -> list[tuple[str, str, str]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Migrating from the docker/* actions and trivy-action", 1)[1]
    section = section.split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and "/" in cells[0] and not cells[0].startswith("-"):
            rows.append((cells[0], cells[1], cells[2]))
    return rows


def named(cell: str) -> tuple[set[str], set[str]]:
    """(inputs, outputs) a row's middle cell names: backticked words, outputs after 'output'."""
    words = {w.split(":")[0].split("=")[0].strip() for w in re.findall(r"`([^`]+)`", cell)}
    if re.match(r"^outputs? ", cell):
        return set(), words
    return words, set()


@pytest.mark.parametrize("action", sorted(ANCHORS))
def test_every_input_and_output_has_a_row(action: str) -> None:
    rows = [r for r in table() if r[0] == action]
    inputs: set[str] = set()
    outputs: set[str] = set()
    for _, cell, _ in rows:
        found_in, found_out = named(cell)
        inputs |= found_in
        outputs |= found_out
    assert set(ANCHORS[action]["inputs"]) - inputs == set(), f"{action} inputs missing"
    assert set(ANCHORS[action]["outputs"]) - outputs == set(), f"{action} outputs missing"


def test_every_row_says_what_slipway_does() -> None:
    rows = table()
    assert len(rows) > 40
    for action, cell, verdict in rows:
        assert action in ANCHORS, action
        assert VERDICT.match(verdict), (action, cell, verdict)


def test_the_table_test_notices_a_missing_input() -> None:
    names, _ = named("`images`, `tags`, `flavor`")
    assert "labels" not in names  # a row that leaves an input out is caught above
