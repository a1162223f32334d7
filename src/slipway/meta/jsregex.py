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
from collections.abc import Callable
from dataclasses import dataclass
from re import _constants, _parser  # type: ignore[attr-defined]  # the re module's own parser
from typing import Any

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
            tree = _parser.parse(translated, py_flags)
    except re.error as error:
        raise JsRegexError(INVALID.format(pattern=source, error=error)) from None
    why = _backtracks(list(tree))
    if why:
        raise JsRegexError(BACKTRACKS.format(pattern=source, why=why))
    return JsRegex(source, flags, compiled)


# A pattern is matched against names a pusher chooses (tags, branches): one that can
# backtrack exponentially would hang the run on a crafted name (`(a+)+$` on "aaaa…!"). The
# classic shapes are refused before any match: a repeated group whose body can itself repeat
# with nothing between the rounds that the inner repetition cannot match (`(a+)+`,
# `(\w+\s?)*`; `(\d+\.)+` is fine: every round needs its dot), and a repeated alternation
# whose branches can start alike (`(a|ab)+`; `(foo|bar)+` is fine).
BACKTRACKS = (
    "the pattern {pattern!r} can take exponential time on a crafted name ({why}); rewrite it "
    "so repeated parts cannot match the same text in two ways, e.g. `(\\d+\\.)+` not `(\\d+)+`"
)
_REPEATS = (_constants.MAX_REPEAT, _constants.MIN_REPEAT, _constants.POSSESSIVE_REPEAT)


def _backtracks(items: list[Any]) -> str:
    """Why the parsed pattern ``items`` may backtrack exponentially ("" when it cannot)."""
    for op, value in _walk(items):
        if op not in _REPEATS or value[1] <= 1:
            continue
        body = list(value[2])
        if _repeats_inside(body) and not _separated(body):
            return "a repeated group holds a repetition with no separator"
        branch = _branch_of(body)
        if branch is not None and _branches_overlap(branch):
            return "a repeated alternation whose branches start alike"
    return ""


def _repeats_inside(items: list[Any]) -> bool:
    for op, value in items:
        if op in _REPEATS and value[1] > 1:
            return True
        children = _children(op, value)
        if any(_repeats_inside(child) for child in children):
            return True
    return False


def _children(op: Any, value: Any) -> list[list[Any]]:
    if op is _constants.SUBPATTERN:
        return [list(value[-1])]
    if op is _constants.BRANCH:
        return [list(alternative) for alternative in value[1]]
    if op in _REPEATS:
        return [list(value[2])]
    if op in (_constants.ASSERT, _constants.ASSERT_NOT):
        return [list(value[1])]
    return []


def _separated(body: list[Any]) -> bool:
    """True when every round of the body needs a literal character that no repetition in it
    can match (so the rounds cannot be cut in two ways)."""
    while len(body) == 1 and body[0][0] is _constants.SUBPATTERN:
        body = list(body[0][1][-1])
    literals = {value for op, value in body if op is _constants.LITERAL}
    if not literals:
        return False
    repeated = [value[2] for op, value in _walk(body) if op in _REPEATS]
    return any(all(not _can_match(list(r), char) for r in repeated) for char in literals)


def _walk(items: list[Any]) -> list[tuple[Any, Any]]:
    found: list[tuple[Any, Any]] = []
    for op, value in items:
        found.append((op, value))
        for child in _children(op, value):
            found += _walk(child)
    return found


def _can_match(items: list[Any], char: int) -> bool:
    """Whether the repetition body ``items`` might match the character ``char`` (when in
    doubt: yes)."""
    for op, value in _walk(items):
        if op is _constants.LITERAL and value == char:
            return True
        if op is _constants.NOT_LITERAL and value != char:
            return True
        if op is _constants.ANY:
            return True
        if op is _constants.IN and _in_set(list(value), char):
            return True
    return False


_CATEGORIES: dict[Any, Callable[[int], bool]] = {  # ASCII: translated patterns use re.ASCII
    _constants.CATEGORY_DIGIT: lambda c: ord("0") <= c <= ord("9"),
    _constants.CATEGORY_WORD: lambda c: c < 128 and (chr(c).isalnum() or c == ord("_")),
    _constants.CATEGORY_SPACE: lambda c: chr(c) in " \t\n\r\f\v",
}
_NOT = {
    _constants.CATEGORY_NOT_DIGIT: _constants.CATEGORY_DIGIT,
    _constants.CATEGORY_NOT_WORD: _constants.CATEGORY_WORD,
    _constants.CATEGORY_NOT_SPACE: _constants.CATEGORY_SPACE,
}


def _in_set(members: list[Any], char: int) -> bool:
    """Whether a character class matches ``char`` (unknown members: assume it does)."""
    negated, hit = False, False
    for op, value in members:
        if op is _constants.NEGATE:
            negated = True
        elif op is _constants.LITERAL:
            hit = hit or value == char
        elif op is _constants.RANGE:
            hit = hit or value[0] <= char <= value[1]
        elif op is _constants.CATEGORY and value in _CATEGORIES:
            hit = hit or _CATEGORIES[value](char)
        elif op is _constants.CATEGORY and value in _NOT:
            hit = hit or not _CATEGORIES[_NOT[value]](char)
        else:
            return True
    return hit != negated


def _branch_of(body: list[Any]) -> list[list[Any]] | None:
    items = body
    while len(items) == 1 and items[0][0] is _constants.SUBPATTERN:
        items = list(items[0][1][-1])
    if len(items) == 1 and items[0][0] is _constants.BRANCH:
        return [list(alternative) for alternative in items[0][1][1]]
    return None


def _branches_overlap(branches: list[list[Any]]) -> bool:
    firsts: list[int] = []
    for branch in branches:
        if not branch or branch[0][0] is not _constants.LITERAL:
            return True  # not a plain first character: assume the worst
        firsts.append(branch[0][1])
    return len(set(firsts)) < len(firsts)


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
