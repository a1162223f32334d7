"""PEP 440 versions the way ``@renovate/pep440`` (used by metadata-action) reads them.

Parsed by `packaging` (PyPI's own reading: case-insensitive, optional ``v``, surrounding
whitespace); ``clean`` is its normalised form (``1.2.3beta2`` -> ``1.2.3b2``, ``1.0dev4``
-> ``1.0.dev4``, ``1.2-1`` -> ``1.2.post1``); ``major``/``minor``/``patch`` are release
segments (0 when missing). metadata-action's own cases agree (tests/unit/meta).
"""

from __future__ import annotations

from dataclasses import dataclass

from packaging.version import InvalidVersion, Version


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


def parse(text: str) -> Pep440 | None:
    """Parse ``text``; None when it does not conform to PEP 440."""
    try:
        version = Version(text)
    except InvalidVersion:
        return None
    return Pep440(
        epoch=version.epoch,
        release=version.release,
        pre=version.pre,
        post=version.post,
        dev=version.dev,
        local=version.local,
    )
