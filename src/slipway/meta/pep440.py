"""PEP 440 versions the way ``@renovate/pep440`` (used by metadata-action) reads them.

The grammar is packaging's ``VERSION_PATTERN`` (case-insensitive, optional ``v``);
``clean`` is the normalised form (``1.2.3beta2`` -> ``1.2.3b2``, ``1.0dev4`` ->
``1.0.dev4``, ``1.2-1`` -> ``1.2.post1``); ``major``/``minor``/``patch`` are release
segments (0 when missing).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_PATTERN = re.compile(
    r"^\s*v?(?:(?:(?P<epoch>[0-9]+)!)?(?P<release>[0-9]+(?:\.[0-9]+)*)"
    r"(?P<pre>[-_.]?(?P<pre_l>alpha|beta|preview|pre|a|b|c|rc)[-_.]?(?P<pre_n>[0-9]+)?)?"
    r"(?P<post>(?:-(?P<post_n1>[0-9]+))|(?:[-_.]?(?P<post_l>post|rev|r)[-_.]?(?P<post_n2>[0-9]+)?))?"
    r"(?P<dev>[-_.]?(?P<dev_l>dev)[-_.]?(?P<dev_n>[0-9]+)?)?)"
    r"(?:\+(?P<local>[a-z0-9]+(?:[-_.][a-z0-9]+)*))?\s*$",
    re.IGNORECASE,
)
_LETTERS = {
    "alpha": "a",
    "beta": "b",
    "c": "rc",
    "pre": "rc",
    "preview": "rc",
    "rev": "post",
    "r": "post",
}


@dataclass(frozen=True)
class Pep440:
    """A parsed PEP 440 version."""

    epoch: int
    release: tuple[int, ...]
    pre: tuple[str, int] | None
    post: int | None
    dev: int | None
    local: str | None

    @property
    def is_prerelease(self) -> bool:
        """A pre-release or a development release."""
        return self.pre is not None or self.dev is not None

    @property
    def is_special(self) -> bool:
        """Pre-, post- or dev-release: metadata-action only tags ``{{version}}`` for these."""
        return self.is_prerelease or self.post is not None

    def clean(self) -> str:
        """The normalised version string."""
        text = (f"{self.epoch}!" if self.epoch else "") + ".".join(map(str, self.release))
        if self.pre:
            text += f"{self.pre[0]}{self.pre[1]}"
        if self.post is not None:
            text += f".post{self.post}"
        if self.dev is not None:
            text += f".dev{self.dev}"
        return text + (f"+{self.local}" if self.local else "")

    def segment(self, index: int) -> int:
        """Release segment ``index`` (major 0, minor 1, patch 2), 0 when absent."""
        return self.release[index] if index < len(self.release) else 0


def _letter(letter: str | None, number: str | None) -> tuple[str, int] | None:
    if letter:
        return _LETTERS.get(letter.lower(), letter.lower()), int(number or 0)
    if number:  # an implicit post release: 1.0-1
        return "post", int(number)
    return None


def parse(text: str) -> Pep440 | None:
    """Parse ``text``; None when it does not conform to PEP 440."""
    found = _PATTERN.match(text)
    if not found:
        return None
    group = found.group
    post = _letter(group("post_l"), group("post_n1") or group("post_n2"))
    dev = _letter(group("dev_l"), group("dev_n"))
    local = group("local")
    return Pep440(
        epoch=int(group("epoch") or 0),
        release=tuple(int(part) for part in group("release").split(".")),
        pre=_letter(group("pre_l"), group("pre_n")),
        post=post[1] if post else None,
        dev=dev[1] if dev else None,
        local=".".join(re.split(r"[-_.]", local.lower())) if local else None,
    )
