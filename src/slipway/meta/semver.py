"""The slice of node-semver (v7) that metadata-action relies on: valid, parse, prerelease.

``semver.valid(v)`` is the strict grammar (an optional leading ``v``, no leading zeros,
surrounding whitespace trimmed); numeric pre-release identifiers become numbers, so
``{{prerelease}}`` renders ``beta,67`` as JavaScript's ``String([..])`` does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from slipway.core.numbers import is_int

MAX_LENGTH = 256
MAX_SAFE_INTEGER = 2**53 - 1
_NUM = r"0|[1-9][0-9]*"
_PRE_ID = rf"(?:{_NUM}|[0-9]*[a-zA-Z-][a-zA-Z0-9-]*)"
_FULL = re.compile(
    rf"^v?({_NUM})\.({_NUM})\.({_NUM})"
    rf"(?:-({_PRE_ID}(?:\.{_PRE_ID})*))?"
    r"(?:\+([a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)*))?$"
)


@dataclass(frozen=True)
class SemVer:
    """A parsed semantic version; ``raw`` is the text it was parsed from."""

    raw: str
    major: int
    minor: int
    patch: int
    prerelease: tuple[int | str, ...]
    build: tuple[str, ...]

    @property
    def version(self) -> str:
        """``major.minor.patch[-prerelease]`` (node-semver's ``format()``)."""
        core = f"{self.major}.{self.minor}.{self.patch}"
        return core + ("-" + ".".join(map(str, self.prerelease)) if self.prerelease else "")

    def sort_key(self) -> tuple[int, int, int, int, tuple[tuple[int, int | str], ...]]:
        """Precedence per semver.org §11: releases sort after their pre-releases."""
        ids = tuple((0, p) if isinstance(p, int) else (1, p) for p in self.prerelease)
        return (self.major, self.minor, self.patch, 0 if self.prerelease else 1, ids)


def parse(text: str) -> SemVer | None:
    """``semver.parse(text)``: a `SemVer`, or None when ``text`` is not strict semver."""
    if len(text) > MAX_LENGTH:
        return None
    found = _FULL.match(text.strip())
    if not found:
        return None
    numbers = [int(found.group(i)) for i in (1, 2, 3)]
    if any(n > MAX_SAFE_INTEGER for n in numbers):
        return None
    pre = found.group(4)
    prerelease = (
        tuple(int(p) if is_int(p, high=MAX_SAFE_INTEGER) else p for p in pre.split("."))
        if pre
        else ()
    )
    build = tuple(found.group(5).split(".")) if found.group(5) else ()
    return SemVer(text, numbers[0], numbers[1], numbers[2], prerelease, build)
