"""BuildKit's own build checks (the Dockerfile rules built into BuildKit: ``FromAsCasing``,
``UndefinedVar``, ``SecretsUsedInArgOrEnv``, ...), read from buildx's metadata file (pure).

A build records them as warnings; with ``BUILDX_METADATA_WARNINGS=1`` buildx writes them into
``--metadata-file`` under ``buildx.build.warnings``: each with its text (``short``, base64,
``Rule: message``), a documentation ``url``, and its ``range`` in the Dockerfile.
build-push-action turns them into annotations (``DOCKER_BUILD_CHECKS_ANNOTATIONS``, on by
default); Slipway does the same, next to its own rules, and leaves out a check that says
what one of its rules already says on the same line (`SAME_AS`).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

WARNINGS_KEY = "buildx.build.warnings"
MAX_CHECKS = 200  # more is a broken build record, not advice
# BuildKit checks that one of Slipway's rules already reports (on the same line).
SAME_AS = {"SecretsUsedInArgOrEnv": "SW005"}
_RULE = re.compile(r"([A-Za-z][A-Za-z0-9]{0,63}):\s*(.*)", re.DOTALL)
_DOCS = re.compile(r"https://docs\.docker\.com/[A-Za-z0-9/._#-]{1,200}")


@dataclass(frozen=True)
class BuildCheck:
    """One BuildKit check that fired."""

    rule: str  # "FromAsCasing"
    message: str  # one line
    line: int | None  # in the Dockerfile, when BuildKit said
    url: str = ""  # its documentation (docs.docker.com only)


def build_checks(metadata: Mapping[str, Any]) -> list[BuildCheck]:
    """The checks in a metadata file, once each (same rule, line and message); anything else
    there is left out."""
    found: dict[tuple[str, int | None, str], BuildCheck] = {}
    warnings = metadata.get(WARNINGS_KEY)
    for warning in warnings[:MAX_CHECKS] if isinstance(warnings, list) else []:
        check = _check(warning) if isinstance(warning, dict) else None
        if check is not None:
            found.setdefault((check.rule, check.line, check.message), check)
    return list(found.values())


def _check(warning: Mapping[str, Any]) -> BuildCheck | None:
    text = _decoded(warning.get("short"))
    match = _RULE.fullmatch(text.strip())
    if match is None:
        return None
    message = " ".join(match.group(2).split())[:500]
    url = warning.get("url")
    docs = _DOCS.fullmatch(url) if isinstance(url, str) else None
    return BuildCheck(
        match.group(1), message, _line(warning.get("range")), docs.group(0) if docs else ""
    )


def _decoded(value: object) -> str:
    if not isinstance(value, str) or len(value) > 8192:
        return ""
    try:
        return base64.b64decode(value, validate=True).decode("utf-8", errors="replace")
    except (binascii.Error, ValueError):
        return ""


def _line(ranges: object) -> int | None:
    first = ranges[0] if isinstance(ranges, list) and ranges else None
    start = first.get("start") if isinstance(first, dict) else None
    line = start.get("line") if isinstance(start, dict) else None
    return line if isinstance(line, int) and not isinstance(line, bool) and line > 0 else None
