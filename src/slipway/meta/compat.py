"""The first-cut tag API that `slipway.plan` still calls, kept until it uses the engine.

``compute_tags`` is the old fixed rule set (branch / tag + ``latest`` / ``pr-N`` /
``sha-<short>``); new code calls `slipway.meta.engine.compute_metadata` instead.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from slipway.context import Context

SHORT_SHA_LENGTH = 7
_UNSAFE = re.compile(r"[^a-zA-Z0-9._-]+")


@dataclass(frozen=True)
class TagSet:
    """The version (the main tag) and every tag, most important first."""

    version: str
    tags: tuple[str, ...]


def sanitize_tag(value: str) -> str:
    """Make ``value`` a valid tag: unsafe runs become ``-``, no leading ``.``/``-``, 128 max."""
    cleaned = _UNSAFE.sub("-", value).lstrip(".-")
    return cleaned[:128]


def compute_tags(context: Context, env: Mapping[str, str] = {}) -> TagSet:
    """The old fixed rules: ref (branch/tag/pr) and sha."""
    tags: list[str] = []
    ref = context.ref
    if context.event_name in ("pull_request", "pull_request_target") and context.pr_number:
        tags.append(f"pr-{context.pr_number}")
    elif ref.startswith("refs/tags/"):
        tags.extend([sanitize_tag(ref.removeprefix("refs/tags/")), "latest"])
    elif ref.startswith("refs/heads/"):
        tags.append(sanitize_tag(ref.removeprefix("refs/heads/")))
    sha = _commit_sha(context, env)
    if sha:
        length = int(env.get("DOCKER_METADATA_SHORT_SHA_LENGTH", "") or SHORT_SHA_LENGTH)
        tags.append(f"sha-{sha[:length]}")
    unique = tuple(dict.fromkeys(tag for tag in tags if tag))
    return TagSet(version=unique[0] if unique else "", tags=unique)


def _commit_sha(context: Context, env: Mapping[str, str]) -> str:
    if env.get("DOCKER_METADATA_PR_HEAD_SHA", "").lower() == "true":
        head = context.payload.get("pull_request", {}).get("head", {}).get("sha")
        if isinstance(head, str) and head:
            return head
    return context.sha
