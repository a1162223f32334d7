"""The GitHub context: ``GITHUB_*`` variables and the event payload -> `Context`.

Mirrors what @actions/github's Context reads, so tags and labels match what
docker/metadata-action computes from the same run.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
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
    except (OSError, ValueError, RecursionError) as error:  # json recurses per nesting level
        reason = "it nests too deeply" if isinstance(error, RecursionError) else str(error)[:200]
        raise InputError(
            "GITHUB_EVENT_PATH", f"cannot read event payload {path}: {reason}", PAYLOAD_HINT
        ) from None
    if not isinstance(data, dict):
        raise InputError(
            "GITHUB_EVENT_PATH", f"the event payload {path} is not a JSON object", PAYLOAD_HINT
        )
    check_payload(data)
    return data


PAYLOAD_HINT = "The runner writes it; outside GitHub point GITHUB_EVENT_PATH at a webhook payload."
_OBJECT, _LIST = dict, list
# What Slipway reads of a payload, and its type there (GitHub's webhook schemas): anything
# else in the file is never looked at. (path, types); None stands for JSON's null.
PAYLOAD_FIELDS: tuple[tuple[tuple[str, ...], tuple[type | None, ...]], ...] = (
    (("ref",), (str, None)),
    (("after",), (str, None)),
    (("base_ref",), (str, None)),
    (("number",), (int,)),
    (("commits",), (_LIST, None)),
    (("head_commit",), (_OBJECT, None)),
    (("head_commit", "id"), (str,)),
    (("head_commit", "timestamp"), (str, None)),
    (("repository",), (_OBJECT, None)),
    (("repository", "default_branch"), (str, None)),
    (("repository", "private"), (bool,)),
    (("repository", "name"), (str, None)),
    (("repository", "full_name"), (str, None)),
    (("repository", "html_url"), (str, None)),
    (("repository", "description"), (str, None)),
    (("repository", "license"), (_OBJECT, None)),
    (("pull_request",), (_OBJECT, None)),
    (("pull_request", "number"), (int,)),
    (("pull_request", "head"), (_OBJECT,)),
    (("pull_request", "head", "sha"), (str,)),
    (("pull_request", "head", "ref"), (str,)),
    (("pull_request", "head", "repo"), (_OBJECT, None)),
    (("pull_request", "base"), (_OBJECT,)),
    (("pull_request", "base", "ref"), (str,)),
    (("pull_request", "base", "repo"), (_OBJECT, None)),
    (("merge_group",), (_OBJECT, None)),
    (("merge_group", "head_ref"), (str,)),
    (("merge_group", "base_ref"), (str,)),
)
_COMMIT_FIELDS = (("id", (str,)), ("timestamp", (str, None)))
# A timestamp Slipway can shift by any time zone and still format (datetime's years 1-9999)
MIN_YEAR, MAX_YEAR = 2, 9998


def _check_type(where: str, value: Any, types: tuple[type | None, ...]) -> None:
    wanted = tuple(t for t in types if t is not None)
    valid = (value is None and None in types) or (
        isinstance(value, wanted) and not (isinstance(value, bool) and bool not in wanted)
    )
    if not valid:
        names = " or ".join("null" if t is None else _JSON_NAMES[t] for t in types)
        raise InputError(
            "GITHUB_EVENT_PATH", f"the event payload's {where} is not {names}", PAYLOAD_HINT
        )


_JSON_NAMES: dict[type, str] = {
    str: "a string",
    int: "a number",
    bool: "true or false",
    dict: "an object",
    list: "a list",
}


def _check_timestamp(where: str, stamp: Any) -> None:
    if not isinstance(stamp, str):
        return
    try:
        moment = datetime.fromisoformat(stamp)
        year = moment.astimezone(UTC).year if moment.tzinfo else moment.year
    except (ValueError, OverflowError):
        year = 0
    if not MIN_YEAR <= year <= MAX_YEAR:
        message = f"the event payload's {where} is not a date between the years 2 and 9998"
        raise InputError("GITHUB_EVENT_PATH", message, PAYLOAD_HINT)


def check_payload(data: Mapping[str, Any]) -> None:
    """`InputError` naming GITHUB_EVENT_PATH when a field Slipway reads has another type than
    GitHub's schema gives it, or a commit's date is out of range."""
    for path, types in PAYLOAD_FIELDS:
        parent: Any = data
        for key in path[:-1]:
            parent = parent.get(key) if isinstance(parent, dict) else None
        if isinstance(parent, dict) and path[-1] in parent:
            _check_type(".".join(path), parent[path[-1]], types)
    for number, commit in enumerate(data.get("commits") or [], start=1):
        _check_type(f"commits[{number}]", commit, (_OBJECT,))
        for key, types in _COMMIT_FIELDS:
            if key in commit:
                _check_type(f"commits[{number}].{key}", commit[key], types)
        _check_timestamp(f"commits[{number}].timestamp", commit.get("timestamp"))
    head = data.get("head_commit")
    if isinstance(head, dict):
        _check_timestamp("head_commit.timestamp", head.get("timestamp"))


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
