"""OCI labels and annotations (``org.opencontainers.image.*``) and the ``org_oci_*`` build args.

As metadata-action's ``getOCIAnnotationsWithCustoms``: eight keys from the repository
record and the run, then the user's ``labels`` (or ``annotations``) entries, each a
Handlebars template; a later key wins, entries without ``=`` are dropped, and the
result is sorted by key as JavaScript's ``localeCompare`` sorts (ICU root order:
case-insensitive first, punctuation before digits before letters).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from slipway.core.context import Context
from slipway.meta import handlebars

OCI = "org.opencontainers.image"

# The documented Dockerfile contract (README, "The Dockerfile pattern"): ARG org_oci_<x> feeds LABEL org.opencontainers.image.<x>.
BUILD_ARG_LABELS = {
    "org_oci_version": f"{OCI}.version",
    "org_oci_source": f"{OCI}.source",
    "org_oci_revision": f"{OCI}.revision",
    "org_oci_created": f"{OCI}.created",
}
# ICU root collation order of ASCII punctuation and symbols (they sort before digits).
_PUNCTUATION = "_-,;:!?.'\"()[]{}@*/\\&#%`^+<=>|~$"


def format_created(now: datetime) -> str:
    """ISO-8601 UTC with milliseconds, as metadata-action writes ``created``."""
    return now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


def _char_key(char: str) -> tuple[int, int | str]:
    if char.isspace():
        return (0, ord(char))
    if char in _PUNCTUATION:
        return (1, _PUNCTUATION.index(char))
    if char.isdigit():  # number-safe: a sort class (as localeCompare), never read as a number
        return (3, char)
    if char.isalpha():
        return (4, char.lower())
    return (2, ord(char))


def locale_key(text: str) -> tuple[tuple[tuple[int, int | str], ...], tuple[bool, ...]]:
    """A sort key close to ``a.localeCompare(b)`` (primary order, then lower case first)."""
    return tuple(_char_key(char) for char in text), tuple(char.isupper() for char in text)


def base_annotations(
    repo: Mapping[str, Any], *, version: str, created: str, revision: str
) -> list[str]:
    """The eight OCI keys, as ``key=value``, from the repository record and the run."""
    license_info = repo.get("license")
    spdx = license_info.get("spdx_id") if isinstance(license_info, Mapping) else None
    return [
        f"{OCI}.title={repo.get('name') or ''}",
        f"{OCI}.description={repo.get('description') or ''}",
        f"{OCI}.url={repo.get('html_url') or ''}",
        f"{OCI}.source={repo.get('html_url') or ''}",
        f"{OCI}.version={version}",
        f"{OCI}.created={created}",
        f"{OCI}.revision={revision}",
        f"{OCI}.licenses={spdx or ''}",
    ]


def merge_annotations(
    base: list[str], extra: tuple[str, ...], scope: handlebars.Scope
) -> dict[str, str]:
    """Base entries plus rendered user entries -> a key-sorted dict (later keys win)."""
    merged: dict[str, str] = {}
    for entry in [*base, *(handlebars.render(item, scope) for item in extra)]:
        key, sep, value = entry.partition("=")
        if sep:
            merged[key] = value
    return {key: merged[key] for key in sorted(merged, key=locale_key)}


def build_args_from_labels(labels: Mapping[str, str]) -> dict[str, str]:
    """The ``org_oci_*`` build args the documented Dockerfile pattern reads (README, "The
    Dockerfile pattern")."""
    return {arg: labels.get(label, "") or "unknown" for arg, label in BUILD_ARG_LABELS.items()}


def repository_record(context: Context, repo: Mapping[str, Any] | None) -> Mapping[str, Any]:
    """The API record, else the event payload's ``repository``, else what the context knows."""
    if repo is not None:
        return repo
    payload_repo = context.payload.get("repository")
    if isinstance(payload_repo, Mapping) and payload_repo:
        return payload_repo
    return {"name": context.repo, "html_url": context.repository_url}
