"""Slipway's own Markdown (job summary, comment, error report) rendered for a terminal.

Exactly the constructs `slipway.report` writes: headings, one-line paragraphs, bold,
italic, strike, code spans, links, backslash escapes and HTML entities (which make
untrusted text inert on GitHub), pipe tables, bullet lists, ``<details>`` blocks,
``<sub>``, HTML comments and code fences. Every span comes out `inert`, so an entity
such as ``&#27;`` or a control character in a fence shows as ``\\x1b``, never as one.
"""

from __future__ import annotations

import html
import re
import string
from collections.abc import Sequence

from slipway.report.markdown import ZWSP
from slipway.terminal.style import PLAIN, Span, Style, clip, guard, inert, lines_of, paint
from slipway.terminal.style import spans_width as measure

Line = list[Span]

MAX_CELL = 60  # columns of a table cell; the report file and SARIF have the rest
_PUNCT = frozenset(string.punctuation)
_FENCE = re.compile(r"^(`{3,}|~{3,})")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)(?:\s+#+)?\s*$")
_BULLET = re.compile(r"^(\s*)[-*+]\s+(.*)$")
_DELIMITER = re.compile(r"^\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?$")
_DETAILS = re.compile(r"^<details>\s*(?:<summary>(.*)</summary>)?$", re.IGNORECASE)
_COMMENT = re.compile(r"^<!--.*-->$")
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_EMPHASIS = {"**": "bold", "__": "bold", "~~": "strike", "*": "italic"}  # longest first
_SUB = re.compile(r"<(sub|sup|small)>(.*?)</\1>", re.IGNORECASE)
_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)
SEVERITY_STYLES: dict[str, Style] = {
    "CRITICAL": ("bold", "red"),
    "HIGH": ("red",),
    "MEDIUM": ("yellow",),
    "LOW": ("blue",),
    "INFO": ("dim",),
    "UNKNOWN": ("dim",),
}
VERDICT_STYLES: dict[str, Style] = {
    "Gate failed": ("red",),
    "Gate passed": ("green",),
    "Size gate:": ("red",),
}


def _span(text: str, style: Style) -> Span:
    return inert(text.replace(ZWSP, "")), style


def _closer(src: str, start: int, marker: str) -> int:
    """Where ``marker`` next occurs in ``src`` from ``start``, outside escapes and code
    spans; -1 when it does not."""
    i = start
    while i < len(src):
        if src[i] == "\\":
            i += 2
        elif src.startswith(marker, i):
            return i
        elif src[i] == "`":
            end = src.find("`", i + 1)
            i = end + 1 if end > 0 else i + 1
        else:
            i += 1
    return -1


def _code(src: str, i: int, style: Style) -> tuple[Line, int] | None:
    run = len(src[i:]) - len(src[i:].lstrip("`"))
    match = re.compile(rf"(?<!`){'`' * run}(?!`)").search(src, i + run)
    if match is None:
        return None
    body = src[i + run : match.start()]
    if len(body) > 1 and body[0] == body[-1] == " " and body.strip():
        body = body[1:-1]
    return [_span(body, (*style, "cyan"))], match.end()


def _emphasis(src: str, i: int, style: Style, links: bool) -> tuple[Line, int] | None:
    marker = next((m for m in _EMPHASIS if src.startswith(m, i)), "_")
    if marker == "_" and (src[i] != "_" or (i and src[i - 1].isalnum())):
        return None
    name = _EMPHASIS.get(marker, "italic")
    end = _closer(src, i + len(marker), marker)
    inner = src[i + len(marker) : end]
    if end < 0 or not inner.strip() or inner[0].isspace() or inner[-1].isspace():
        return None
    after = end + len(marker)
    if marker == "_" and after < len(src) and src[after].isalnum():
        return None
    return inline(inner, (*style, name), links=links), after


def _link(src: str, i: int, style: Style, links: bool) -> tuple[Line, int] | None:
    end = _closer(src, i + 1, "]")
    if end < 0 or not src.startswith("(", end + 1):
        return None
    close = src.find(")", end + 2)
    if close < 0:
        return None
    url = src[end + 2 : close]
    spans = inline(src[i + 1 : end], (*style, "underline"), links=links)
    if links and url:
        spans.append(_span(f" <{url}>", ("dim",)))
    return spans, close + 1


def _html(src: str, i: int, style: Style, links: bool) -> tuple[Line, int] | None:
    """An entity, ``<sub>…</sub>`` (and its kin) or ``<br>`` at ``src[i]``."""
    if entity := _ENTITY.match(src, i):
        return [_span(html.unescape(entity.group()), style)], entity.end()
    if sub := _SUB.match(src, i):
        return inline(sub.group(2), (*style, "dim"), links=links), sub.end()
    if br := _BR.match(src, i):
        return [(" ", style)], br.end()
    return None


def _construct(src: str, i: int, style: Style, links: bool) -> tuple[Line, int] | None:
    """The construct starting at ``src[i]``, rendered, and where it ends; None if none."""
    char = src[i]
    if char == "`":
        return _code(src, i, style)
    if char in "*_~":
        return _emphasis(src, i, style, links)
    if char == "[":
        return _link(src, i, style, links)
    return _html(src, i, style, links) if char in "&<" else None


def inline(src: str, style: Style = PLAIN, *, links: bool = True) -> Line:
    """One line of inline Markdown as spans; ``links``: show a link's URL after its text."""
    spans: Line = []
    text: list[str] = []
    i = 0
    while i < len(src):
        if src[i] == "\\" and i + 1 < len(src) and src[i + 1] in _PUNCT:
            text.append(src[i + 1])
            i += 2
            continue
        found = _construct(src, i, style, links)
        if found is None:
            text.append(src[i])
            i += 1
            continue
        if text:
            spans.append(_span("".join(text), style))
            text = []
        spans += found[0]
        i = found[1]
    if text:
        spans.append(_span("".join(text), style))
    return [_verdict(span) for span in spans if span[0]]


def _verdict(span: Span) -> Span:
    text, style = span
    extra = VERDICT_STYLES.get(text.strip(), ()) if "bold" in style else ()
    return (text, (*style, *extra)) if extra and extra[0] not in style else span


def _split_row(row: str) -> list[str]:
    row = row.strip()
    row = row.removeprefix("|")
    row = row[:-1] if row.endswith("|") and not row.endswith("\\|") else row
    cells = re.split(r"(?<!\\)\|", row)
    return [cell.strip().replace("\\|", "|") for cell in cells]


def _cell(src: str, header: bool) -> Line:
    spans = clip(inline(src, ("bold",) if header else PLAIN, links=False), MAX_CELL)
    severity = SEVERITY_STYLES.get(src) if not header else None
    return [(text, severity) for text, _ in spans] if severity else spans


def table(rows: Sequence[str]) -> list[Line]:
    """Pipe-table lines (header, delimiter, body) as aligned columns."""
    header = _split_row(rows[0])
    body = [_split_row(row) for row in rows[2:]]
    grid = [[_cell(c, True) for c in header]]
    grid += [[_cell(c, False) for c in (row + [""] * len(header))[: len(header)]] for row in body]
    widths = [max(measure(row[n]) for row in grid) for n in range(len(header))]
    rule: Line = [("  ".join("─" * w for w in widths), ("dim",))]
    lines: list[Line] = []
    for row in grid:
        line: Line = []
        for n, cell in enumerate(row):
            pad = widths[n] - measure(cell) if n < len(row) - 1 else 0
            line += [*cell, (" " * pad + ("  " if n < len(row) - 1 else ""), PLAIN)]
        lines.append([span for span in line if span[0]])
        if len(lines) == 1:
            lines.append(rule)
    return lines


def _block(line: str, depth: int) -> tuple[list[Line], int]:
    """One line outside tables and fences: its rendered lines and the ``<details>`` depth."""
    stripped = line.strip()
    if not stripped or _COMMENT.match(stripped):
        return ([[]] if not stripped else []), depth
    if details := _DETAILS.match(stripped):
        summary = inline(details.group(1) or "Details", ("bold",))
        return [[("▾ ", ("dim",)), *summary]], depth + 1
    if stripped.lower() == "</details>":
        return [[]], max(depth - 1, 0)
    if heading := _HEADING.match(stripped):
        title = inline(heading.group(2), ("bold",))
        bar = "═" if len(heading.group(1)) <= 2 else "─"
        return [title, [(bar * measure(title), ("dim",))]], depth
    if bullet := _BULLET.match(line):
        nest = "  " * (len(bullet.group(1)) // 2)
        return [[(nest + "• ", ("dim",)), *inline(bullet.group(2))]], depth
    return [inline(stripped)], depth


def _fence(source: Sequence[str], i: int) -> tuple[list[Line], int]:
    opener = _FENCE.match(source[i].strip())
    assert opener is not None
    mark = opener.group(1)
    lines: list[Line] = []
    i += 1
    while i < len(source) and not source[i].strip().startswith(mark):
        lines.append([("│ ", ("dim",)), _span(source[i], PLAIN)])
        i += 1
    return lines, i + 1


def render(markdown: str) -> list[Line]:
    """``markdown`` as terminal lines of spans (already inert; no blank runs, none last)."""
    source = lines_of(markdown)
    out: list[Line] = []
    depth, i = 0, 0
    while i < len(source):
        line = source[i]
        if _FENCE.match(line.strip()):
            block, i = _fence(source, i)
        elif (
            line.strip().startswith("|")
            and i + 1 < len(source)
            and (_DELIMITER.match(source[i + 1].strip()))
        ):
            end = i + 2
            while end < len(source) and source[end].strip().startswith("|"):
                end += 1
            block, i = table(source[i:end]), end
        else:
            block, depth = _block(line, depth)
            i += 1
        indent = (
            [("  " * depth, PLAIN)] if depth and not line.lower().startswith("<details") else []
        )
        for rendered in block:
            if rendered or (out and out[-1]):
                out.append([*indent, *rendered] if rendered else [])
    while out and not out[-1]:
        out.pop()
    return out


def render_text(markdown: str, *, color: bool = False) -> str:
    """``markdown`` rendered as text for a terminal, one line each, colour when asked."""
    return "".join(paint(guard(line), color) + "\n" for line in render(markdown))
