"""Every input of action.yml: the spellings it accepts pass the validation pass, and each
spelling it refuses is an `InputError` naming that input (tests/support/input_table.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from slipway.core import plan_view
from slipway.core.context import read_context
from slipway.core.plan import Plan, make_plan
from slipway.errors import InputError
from slipway.inputs import read_inputs
from slipway.runner.validation import check_files
from slipway.tools.buildx import build_argv
from tests.support.input_table import FREE_TEXT, INVALID, VALID, Row, env_for, prepare_workspace

ROOT = Path(__file__).resolve().parents[2]


def validate(row: Row, workspace: Path, monkeypatch: pytest.MonkeyPatch) -> Plan:
    prepare_workspace(workspace)
    monkeypatch.chdir(workspace)
    env = {"GITHUB_REF": "refs/heads/main", "GITHUB_SHA": "a" * 40, **env_for(row)}
    inputs = read_inputs(env)
    plan = make_plan(inputs, read_context(env, {}), env=env, now=datetime(2026, 12, 1, tzinfo=UTC))
    check_files(inputs)
    return plan


def test_every_input_has_rows() -> None:
    names = set(yaml.safe_load((ROOT / "action.yml").read_text())["inputs"])
    assert names - {r.name for r in VALID} == set()
    assert names - FREE_TEXT - {r.name for r in INVALID} == set()
    assert {r.name for r in (*VALID, *INVALID)} <= names  # no row for an input that is gone


@pytest.mark.parametrize("row", VALID, ids=lambda r: r.id)
def test_accepted(row: Row, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An accepted value carries through: the plan and the build command a run would use
    are made from it (what the dry run prints)."""
    plan = validate(row, tmp_path, monkeypatch)
    argv = build_argv(plan, plan_view.METADATA_FILE, plan_view.LAYOUT_DIR)
    lines = plan_view.plan_lines(plan, argv)
    assert argv[:3] == ["docker", "buildx", "build"]
    assert any("buildx build" in line for line in lines)


@pytest.mark.parametrize("row", INVALID, ids=lambda r: r.id)
def test_refused_by_name(row: Row, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(InputError) as caught:
        validate(row, tmp_path, monkeypatch)
    assert caught.value.name == row.named, caught.value.message
    what = caught.value.message.removeprefix(f"input '{row.named}': ")
    assert len(what.strip()) >= 10, caught.value.message  # says what is wrong, not only where


def test_metadata_actions_context_is_refused_with_its_meaning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(InputError) as caught:
        validate(Row("context", "workflow"), tmp_path, monkeypatch)
    assert "docker/metadata-action" in caught.value.hint
