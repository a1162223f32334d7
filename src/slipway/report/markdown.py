"""Markdown for untrusted text: no HTML, no links, no pings, one line, bounded length.

Branch names, PR titles, package names and advisory texts are attacker-controlled;
everything that reaches a summary or comment passes through `text` or `code`.
"""

from __future__ import annotations

import re
import unicodedata

ZWSP = "\u200b"
_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>$])")  # $: GitHub renders $...$ as math
_MENTION = re.compile(r"([@#])(?=\w)")


def _visible(value: str) -> str:
    """Without control and format characters: bidi overrides (U+202E) that reorder what a
    reader sees, zero-width joiners, C0/C1 controls."""
    return "".join(c for c in value if unicodedata.category(c) not in ("Cc", "Cf") or c in "\n\t")


def _one_line(value: str, limit: int) -> str:
    flat = " ".join(_visible(value).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def text(value: str, limit: int = 200) -> str:
    """Untrusted text as inert Markdown: entities for HTML, escapes for syntax, no mentions."""
    flat = _one_line(value, limit)
    flat = flat.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    flat = _SPECIAL.sub(r"\\\1", flat)
    return _MENTION.sub(lambda m: m.group(1) + ZWSP, flat)


def code(value: str, limit: int = 200) -> str:
    """Untrusted text as inline code (digests, tags, versions); backticks cannot close it."""
    flat = _one_line(value, limit).replace("`", "'")
    flat = flat.replace("|", "\\|")  # a pipe would still split a table cell
    return f"`{flat}`" if flat else ""


def link(label: str, url: str) -> str:
    """A link only for http(s) URLs; anything else is shown as text."""
    if re.match(r"^https://[^\s()<>\"'`\\]+$", url) and _visible(url) == url:
        return f"[{text(label)}]({url.replace('|', '%7C')})"  # a bare | splits a table cell
    return text(label)
