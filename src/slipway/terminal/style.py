"""Text for a terminal: untrusted characters made visible, display widths, colour.

Everything printed is made `inert` first: a control character (ESC, the other C0 and
C1 controls, DEL), a bidi override or another invisible format character from a tool,
a finding or a Markdown entity is shown as an escape (``\\x1b``, ``\\u202e``), so only
the escape sequences `paint` adds itself (SGR colour, and only with colour on) ever
reach the terminal.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

Style = tuple[str, ...]
Span = tuple[str, Style]  # a run of text and the style it is painted in
PLAIN: Style = ()

SGR = {
    "bold": "1",
    "dim": "2",
    "italic": "3",
    "underline": "4",
    "strike": "9",
    "red": "31",
    "green": "32",
    "yellow": "33",
    "blue": "34",
    "magenta": "35",
    "cyan": "36",
}
SGR_PATTERN = re.compile(r"\x1b\[[0-9;]*m")  # all `paint` ever writes
RESET = "\x1b[0m"
ZWJ = "\u200d"  # joins emoji sequences: kept
TAB_SIZE = 4


def _unsafe(char: str) -> bool:
    category = unicodedata.category(char)
    if category == "Cf":
        return char != ZWJ
    return category in ("Cc", "Cs", "Zl", "Zp")


def _escape(char: str) -> str:
    point = ord(char)
    return f"\\x{point:02x}" if point < 0x100 else f"\\u{point:04x}"


def inert(line: str) -> str:
    """One line with every control, bidi or invisible format character shown as an escape
    (tabs become spaces); idempotent, since the escapes are printable ASCII."""
    line = line.expandtabs(TAB_SIZE) if "\t" in line else line
    if line.isprintable():
        return line
    return "".join(_escape(c) if _unsafe(c) else c for c in line)


def lines_of(text: str) -> list[str]:
    """``text`` split at line feeds only (a CR before one is dropped; any other is kept,
    for `inert` to show); a final line feed ends the last line, it starts no new one."""
    text = text.removesuffix("\n")
    return [line.removesuffix("\r") for line in text.split("\n")]


def char_width(char: str) -> int:
    """Columns ``char`` takes: 2 for wide East Asian forms and emoji, 0 for marks."""
    if unicodedata.combining(char) or char == ZWJ or unicodedata.category(char) == "Me":
        return 0
    if unicodedata.east_asian_width(char) in ("W", "F"):
        return 2
    return 1


def width(text: str) -> int:
    """Columns ``text`` takes on a terminal (after `inert`)."""
    return len(text) if text.isascii() else sum(char_width(c) for c in text)


def plain(spans: Iterable[Span]) -> str:
    """The text of ``spans``, without styles."""
    return "".join(text for text, _ in spans)


def spans_width(spans: Iterable[Span]) -> int:
    """Columns ``spans`` take."""
    return sum(width(text) for text, _ in spans)


def clip(spans: Sequence[Span], limit: int) -> list[Span]:
    """``spans`` cut to at most ``limit`` columns, ending in ``…`` when cut."""
    if spans_width(spans) <= limit:
        return list(spans)
    kept: list[Span] = []
    room = limit - 1
    for text, style in spans:
        part = ""
        for char in text:
            if char_width(char) > room:
                break
            part += char
            room -= char_width(char)
        else:
            kept.append((text, style))
            continue
        kept.append((part, style))
        break
    return [*kept, ("…", PLAIN)]


def paint(spans: Iterable[Span], color: bool) -> str:
    """``spans`` as one string, each styled span in its SGR codes when ``color`` is on."""
    if not color:
        return plain(spans)
    out = []
    for text, style in spans:
        codes = ";".join(dict.fromkeys(SGR[name] for name in style if name in SGR))
        out.append(f"\x1b[{codes}m{text}{RESET}" if codes and text else text)
    return "".join(out)


GUARD = "» "  # before a line that would otherwise start with "::"


def guard(spans: Sequence[Span]) -> list[Span]:
    """``spans``, with `GUARD` after the indentation when the line would read as a workflow
    command (``::``): a CLI run inside a job must not speak the runner's protocol."""
    text = plain(spans)
    if not text.lstrip().startswith("::"):
        return list(spans)
    lead = len(text) - len(text.lstrip())
    rest: list[Span] = []
    for part, style in spans:
        cut = min(lead, len(part))
        lead -= cut
        if part[cut:]:
            rest.append((part[cut:], style))
    return [(text[: len(text) - len(text.lstrip())], PLAIN), (GUARD, ("dim",)), *rest]
