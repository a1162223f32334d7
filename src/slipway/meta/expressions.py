"""What a run is about, as metadata-action sees it, and the global expressions over it.

`derive_facts` applies metadata-action's context rules to a `Context`:
``pull_request_target`` uses ``refs/pull/<n>/merge``; ``DOCKER_METADATA_PR_HEAD_SHA``
swaps in the pull request's head commit; the commit date comes from the push payload.
One Slipway addition: a ``merge_group`` run's queue ref
(``refs/heads/gh-readonly-queue/main/pr-7-<sha>``) counts as pull request 7.

`global_scope` gives the Handlebars helpers usable in ``value``, ``prefix``, ``suffix``,
``enable``, labels and annotations: ``branch tag sha base_ref head_ref
is_default_branch is_not_default_branch date commit_date``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from slipway.core.context import Context
from slipway.meta.handlebars import Helper, TemplateError, Value
from slipway.meta.moment import render_date

_QUEUE_REF = re.compile(
    r"^refs/heads/gh-readonly-queue/(?P<base>.+)/pr-(?P<number>[0-9]{1,10})-[0-9a-f]+$", re.ASCII
)
# Events that always run on the default branch's last commit (metadata-action's list).
_DEFAULT_BRANCH_EVENTS = ("create", "discussion", "issues", "schedule")

DATE_NEEDS_FORMAT = "{{{{{name}}}}} needs a format, e.g. {{{{{name} 'YYYYMMDD'}}}}"
UNKNOWN_DATE_ATTRIBUTE = "unknown attribute {key!r} of {{{{{name}}}}}; only tz='Zone' is known"


@dataclass(frozen=True)
class RunFacts:
    """The event, ref and commit that tags are computed from."""

    event_name: str = ""
    ref: str = ""
    sha: str = ""
    head_ref: str = ""
    payload: Mapping[str, Any] = field(default_factory=dict)
    commit_date: datetime | None = None


def _get(data: Any, *path: str) -> Any:
    for key in path:
        data = data.get(key) if isinstance(data, Mapping) else None
    return data


def _commit_date(payload: Mapping[str, Any], sha: str) -> datetime | None:
    """The commit's timestamp from a push payload (``commits`` or ``head_commit``)."""
    stamps = [c.get("timestamp") for c in payload.get("commits") or [] if c.get("id") == sha]
    head = payload.get("head_commit")
    if isinstance(head, Mapping) and head.get("id") == sha:
        stamps.append(head.get("timestamp"))
    for stamp in stamps:
        if isinstance(stamp, str):
            try:
                return datetime.fromisoformat(stamp)
            except ValueError:
                continue
    return None


def _effective_ref(context: Context) -> str:
    payload = context.payload
    if "pull_request_target" in context.event_name and isinstance(payload.get("number"), int):
        return f"refs/pull/{payload['number']}/merge"
    if context.event_name == "merge_group":
        queue = _QUEUE_REF.match(context.ref or str(_get(payload, "merge_group", "head_ref") or ""))
        if queue:
            return f"refs/pull/{queue.group('number')}/merge"
    return context.ref


def derive_facts(context: Context, *, pr_head_sha: bool = False) -> RunFacts:
    """Apply metadata-action's context rules (and the merge queue rule) to ``context``."""
    sha = context.sha
    head_sha = _get(context.payload, "pull_request", "head", "sha")
    if pr_head_sha and "pull_request" in context.event_name and isinstance(head_sha, str):
        sha = head_sha
    head_ref = _get(context.payload, "pull_request", "head", "ref")
    return RunFacts(
        event_name=context.event_name,
        ref=_effective_ref(context),
        sha=sha,
        head_ref=head_ref if isinstance(head_ref, str) else context.head_ref,
        payload=context.payload,
        commit_date=_commit_date(context.payload, sha),
    )


def short_sha(sha: str, length: int) -> str:
    """The first ``length`` characters of ``sha``."""
    return sha[:length]


def _date_helper(name: str, instant: datetime) -> Helper:
    def render(params: list[Value], hash_args: dict[str, Value]) -> str:
        for key in hash_args:
            if key != "tz":
                raise TemplateError(UNKNOWN_DATE_ATTRIBUTE.format(key=key, name=name))
        if not params:
            raise TemplateError(DATE_NEEDS_FORMAT.format(name=name))
        fmt = None if params[0] is None else str(params[0])
        try:
            return render_date(instant, fmt, str(hash_args.get("tz") or "UTC"))
        except ValueError as error:
            raise TemplateError(f"{{{{{name}}}}}: {error}") from None

    return render


def _base_ref(facts: RunFacts) -> str:
    if facts.ref.startswith("refs/tags/") and isinstance(facts.payload.get("base_ref"), str):
        return str(facts.payload["base_ref"]).removeprefix("refs/heads/")
    base = _get(facts.payload, "pull_request", "base", "ref")
    if facts.ref.startswith("refs/pull/") and isinstance(base, str):
        return base
    queue_base = _get(facts.payload, "merge_group", "base_ref")
    if facts.event_name == "merge_group" and isinstance(queue_base, str):
        return queue_base.removeprefix("refs/heads/")
    return ""


def is_default_branch(facts: RunFacts) -> bool:
    """metadata-action's ``{{is_default_branch}}``."""
    branch = facts.ref.removeprefix("refs/heads/")
    if not branch:
        return False
    if _get(facts.payload, "repository", "default_branch") == branch:
        return True
    return any(event in facts.event_name for event in _DEFAULT_BRANCH_EVENTS)


def global_scope(facts: RunFacts, *, now: datetime, short_sha_length: int) -> dict[str, Helper]:
    """The Handlebars helpers of metadata-action's global expressions (plus ``head_ref``)."""
    ref = facts.ref
    default = is_default_branch(facts)

    def constant(value: str) -> Helper:
        return lambda params, hash_args: value

    return {
        "branch": constant(
            ref.removeprefix("refs/heads/") if ref.startswith("refs/heads/") else ""
        ),
        "tag": constant(ref.removeprefix("refs/tags/") if ref.startswith("refs/tags/") else ""),
        "sha": constant(short_sha(facts.sha, short_sha_length)),
        "base_ref": constant(_base_ref(facts)),
        "head_ref": constant(facts.head_ref if ref.startswith("refs/pull/") else ""),
        "is_default_branch": constant("true" if default else "false"),
        "is_not_default_branch": constant("false" if default else "true"),
        "date": _date_helper("date", now),
        "commit_date": _date_helper("commit_date", facts.commit_date or now),
    }
