"""The event payload (GITHUB_EVENT_PATH): wrong types, deep nesting and dates out of range are
refused naming the variable, never a crash; every example payload of GitHub's webhooks passes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from slipway.core.context import check_payload, load_event
from slipway.errors import InputError

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / ".cache" / "github" / "webhooks-examples.json"


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "event.json"
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(
    "payload",
    [
        {"commits": "abc"},
        {"commits": ["abc"]},
        {"commits": [{"id": 1}]},
        {"head_commit": "x"},
        {"head_commit": {"id": "a", "timestamp": 5}},
        {"repository": []},
        {"repository": {"private": "no"}},
        {"repository": {"default_branch": 7}},
        {"pull_request": {"number": "7"}},
        {"pull_request": {"number": True}},
        {"pull_request": {"number": 1, "head": "x"}},
        {"number": 1.5},
        {"merge_group": {"head_ref": None}},
        {"commits": [{"id": "a", "timestamp": "99999-01-01T00:00:00Z"}]},
        {"head_commit": {"id": "a", "timestamp": "9999-12-31T23:59:59-14:00"}},
        {"head_commit": {"id": "a", "timestamp": "0001-01-01T00:00:00+14:00"}},
        {"head_commit": {"id": "a", "timestamp": "yesterday"}},
    ],
    ids=lambda p: json.dumps(p)[:50],
)
def test_wrong_types_and_dates_are_refused_by_name(payload: dict[str, Any], tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        load_event(write(tmp_path, json.dumps(payload)))
    assert caught.value.name == "GITHUB_EVENT_PATH"


@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_deep_nesting_is_refused_by_name(depth: int, tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        load_event(write(tmp_path, '{"a":' + "[" * depth + "]" * depth + "}"))
    assert caught.value.name == "GITHUB_EVENT_PATH"


def test_what_is_never_read_is_not_checked(tmp_path: Path) -> None:
    payload = {"sender": 5, "repository": {"owner": "x", "topics": 3}, "commits": None}
    assert load_event(write(tmp_path, json.dumps(payload))) == payload


def test_every_webhook_example_passes() -> None:
    assert EXAMPLES.is_file(), "scripts/fetch-github-fixtures (scripts/dev-env runs it) has not run"
    data = json.loads(EXAMPLES.read_text())
    groups = data if isinstance(data, list) else list(data.values())
    examples = [e for g in groups for e in (g.get("examples", []) if isinstance(g, dict) else g)]
    assert len(examples) > 100
    for example in examples:
        check_payload(example)
