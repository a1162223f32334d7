"""Contexts built from real webhook payloads (@octokit/webhooks-examples) for engine tests."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from slipway.core.context import Context, read_context
from slipway.meta.config import read_metadata_config
from slipway.meta.engine import Metadata, compute_metadata
from tests.support import payloads

NOW = datetime(2020, 1, 10, 0, 30, tzinfo=UTC)  # metadata-action's tests freeze this instant
API = "https://api.github.com"
# The repository record metadata-action's tests use (__tests__/fixtures/repo.json).
REPO: dict[str, Any] = {
    "name": "Hello-World",
    "description": "This your first repo!",
    "html_url": "https://github.com/octocat/Hello-World",
    "default_branch": "master",
    "license": {"spdx_id": "MIT"},
}
# Which example of each event: (action, index).
EXAMPLES: dict[str, tuple[str | None, int]] = {
    "push_branch": (None, 4),  # refs/heads/master, sha 6113728, commit 2019-05-15T15:19:25Z
    "push_tag": (None, 0),  # refs/tags/simple-tag, head_commit 2019-05-15T15:20:41Z
    "pull_request": ("opened", 0),  # number 2, head "changes" ec26c3e, base master f95f852
    "pull_request_closed": ("closed", 0),  # merge_commit_sha c4295bd
    "pull_request_target": ("opened", 0),
    "release": ("published", 0),  # tag 0.0.1
    "workflow_dispatch": (None, 0),  # refs/heads/main
    "merge_group": ("checks_requested", 0),  # gh-readonly-queue/main/pr-104-...
}


def event_context(kind: str, ref: str | None = None) -> Context:
    """The context a runner gives for example ``kind`` (``ref`` replaces a push's ref)."""
    if kind == "empty":
        return read_context({}, {})
    if kind == "schedule":
        payload = payloads.schedule_payload()
        env = payloads.runner_env(
            "schedule", payload, Path("event.json"), API, "octocat/Hello-World"
        )
        return read_context(env, payload)
    action, index = EXAMPLES[kind]
    event = kind.removesuffix("_branch").removesuffix("_tag").removesuffix("_closed")
    payload = payloads.load_event(event, action, index)
    if ref is not None:
        payload["ref"] = ref
    env = payloads.runner_env(event, payload, Path("event.json"), API)
    return read_context(env, payload)


def run(
    kind: str,
    inputs: Mapping[str, str],
    *,
    ref: str | None = None,
    env: Mapping[str, str] | None = None,
    repo: Mapping[str, Any] | None = REPO,
    released: tuple[str, ...] | None = None,
) -> Metadata:
    """Compute metadata for example ``kind`` with action inputs ``inputs`` (no INPUT_ prefix)."""
    full_env = {**{f"INPUT_{k.upper()}": v for k, v in inputs.items()}, **(env or {})}
    config = read_metadata_config(full_env)
    context = event_context(kind, ref)
    return compute_metadata(
        config, context, env=full_env, now=NOW, repo=repo, released_tags=released
    )
