"""examples/workflows/post-comment.yml keeps the properties docs/reporting.md promises."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

WORKFLOW = Path(__file__).resolve().parents[3] / "examples/workflows/post-comment.yml"


def _load() -> dict[Any, Any]:
    data = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_runs_on_workflow_run_with_minimal_permissions() -> None:
    data = _load()
    assert set(data[True]) == {"workflow_run"}  # YAML 1.1 reads the key `on` as True
    assert data["permissions"] == {}
    (job,) = data["jobs"].values()
    assert job["permissions"] == {"actions": "read", "pull-requests": "write"}
    assert job["timeout-minutes"] <= 10


def test_never_checks_out_and_pins_actions_by_sha() -> None:
    (job,) = _load()["jobs"].values()
    uses = [step["uses"] for step in job["steps"] if "uses" in step]
    assert uses
    for action in uses:
        assert re.fullmatch(r"[\w-]+/[\w-]+@[0-9a-f]{40}", action), action
        assert not action.startswith("actions/checkout@")
    assert not [step for step in job["steps"] if "run" in step]


def test_event_values_reach_the_script_only_through_env() -> None:
    (job,) = _load()["jobs"].values()
    for step in job["steps"]:
        script = step.get("with", {}).get("script", "")
        assert "${{" not in script
    text = WORKFLOW.read_text(encoding="utf-8")
    assert "Number.isSafeInteger(number)" in text
    assert "pull.head.sha !== process.env.HEAD_SHA" in text
