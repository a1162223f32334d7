"""Real GitHub event payloads (from @octokit/webhooks-examples) and the runner env around them.

``load_event("pull_request", "opened")`` returns a copy of a payload GitHub really sent;
``write_event(path, "pull_request", payload, api_url=...)`` writes it where
``GITHUB_EVENT_PATH`` points and returns the ``GITHUB_*`` variables a runner would set
for that event, derived from the payload the way the runner derives them.

Quirks of Actions events that are not plain webhooks:

* ``pull_request_target`` sends the ``pull_request`` payload, but runs on the base branch
  (``GITHUB_REF=refs/heads/<base>``, ``GITHUB_SHA`` = base SHA) with a write token.
* ``schedule`` is not a webhook, so there is no example: its event file only holds
  ``{"schedule": "<cron>"}`` (see :func:`schedule_payload`); the repository is the
  workflow's own and the ref its default branch.
* ``workflow_dispatch`` and ``release`` payloads carry no commit SHA; the runner uses the
  ref's head commit, for which :func:`placeholder_sha` stands in.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
from pathlib import Path
from typing import Any

from tests.support.github_standin.cache import webhook_examples_path

SERVER_URL = "https://github.com"
ZERO_SHA = "0" * 40
PULL_REQUEST_EVENTS = ("pull_request", "pull_request_target")
NO_EXAMPLE = (
    "{event!r} is not a webhook event, so @octokit/webhooks-examples has no payload for it; "
    "use payloads.schedule_payload() for schedule"
)


@functools.cache
def _examples() -> dict[str, list[dict[str, Any]]]:
    data = json.loads(webhook_examples_path().read_text(encoding="utf-8"))
    return {entry["name"]: entry["examples"] for entry in data}


def available(event: str) -> list[str | None]:
    """Return the ``action`` of each example of ``event``, in order."""
    return [example.get("action") for example in _examples()[_webhook_name(event)]]


def _webhook_name(event: str) -> str:
    name = "pull_request" if event == "pull_request_target" else event
    if name not in _examples():
        raise KeyError(NO_EXAMPLE.format(event=event))
    return name


def load_event(event: str, action: str | None = None, index: int = 0) -> dict[str, Any]:
    """Return (a copy of) the ``index``-th example payload of ``event`` with ``action``."""
    examples = _examples()[_webhook_name(event)]
    matching = [e for e in examples if action is None or e.get("action") == action]
    if index >= len(matching):
        raise IndexError(
            f"no example {index} of {event} with action {action!r}; "
            f"actions available: {sorted({str(a) for a in available(event)})}"
        )
    return copy.deepcopy(matching[index])


def schedule_payload(cron: str = "0 4 * * 1") -> dict[str, Any]:
    """Return the event file contents of a ``schedule`` run."""
    return {"schedule": cron}


def placeholder_sha(ref: str) -> str:
    """Return a stable fake commit SHA for a ref whose payload names no commit."""
    return hashlib.sha1(ref.encode(), usedforsecurity=False).hexdigest()


def _ref_name_and_type(ref: str) -> tuple[str, str]:
    for prefix, kind in (("refs/heads/", "branch"), ("refs/tags/", "tag")):
        if ref.startswith(prefix):
            return ref.removeprefix(prefix), kind
    return ref.removeprefix("refs/pull/"), "branch"  # refs/pull/N/merge -> "N/merge"


def _ref_and_sha(event: str, payload: dict[str, Any], default_branch: str) -> dict[str, str]:
    """Return GITHUB_REF, GITHUB_SHA, GITHUB_HEAD_REF and GITHUB_BASE_REF for the event."""
    out = {"GITHUB_HEAD_REF": "", "GITHUB_BASE_REF": ""}
    if event in PULL_REQUEST_EVENTS:
        pull = payload["pull_request"]
        out["GITHUB_HEAD_REF"], out["GITHUB_BASE_REF"] = pull["head"]["ref"], pull["base"]["ref"]
        if event == "pull_request_target":
            return {
                **out,
                "GITHUB_REF": f"refs/heads/{pull['base']['ref']}",
                "GITHUB_SHA": pull["base"]["sha"],
            }
        # The runner checks out the test merge commit; examples of "opened" lack its SHA.
        sha = pull.get("merge_commit_sha") or pull["head"]["sha"]
        return {**out, "GITHUB_REF": f"refs/pull/{payload['number']}/merge", "GITHUB_SHA": sha}
    if event == "push":
        return {**out, "GITHUB_REF": payload["ref"], "GITHUB_SHA": payload["after"]}
    if event == "merge_group":
        group = payload["merge_group"]
        return {**out, "GITHUB_REF": group["head_ref"], "GITHUB_SHA": group["head_sha"]}
    if event == "release":
        ref = f"refs/tags/{payload['release']['tag_name']}"
    else:  # workflow_dispatch, schedule, and other events running on a branch
        ref = payload.get("ref") or f"refs/heads/{default_branch}"
        ref = ref if ref.startswith("refs/") else f"refs/heads/{ref}"
    return {**out, "GITHUB_REF": ref, "GITHUB_SHA": placeholder_sha(ref)}


def runner_env(
    event: str,
    payload: dict[str, Any],
    event_path: Path,
    api_url: str,
    repository: str | None = None,
    run_id: int = 7_000_000_001,
) -> dict[str, str]:
    """Return the ``GITHUB_*`` (and ``CI``/``RUNNER_*``) variables for ``payload``.

    ``repository`` ("owner/name") is needed only when the payload has none (schedule).
    """
    repo = payload.get("repository") or {}
    full_name = repository or repo["full_name"]
    default_branch = repo.get("default_branch") or "main"
    refs = _ref_and_sha(event, payload, default_branch)
    ref_name, ref_type = _ref_name_and_type(refs["GITHUB_REF"])
    sender = payload.get("sender") or repo.get("owner") or {"login": full_name.split("/")[0]}
    return {
        "CI": "true",
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": event,
        "GITHUB_EVENT_PATH": str(event_path),
        "GITHUB_REPOSITORY": full_name,
        "GITHUB_REPOSITORY_OWNER": full_name.split("/")[0],
        "GITHUB_REPOSITORY_ID": str(repo.get("id", "")),
        **refs,
        "GITHUB_REF_NAME": ref_name,
        "GITHUB_REF_TYPE": ref_type,
        "GITHUB_REF_PROTECTED": "false",
        "GITHUB_SERVER_URL": SERVER_URL,
        "GITHUB_API_URL": api_url,
        "GITHUB_GRAPHQL_URL": f"{api_url}/graphql",
        "GITHUB_ACTOR": sender["login"],
        "GITHUB_ACTOR_ID": str(sender.get("id", "")),
        "GITHUB_TRIGGERING_ACTOR": sender["login"],
        "GITHUB_RUN_ID": str(run_id),
        "GITHUB_RUN_NUMBER": "42",
        "GITHUB_RUN_ATTEMPT": "1",
        "GITHUB_WORKFLOW": "CI",
        "GITHUB_WORKFLOW_REF": f"{full_name}/.github/workflows/ci.yml@{refs['GITHUB_REF']}",
        "GITHUB_WORKFLOW_SHA": refs["GITHUB_SHA"],
        "GITHUB_JOB": "build",
        "GITHUB_ACTION": "__run",
        "GITHUB_WORKSPACE": "/github/workspace",
        "RUNNER_OS": "Linux",
        "RUNNER_ARCH": "X64",
    }


def write_event(
    path: Path,
    event: str,
    payload: dict[str, Any],
    api_url: str,
    repository: str | None = None,
    **overrides: str,
) -> dict[str, str]:
    """Write ``payload`` to ``path`` and return the runner env for it (plus ``overrides``)."""
    path.write_text(json.dumps(payload, indent=2), encoding="utf-8")
    return {**runner_env(event, payload, path, api_url, repository), **overrides}
