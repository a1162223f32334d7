"""Degrade-to-fit: the fullest rendering of a report that stays within a hard size limit.

GitHub refuses a job summary over 1 MiB per step and a comment over 65,536 characters
(https://docs.github.com/en/actions/reference/workflow-commands-for-github-actions#step-isolation-and-limits,
https://docs.github.com/en/rest/issues/comments#create-an-issue-comment). A report is an
ordered list of sections, most important first. `fit` starts from the smallest form of
every section, then upgrades them in order while the total still fits; the result is
measured, and never exceeds the limit. Required sections (the verdict, the counts) are
never dropped; a `Rows` section loses rows from the bottom and says how many more there
are and where.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

Measure = Callable[[str], int]

SUMMARY_LIMIT_BYTES = 1024 * 1024  # per step
COMMENT_LIMIT_CHARS = 65536
MORE = "_… and {n} more in {where}._"
WHERE = "the report artifact / SARIF"
CUT = "\n\n_… the report was cut here to fit GitHub's size limit; see {where}._\n"


def measure_bytes(text: str) -> int:
    """Size as GitHub counts the job summary: UTF-8 bytes."""
    return len(text.encode())


def measure_chars(text: str) -> int:
    """Size as GitHub counts a comment body: characters."""
    return len(text)


@dataclass(frozen=True)
class Block:
    """A section with alternative renderings, fullest first (each ends without a newline)."""

    key: str
    variants: tuple[str, ...]
    required: bool = False  # never dropped: its smallest variant at least is kept


@dataclass(frozen=True)
class Rows:
    """A section whose rows (a table's, a list's) can be cut from the bottom.

    Rendered as ``title``, ``head`` (only with at least one row), the rows, then one
    line ``more`` (``{n}`` rows left out, ``{where}`` to find them), then ``tail``.
    """

    key: str
    rows: tuple[str, ...]
    title: str = ""
    head: str = ""
    tail: str = ""
    more: str = MORE
    where: str = WHERE
    required: bool = False  # never dropped: the title and the "N more" line stay
    empty: str = ""  # shown instead of head and rows when there are no rows at all

    def render(self, count: int) -> str:
        """The section with its first ``count`` rows."""
        parts = [self.title] if self.title else []
        if not self.rows:
            return "\n".join([*parts, self.empty] if self.empty else parts)
        if count:
            parts += [self.head] if self.head else []
            parts.append("\n".join(self.rows[:count]))
        if count < len(self.rows):
            # A blank line first: a line right after a table would become a table row.
            parts += ["", self.more.format(n=len(self.rows) - count, where=self.where)]
        parts += [self.tail] if self.tail else []
        return "\n".join(parts)


Section = Block | Rows


@dataclass(frozen=True)
class Fitted:
    """The rendering chosen, its measured size, and which sections were shortened."""

    text: str
    size: int
    shortened: tuple[str, ...] = field(default_factory=tuple)
    dropped: tuple[str, ...] = field(default_factory=tuple)


@dataclass
class _Choice:
    section: Section
    text: str = ""
    size: int = 0
    full: bool = False
    present: bool = False


def fit(
    sections: Sequence[Section],
    limit: int,
    measure: Measure = measure_bytes,
    where: str = WHERE,
) -> Fitted:
    """The fullest rendering of ``sections`` (joined by blank lines) within ``limit``."""
    separator = measure("\n\n")
    choices = [_smallest(section, measure) for section in sections]
    total = _total(choices, separator) + measure("\n")
    # The smallest forms do not fit: drop optional sections from the bottom.
    for choice in reversed(choices):
        if total <= limit:
            break
        if choice.present and not choice.section.required:
            total -= choice.size + separator
            choice.present, choice.text, choice.size = False, "", 0
    # Upgrade sections in order of importance while the total fits.
    for choice in choices:
        spare = limit - total + (choice.size if choice.present else -separator)
        better = _best_within(choice.section, spare, measure)
        if better is None or (choice.present and better[1] <= choice.size):
            continue
        total += better[1] - (choice.size if choice.present else -separator)
        choice.text, choice.size, choice.present = better[0], better[1], True
        choice.full = better[0] == _full(choice.section)
    text = "\n\n".join(c.text for c in choices if c.present) + "\n"
    size = measure(text)
    if size > limit:  # only when the required sections alone are too large
        text = _cut(text, limit, measure, where)
        size = measure(text)
    return Fitted(
        text,
        size,
        tuple(c.section.key for c in choices if c.present and not c.full),
        tuple(c.section.key for c in choices if not c.present),
    )


def _total(choices: Sequence[_Choice], separator: int) -> int:
    present = [c for c in choices if c.present]
    return sum(c.size for c in present) + separator * max(len(present) - 1, 0)


def _full(section: Section) -> str:
    if isinstance(section, Block):
        return section.variants[0] if section.variants else ""
    return section.render(len(section.rows))


def _smallest(section: Section, measure: Measure) -> _Choice:
    if isinstance(section, Block):
        text = section.variants[-1] if section.variants else ""
    else:
        text = section.render(0)
    return _Choice(section, text, measure(text), text == _full(section), True)


def _best_within(section: Section, budget: int, measure: Measure) -> tuple[str, int] | None:
    """The fullest rendering of ``section`` measuring at most ``budget``, or None."""
    if budget < 0:
        return None
    if isinstance(section, Block):
        for variant in section.variants:
            size = measure(variant)
            if size <= budget:
                return variant, size
        return None
    return _rows_within(section, budget, measure)


def _rows_within(section: Rows, budget: int, measure: Measure) -> tuple[str, int] | None:
    # Row sizes once, then a bisection over prefix sums: linear in the rows, not quadratic.
    sizes = list(itertools.accumulate(measure(row) + 1 for row in section.rows))
    fixed = measure(section.render(0))
    head = measure(section.head) + 1 if section.head else 0
    count = bisect.bisect_right(sizes, budget - fixed - head)
    while count >= 0:
        text = section.render(count)
        size = measure(text)
        if size <= budget:
            return text, size
        count -= 1  # the estimate is off by the "N more" line only: a step or two
    return None


def _cut(text: str, limit: int, measure: Measure, where: str) -> str:
    """Cut ``text`` at a line boundary so that it and a note fit in ``limit``."""
    note = CUT.format(where=where)
    budget = limit - measure(note)
    if budget <= 0:
        return ""
    lines = text.splitlines(keepends=True)
    kept: list[str] = []
    used = 0
    for line in lines:
        size = measure(line)
        if used + size > budget:
            kept.append(_shorten(line, budget - used, measure))
            break
        kept.append(line)
        used += size
    return "".join(kept).rstrip("\n") + note


def _shorten(line: str, budget: int, measure: Measure) -> str:
    """The longest prefix of ``line`` measuring at most ``budget``."""
    cut = line[:budget]  # a character is at least one byte
    while cut and measure(cut) > budget:
        cut = cut[: len(cut) - max((measure(cut) - budget) // 4, 1)]
    return cut
