"""Degrade-to-fit: the fullest rendering of a report within one of GitHub's hard size limits.

The one fitter for every text GitHub caps: the job summary, the pull-request comment and the
check run's output (`SUMMARY`, `COMMENT`, `CHECK_RUN`). A report is an ordered list of
sections, most important first. `fit` starts from the smallest form of every section, drops
optional sections from the bottom while even that is too large, then upgrades the sections
in order while the total still fits. The result is measured as GitHub measures it and never
exceeds the limit, and it never raises: a `Rows` section loses rows from the bottom and says
how many more there are; a section left out altogether is named in one closing note; both say
where the whole report is. Required sections (the verdict, the counts) are never dropped; if
they alone are too large, the text is cut at a line with a note.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace

Measure = Callable[[str], int]

MORE = "_… and {n} more in {where}._"
CUT = "\n\n_… the report was cut here to fit {limit}; see {where}._\n"
LEFT_OUT = "_Left out to fit {limit}: {sections}. The whole report is in {where}._"
WHOLE_REPORT = "the report file and SARIF"


def measure_bytes(text: str) -> int:
    """Size as GitHub counts the job summary (and enforces a check run's output): UTF-8 bytes."""
    return len(text.encode())


def measure_chars(text: str) -> int:
    """Size as GitHub counts a comment body: characters."""
    return len(text)


@dataclass(frozen=True)
class Limit:
    """One of GitHub's hard limits: its size, how GitHub measures it, and where the whole
    report is for a reader of the fitted text."""

    name: str  # how the notes name the limit
    size: int
    measure: Measure
    where: str = WHOLE_REPORT

    def less(self, used: int) -> Limit:
        """The same limit with ``used`` of it already taken (never below zero)."""
        return replace(self, size=max(self.size - used, 0))


# actions/runner src/Runner.Worker/FileCommandManager.cs (CreateStepSummaryCommand): a step's
# summary file over 1024 * 1024 bytes is not uploaded at all ("upload aborted").
SUMMARY = Limit("GitHub's 1 MiB step summary", 1024 * 1024, measure_bytes)
# https://docs.github.com/en/rest/issues/comments#create-an-issue-comment: 422 "Body is too
# long (maximum is 65536 characters)".
COMMENT = Limit(
    "GitHub's 65,536-character comment", 65_536, measure_chars, f"the job summary, {WHOLE_REPORT}"
)
# https://docs.github.com/en/rest/checks/runs#create-a-check-run: output.summary and output.text
# take "Maximum length: 65535 characters" each, which GitHub enforces in bytes
# (github/rest-api-description#5399): bytes bound both.
CHECK_RUN = Limit(
    "GitHub's 65,535-character check run output",
    65_535,
    measure_bytes,
    f"the job summary, {WHOLE_REPORT}",
)


@dataclass(frozen=True)
class Block:
    """A section with alternative renderings, fullest first (each ends without a newline).

    A shorter variant says itself what it leaves out."""

    key: str  # names the section in the "left out" note
    variants: tuple[str, ...]
    required: bool = False  # never dropped: its smallest variant at least is kept


@dataclass(frozen=True)
class Rows:
    """A section whose rows (a table's, a list's) can be cut from the bottom.

    Rendered as ``title``, ``head`` (only with at least one row), the rows, then one line
    `MORE` (rows left out, and where the whole report is), then ``tail``.
    """

    key: str  # names the section in the "left out" note
    rows: tuple[str, ...]
    title: str = ""
    head: str = ""
    tail: str = ""
    required: bool = False  # never dropped: the title and the "N more" line stay
    empty: str = ""  # shown instead of head and rows when there are no rows at all
    omitted: int = 0  # rows the renderer left out already (a table shows the first N)

    def render(self, count: int, where: str = WHOLE_REPORT) -> str:
        """The section with its first ``count`` rows."""
        parts = [self.title] if self.title else []
        if not self.rows and not self.omitted:
            parts += [self.empty] if self.empty else []
        else:
            if count:
                parts += [self.head] if self.head else []
                parts.append("\n".join(self.rows[:count]))
            more = len(self.rows) - count + self.omitted
            if more:
                # A blank line first: a line right after a table would become a table row.
                parts += (
                    ["", MORE.format(n=more, where=where)]
                    if count
                    else [MORE.format(n=more, where=where)]
                )
        parts += [self.tail] if self.tail else []
        return "\n".join(parts)


Section = Block | Rows


@dataclass(frozen=True)
class Fitted:
    """The rendering chosen, its measured size, and which sections were shortened or left out."""

    text: str
    size: int
    shortened: tuple[str, ...] = field(default_factory=tuple)
    dropped: tuple[str, ...] = field(default_factory=tuple)


@dataclass
class _Choice:
    section: Section
    text: str = ""
    size: int = 0
    fullness: int = 0  # rows shown, or variants from the smallest: more is fuller
    present: bool = False

    @property
    def full(self) -> bool:
        return self.fullness == _fullest(self.section)


def fit(sections: Sequence[Section], limit: Limit) -> Fitted:
    """The fullest rendering of ``sections`` (joined by blank lines) within ``limit``; when a
    section had to be left out, a closing note names it and where the whole report is."""
    first = _fit(sections, limit, limit.size)
    if not first.dropped:
        return first
    # Room for the note, at its longest (every optional section named), then fit again.
    optional = [s.key for s in sections if not s.required]
    room = limit.measure("\n" + _left_out(optional, limit) + "\n")
    if room > limit.size:
        return first
    second = _fit(sections, limit, limit.size - room)
    text = second.text + "\n" + _left_out(second.dropped, limit) + "\n"
    size = limit.measure(text)
    return Fitted(text, size, second.shortened, second.dropped)


def fit_text(text: str, limit: Limit) -> str:
    """``text`` whole when it fits, else cut at a line with a note (`fit` on one section)."""
    if limit.measure(text) <= limit.size:
        return text
    return fit([Block("text", (text.rstrip("\n"),), required=True)], limit).text


def redacted(sections: Iterable[Section], redact: Callable[[str], str]) -> list[Section]:
    """``sections`` with every text passed through ``redact`` (before fitting: a redaction
    may change a text's size)."""
    done: list[Section] = []
    for section in sections:
        if isinstance(section, Block):
            done.append(replace(section, variants=tuple(redact(v) for v in section.variants)))
        else:
            done.append(
                replace(
                    section,
                    rows=tuple(redact(row) for row in section.rows),
                    title=redact(section.title),
                    head=redact(section.head),
                    tail=redact(section.tail),
                    empty=redact(section.empty),
                )
            )
    return done


def _left_out(keys: Sequence[str], limit: Limit) -> str:
    return LEFT_OUT.format(limit=limit.name, sections=", ".join(keys), where=limit.where)


def _fit(sections: Sequence[Section], limit: Limit, budget: int) -> Fitted:
    measure = limit.measure
    separator = measure("\n\n")
    choices = [_smallest(section, limit) for section in sections]
    total = _total(choices, separator) + measure("\n")
    # The smallest forms do not fit: drop optional sections from the bottom.
    for choice in reversed(choices):
        if total <= budget:
            break
        if choice.present and not choice.section.required:
            total -= choice.size + separator
            choice.present, choice.text, choice.size = False, "", 0
    # Upgrade sections in order of importance while the total fits.
    for choice in choices:
        spare = budget - total + (choice.size if choice.present else -separator)
        better = _best_within(choice.section, spare, limit)
        if better is None or (choice.present and better[2] <= choice.fullness):
            continue
        total += better[1] - (choice.size if choice.present else -separator)
        choice.text, choice.size, choice.fullness = better
        choice.present = True
    text = "\n\n".join(c.text for c in choices if c.present) + "\n"
    size = measure(text)
    if size > budget:  # only when the required sections alone are too large
        text = _cut(text, budget, limit)
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


def _fullest(section: Section) -> int:
    return len(section.variants) - 1 if isinstance(section, Block) else len(section.rows)


def _smallest(section: Section, limit: Limit) -> _Choice:
    if isinstance(section, Block):
        text = section.variants[-1] if section.variants else ""
    else:
        text = section.render(0, limit.where)
    return _Choice(section, text, limit.measure(text), 0, True)


def _best_within(section: Section, budget: int, limit: Limit) -> tuple[str, int, int] | None:
    """The fullest rendering of ``section`` measuring at most ``budget`` (text, size,
    fullness), or None."""
    if budget < 0:
        return None
    if isinstance(section, Block):
        for index, variant in enumerate(section.variants):
            size = limit.measure(variant)
            if size <= budget:
                return variant, size, len(section.variants) - 1 - index
        return None
    return _rows_within(section, budget, limit)


def _rows_within(section: Rows, budget: int, limit: Limit) -> tuple[str, int, int] | None:
    measure = limit.measure
    whole = section.render(len(section.rows), limit.where)  # no "N more" line: may be shorter
    if measure(whole) <= budget:
        return whole, measure(whole), len(section.rows)
    # Row sizes once, then a bisection over prefix sums: linear in the rows, not quadratic.
    sizes = list(itertools.accumulate(measure(row) + 1 for row in section.rows))
    fixed = measure(section.render(0, limit.where))
    head = measure(section.head) + 1 if section.head else 0
    count = min(bisect.bisect_right(sizes, budget - fixed - head), len(section.rows) - 1)
    while count >= 0:
        text = section.render(count, limit.where)
        size = measure(text)
        if size <= budget:
            return text, size, count
        count -= 1  # the estimate is off by the "N more" line only: a step or two
    return None


def _cut(text: str, budget: int, limit: Limit) -> str:
    """Cut ``text`` at a line boundary so that it and a note fit in ``budget``."""
    measure = limit.measure
    note = CUT.format(limit=limit.name, where=limit.where)
    room = budget - measure(note)
    if room <= 0:
        return ""
    kept: list[str] = []
    used = 0
    for line in text.splitlines(keepends=True):
        size = measure(line)
        if used + size > room:
            kept.append(_shorten(line, room - used, measure))
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
