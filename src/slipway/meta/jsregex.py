"""JavaScript regular expressions, as metadata-action evaluates ``pattern`` and ``match``.

metadata-action runs patterns through JavaScript: ``/src/flags`` literals become
``new RegExp(src, flags)``, anything else ``String.prototype.match(pattern)``. This
module translates the JavaScript dialect to Python's ``re`` and reproduces ``match``:
without ``g`` the result is ``[whole, group1, ...]``; with ``g`` it is the list of
every whole match (so ``group=1`` is the *second* match, as in JavaScript).

Supported: flags ``d g i m s u y``; named groups ``(?<n>...)`` and ``\\k<n>``;
lookahead and (fixed-width) lookbehind; ``\\d \\w \\s \\b`` (ASCII, as JavaScript);
``[^]``; ``\\u{...}``; identity escapes such as ``\\/``. Anything else that Python
would read differently raises `JsRegexError` instead of matching something else.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass

_LITERAL = re.compile(r"^/(.+)/(.*)$", re.DOTALL)
_FLAGS = {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL, "g": 0, "y": 0, "d": 0, "u": 0}
_PY_ESCAPES = set("dDwWsSbBnrtvf0123456789")
_QUANTIFIER = re.compile(r"(?:[*+?]|\{[0-9]+(?:,[0-9]*)?\})\??")  # JavaScript's: ASCII digits
_JS_ONLY_GROUPS = ("(?P", "(?#", "(?>", "(?i", "(?m", "(?s", "(?x", "(?a", "(?u", "(?L", "(?-")

UNSUPPORTED_FLAG = (
    "unknown regular expression flag {flag!r} in {pattern!r}; JavaScript knows d, g, i, m, s, u, y"
)
UNSUPPORTED_SYNTAX = "{what} is not JavaScript regular expression syntax, in {pattern!r}"
POSSESSIVE = "a possessive quantifier ('*+', '++', '?+', '}+')"
INVALID = "invalid regular expression {pattern!r}: {error}"


class JsRegexError(ValueError):
    """The pattern is not a valid (or not a supported) JavaScript regular expression."""


@dataclass(frozen=True)
class JsRegex:
    """A compiled JavaScript regular expression."""

    source: str
    flags: str
    compiled: re.Pattern[str]

    def match(self, text: str) -> list[str | None] | None:
        """``text.match(this)`` as JavaScript returns it (None for no match)."""
        if "g" in self.flags:
            found = [m.group(0) for m in self._iterate(text)]
            return list[str | None](found) or None
        hit = self.compiled.match(text) if "y" in self.flags else self.compiled.search(text)
        if hit is None:
            return None
        return [hit.group(0), *hit.groups()]

    def _iterate(self, text: str) -> list[re.Match[str]]:
        if "y" not in self.flags:
            return list(self.compiled.finditer(text))
        hits: list[re.Match[str]] = []
        position = 0
        while (hit := self.compiled.match(text, position)) is not None:
            hits.append(hit)
            position = hit.end() if hit.end() > position else position + 1
            if position > len(text):
                break
        return hits


def compile_js(source: str, flags: str = "") -> JsRegex:
    """``new RegExp(source, flags)``, translated to Python (raises `JsRegexError`)."""
    py_flags = re.ASCII
    for flag in flags:
        if flag not in _FLAGS or flags.count(flag) > 1:
            raise JsRegexError(UNSUPPORTED_FLAG.format(flag=flag, pattern=source))
        py_flags |= _FLAGS[flag]
    translated = translate(source)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)  # "possible nested set" notes
            compiled = re.compile(translated, py_flags)
    except re.error as error:
        raise JsRegexError(INVALID.format(pattern=source, error=error)) from None
    return JsRegex(source, flags, compiled)


def compile_pattern(pattern: str) -> JsRegex:
    """metadata-action's ``type=match`` rule: ``/src/flags`` literal or a plain source."""
    literal = _LITERAL.match(pattern)
    if literal:
        return compile_js(literal.group(1), literal.group(2))
    return compile_js(pattern)


def translate(source: str) -> str:
    """Translate a JavaScript pattern source to Python ``re`` syntax."""
    for group in _JS_ONLY_GROUPS:
        if group in source.replace("\\\\", ""):
            raise JsRegexError(UNSUPPORTED_SYNTAX.format(what=repr(group), pattern=source))
    out: list[str] = []
    index, in_class, after_quantifier = 0, False, False
    while index < len(source):
        char = source[index]
        quantifier = _QUANTIFIER.match(source, index) if not in_class else None
        if quantifier and after_quantifier and char == "+":
            raise JsRegexError(UNSUPPORTED_SYNTAX.format(what=POSSESSIVE, pattern=source))
        if quantifier:
            out.append(quantifier.group(0))
            index, after_quantifier = quantifier.end(), not quantifier.group(0).endswith("?")
            continue
        after_quantifier = False
        if char == "\\":
            token, index = _escape(source, index)
        elif in_class:
            in_class = char != "]"
            token, index = ("\\[" if char == "[" else char), index + 1
        elif char == "[":
            token, index, in_class = _class_start(source, index)
        elif source.startswith("(?<", index) and source[index + 3 : index + 4] not in ("=", "!"):
            token, index = "(?P<", index + 3
        else:
            token, index = (r"(?!\n)\Z" if char == "$" else char), index + 1
        out.append(token)
    return "".join(out)


def _class_start(source: str, index: int) -> tuple[str, int, bool]:
    """Translate the opening of a character class (``[^]`` and ``[]`` are special in JS)."""
    if source.startswith("[^]", index):
        return r"[\s\S]", index + 3, False
    if source.startswith("[]", index):
        return "(?!)", index + 2, False
    if source.startswith("[^", index):
        return "[^", index + 2, True
    return "[", index + 1, True


def _escape(source: str, index: int) -> tuple[str, int]:
    """Translate one backslash escape starting at ``index``."""
    if index + 1 >= len(source):
        raise JsRegexError(INVALID.format(pattern=source, error="\\ at end of pattern"))
    special = _special_escape(source, index, source[index + 1])
    if special is not None:
        return special
    char = source[index + 1]
    if char in _PY_ESCAPES or not char.isalnum():
        return "\\" + char, index + 2
    return re.escape(char), index + 2  # JS identity escape: \A is "A", \a is "a"


def _special_escape(source: str, index: int, char: str) -> tuple[str, int] | None:
    """Escapes whose JavaScript spelling differs from Python's (``\\k<n>``, ``\\u{..}``, ``\\cX``)."""
    if char == "k" and source.startswith("<", index + 2):
        end = source.index(">", index)
        return f"(?P={source[index + 3 : end]})", end + 1
    if char == "u" and source.startswith("{", index + 2):
        end = source.index("}", index)
        return f"\\U{int(source[index + 3 : end], 16):08x}", end + 1
    if char in "ux":
        width = 6 if char == "u" else 4
        return source[index : index + width], index + width
    if char == "c" and index + 2 < len(source) and source[index + 2].isalpha():
        return f"\\x{ord(source[index + 2]) % 32:02x}", index + 3
    return None
