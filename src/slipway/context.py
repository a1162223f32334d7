"""The GitHub context: ``GITHUB_*`` variables and the event payload -> `Context`.

Mirrors what @actions/github's Context reads, so tags and labels match what
docker/metadata-action computes from the same run.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from slipway.errors import InputError


@dataclass(frozen=True)
class Context:
    """What the run is about: event, ref, commit, repository."""

    event_name: str = ""
    sha: str = ""
    ref: str = ""
    head_ref: str = ""
    base_ref: str = ""
    repository: str = ""
    server_url: str = "https://github.com"
    api_url: str = "https://api.github.com"
    run_id: str = ""
    run_number: str = ""
    actor: str = ""
    workflow: str = ""
    workspace: str = ""
    payload: Mapping[str, Any] = field(default_factory=dict)

    @property
    def owner(self) -> str:
        """Repository owner (``octo-org``)."""
        return self.repository.partition("/")[0]

    @property
    def repo(self) -> str:
        """Repository name without owner."""
        return self.repository.partition("/")[2]

    @property
    def repository_url(self) -> str:
        """``https://github.com/owner/repo``."""
        return f"{self.server_url}/{self.repository}" if self.repository else ""

    @property
    def default_branch(self) -> str:
        """The default branch, as the event payload tells it (empty when unknown)."""
        repo = self.payload.get("repository")
        return str(repo.get("default_branch") or "") if isinstance(repo, Mapping) else ""

    @property
    def pr_number(self) -> int | None:
        """The pull request number for PR events, else None."""
        pr = self.payload.get("pull_request")
        if isinstance(pr, Mapping) and isinstance(pr.get("number"), int):
            return int(pr["number"])
        number = self.payload.get("number")
        return (
            number
            if isinstance(number, int) and self.event_name.startswith("pull_request")
            else None
        )


def load_event(path: str) -> dict[str, Any]:
    """Read the event payload file (``GITHUB_EVENT_PATH``); missing or empty -> {}."""
    if not path:
        return {}
    file = Path(path)
    if not file.is_file():
        return {}
    try:
        data = json.loads(file.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError) as error:
        raise InputError(
            "GITHUB_EVENT_PATH", f"cannot read event payload {path}: {error}"
        ) from None
    if not isinstance(data, dict):
        raise InputError(
            "GITHUB_EVENT_PATH",
            f"the event payload {path} is not a JSON object",
            "The runner writes it; outside GitHub point GITHUB_EVENT_PATH at a webhook payload.",
        )
    return data


def read_context(env: Mapping[str, str], payload: Mapping[str, Any]) -> Context:
    """Build the context from the runner's environment and the event payload."""
    server = env.get("GITHUB_SERVER_URL", "").rstrip("/") or "https://github.com"
    api = env.get("GITHUB_API_URL", "").rstrip("/") or "https://api.github.com"
    return Context(
        event_name=env.get("GITHUB_EVENT_NAME", ""),
        sha=env.get("GITHUB_SHA", ""),
        ref=env.get("GITHUB_REF", ""),
        head_ref=env.get("GITHUB_HEAD_REF", ""),
        base_ref=env.get("GITHUB_BASE_REF", ""),
        repository=env.get("GITHUB_REPOSITORY", ""),
        server_url=server,
        api_url=api,
        run_id=env.get("GITHUB_RUN_ID", ""),
        run_number=env.get("GITHUB_RUN_NUMBER", ""),
        actor=env.get("GITHUB_ACTOR", ""),
        workflow=env.get("GITHUB_WORKFLOW", ""),
        workspace=env.get("GITHUB_WORKSPACE", ""),
        payload=payload,
    )
