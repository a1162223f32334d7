"""The base-image advice as a section of the one report (pure): per FROM image that reaches
the final image, the newer tags on its track that remove findings, each with the exact FROM
line to use, what it removes and adds by severity, and the size change; or why there is no
advice. `slipway.report.fit` fits it with the other sections."""

from __future__ import annotations

from collections.abc import Sequence

from slipway.report.fit import Block, Section
from slipway.report.markdown import code, text
from slipway.scan.advice import Advice, Option, counts_text
from slipway.size.limits import format_delta

TITLE = "### Base image"
LINE_LIMIT = 300  # characters of a FROM line shown (a longer one ends with "…")
NO_OPTION = "No newer tag on its track removes more findings than it adds."
HEAD = "| FROM line | Removes | Adds | Size |\n|---|---|---|---|"


def advice_sections(advice: Sequence[Advice]) -> list[Section]:
    """One "base image" section (nothing when ``advice`` is empty): every option in full,
    or, when that does not fit, the best option of each base."""
    if not advice:
        return []
    full = "\n\n".join([TITLE, *(_base(a, len(a.options)) for a in advice)])
    best = "\n\n".join([TITLE, *(_base(a, 1) for a in advice)])
    variants = (full,) if best == full else (full, best)
    return [Block("base image", variants)]


def _base(advice: Advice, shown: int) -> str:
    base = advice.base
    digest = f", {code(advice.current_digest[:19])}" if advice.current_digest else ""
    lead = f"{code(base.reference)} (line {base.line}{digest})"
    note = f"_{text(advice.note, 300)}_" if advice.note else ""
    if not advice.options:
        return f"{lead}: {note or NO_OPTION}"
    rows = [_row(option) for option in advice.options[:shown]]
    more = len(advice.options) - shown
    lines = [f"{lead}: newer tags on its track, by the findings they remove.", "", HEAD, *rows]
    if more:
        lines += [
            "",
            f"_{more} more {'option' if more == 1 else 'options'} left out here for space._",
        ]
    if note:
        lines += ["", note]
    return "\n".join(lines)


def _row(option: Option) -> str:
    return (
        f"| {code(option.line, LINE_LIMIT)} | {counts_text(option.removes)} "
        f"| {counts_text(option.adds)} | {format_delta(option.size_delta)} |"
    )
