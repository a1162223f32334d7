"""The README's migration table names every input and output of every action Slipway
replaces (tests/data/anchors/actions.json, read from each action's own action.yml, or the
workflow_call block of docker/github-builder's reusable workflow), each with Slipway's
equivalent, "different: how" or "not offered: why"."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.unit.test_action_yml import migration_rows

ROOT = Path(__file__).resolve().parents[2]
ANCHORS = json.loads((ROOT / "tests" / "data" / "anchors" / "actions.json").read_text())["actions"]
VERDICT = re.compile(
    r"^(same names?|`[^`]+`|different: .+|not offered( yet)?: .+|not needed: .+"
    r"|not applicable.*|automatic: .+|always.*|computed .+)",
    re.IGNORECASE,
)


def named(cell: str) -> tuple[set[str], set[str]]:
    """(inputs, outputs) a row's middle cell names: backticked words, outputs after 'output'."""
    words = {w.split(":")[0].split("=")[0].strip() for w in re.findall(r"`([^`]+)`", cell)}
    if re.match(r"^outputs? ", cell):
        return set(), words
    return words, set()


@pytest.mark.parametrize("action", sorted(ANCHORS))
def test_every_input_and_output_has_a_row(action: str) -> None:
    rows = [r for r in migration_rows() if r[0] == action]
    inputs: set[str] = set()
    outputs: set[str] = set()
    for _, cell, _ in rows:
        found_in, found_out = named(cell)
        inputs |= found_in
        outputs |= found_out
    # A reusable workflow's secrets are inputs of its caller's (under `secrets:`).
    declared = set(ANCHORS[action]["inputs"]) | set(ANCHORS[action].get("secrets", []))
    assert declared - inputs == set(), f"{action} inputs missing"
    assert set(ANCHORS[action]["outputs"]) - outputs == set(), f"{action} outputs missing"


def test_every_row_says_what_slipway_does() -> None:
    rows = migration_rows()
    assert len(rows) > 40
    for action, cell, verdict in rows:
        assert action in ANCHORS, action
        assert VERDICT.match(verdict), (action, cell, verdict)


def test_the_table_test_notices_a_missing_input() -> None:
    names, _ = named("`images`, `tags`, `flavor`")
    assert "labels" not in names  # a row that leaves an input out is caught above
