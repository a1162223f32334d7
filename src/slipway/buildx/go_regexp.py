"""The part of Go's regexp syntax that moby/patternmatcher writes, matched in linear time (pure).

patternmatcher (vendored by buildx; `patternmatcher.go`, `Pattern.compile`) turns a
``.dockerignore`` pattern into a Go regular expression and matches paths with it. Python's
``re`` is not that language: its ``$`` also matches before a final newline, it has no
``\\z``-only anchors by default, and it backtracks (a pattern of many ``*`` against a long name
takes exponential time). So this module parses the subset of Go's RE2 syntax patternmatcher can
produce, with Go's meaning (``regexp.Compile``: the Perl flags, so ``^``/``$`` anchor at the
ends of the text only, ``.`` does not match a newline, a negated class does), into a Thompson
NFA, and runs it as a DFA built lazily: the work per path is at most its length times the size
of the automaton, whatever the pattern.

The subset: literal characters, ``\\`` before ASCII punctuation, ``.``, ``^``, ``$``, groups
``(...)``, the quantifiers ``*`` and ``?``, classes ``[...]``/``[^...]`` of characters and
ranges. Anything else (Perl classes such as ``\\d``, ``\\Q``, POSIX classes, ``|``, ``{n}``,
lazy quantifiers) raises `UnsupportedRegexp`: the caller then cannot promise Go's answer.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

# Node kinds of the automaton.
_CHAR, _SPLIT, _BEGIN, _END, _MATCH = range(5)
# Caps on what one program caches (states, transitions); past them it still answers in linear
# time, it only stops remembering.
MAX_CACHED_STATES = 2_000
MAX_CACHED_TRANSITIONS = 50_000


class UnsupportedRegexp(ValueError):
    """The expression uses Go syntax outside the subset this module implements."""


@dataclass(frozen=True)
class CharSet:
    """What one character position accepts: ranges of code points, possibly negated; or, with
    ``any_but_newline``, Go's ``.``."""

    ranges: tuple[tuple[int, int], ...] = ()
    negated: bool = False
    any_but_newline: bool = False

    def accepts(self, char: str) -> bool:
        """Whether ``char`` (one code point) is in the set."""
        if self.any_but_newline:
            return char != "\n"
        code = ord(char)
        inside = any(lo <= code <= hi for lo, hi in self.ranges)
        return inside != self.negated


# AST: ("char", CharSet) | ("begin",) | ("end",) | ("seq", list) | ("star", node) | ("quest", node)
_Node = tuple[object, ...]


class _Parser:
    """Go's regexp/syntax parser, for the subset (parse.go: parse, parseClass, parseEscape)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def parse(self) -> _Node:
        node = self._sequence(depth=0)
        if self.pos != len(self.text):  # a ")" without its "(": Go refuses it too
            raise UnsupportedRegexp(f"unexpected ) at {self.pos}")
        return node

    def _sequence(self, depth: int) -> _Node:
        items: list[_Node] = []
        quantified = False
        text = self.text
        while self.pos < len(text):
            char = text[self.pos]
            if char == ")":
                if depth == 0:
                    raise UnsupportedRegexp(f"unexpected ) at {self.pos}")
                break
            if char in "*?":
                # Go: a repetition needs an argument and cannot repeat a repetition
                # ("missing argument", "invalid nested repetition operator"; `*?` is lazy).
                if not items or quantified or items[-1][0] in ("begin", "end"):
                    raise UnsupportedRegexp(f"repetition {char!r} at {self.pos}")
                items[-1] = ("star" if char == "*" else "quest", items[-1])
                quantified = True
                self.pos += 1
                continue
            quantified = False
            items.append(self._atom(depth))
        return ("seq", items)

    def _atom(self, depth: int) -> _Node:
        text = self.text
        char = text[self.pos]
        if char in "+{|":
            raise UnsupportedRegexp(f"{char!r} at {self.pos}")
        if char == "(":
            if text.startswith("(?", self.pos):
                raise UnsupportedRegexp(f"group flags at {self.pos}")
            self.pos += 1
            group = self._sequence(depth + 1)
            if self.pos >= len(text):
                raise UnsupportedRegexp("missing )")
            self.pos += 1
            return group
        if char == "[":
            return ("char", self._class())
        if char == "\\":
            return ("char", _single(self._escape()))
        self.pos += 1
        if char == ".":
            return ("char", CharSet(any_but_newline=True))
        if char in "^$":
            return ("begin",) if char == "^" else ("end",)
        return ("char", _single(char))

    def _escape(self) -> str:
        """``\\`` + ASCII punctuation is that character (Go's parseEscape); anything else is a
        class, an anchor, a code or an error in Go, none of which this subset takes."""
        if self.pos + 1 >= len(self.text):
            raise UnsupportedRegexp("trailing backslash")
        char = self.text[self.pos + 1]
        if not (char.isascii() and not char.isalnum()):
            raise UnsupportedRegexp(f"escape \\{char} at {self.pos}")
        self.pos += 2
        return char

    def _class(self) -> CharSet:
        """Go's parseClass: ``^`` negates; ``]`` first is a literal; ``a-b`` is a range unless
        the ``-`` is last; a range whose end is below its start is an error."""
        text = self.text
        self.pos += 1
        negated = text.startswith("^", self.pos)
        if negated:
            self.pos += 1
        ranges: list[tuple[int, int]] = []
        first = True
        while self.pos < len(text) and (text[self.pos] != "]" or first):
            first = False
            if text[self.pos] == "[":  # POSIX classes ([:alpha:]) and Go's literal "["
                raise UnsupportedRegexp(f"[ inside a class at {self.pos}")
            lo = self._class_char()
            hi = lo
            if text.startswith("-", self.pos) and not text.startswith("-]", self.pos):
                self.pos += 1
                if self.pos >= len(text):
                    raise UnsupportedRegexp("missing ]")
                hi = self._class_char()
                if hi < lo:
                    raise UnsupportedRegexp(f"invalid character class range at {self.pos}")
            ranges.append((lo, hi))
        if self.pos >= len(text):
            raise UnsupportedRegexp("missing ]")
        self.pos += 1
        return CharSet(tuple(ranges), negated)

    def _class_char(self) -> int:
        char = self.text[self.pos]
        if char == "[":
            raise UnsupportedRegexp(f"[ inside a class at {self.pos}")
        if char == "\\":
            return ord(self._escape())
        self.pos += 1
        return ord(char)


def _single(char: str) -> CharSet:
    return CharSet(((ord(char), ord(char)),))


class Program:
    """A compiled expression: ``match(text)`` is Go's ``regexp.MatchString`` for it."""

    def __init__(self, expression: str) -> None:
        # Go's MatchString searches anywhere; patternmatcher's expressions all start with `^`,
        # so one thread started at the beginning is all Go runs in effect.
        if not expression.startswith("^"):
            raise UnsupportedRegexp("an expression without a leading ^ (an unanchored search)")
        self.expression = expression
        self.work = 0  # automaton nodes visited so far: the linear-time promise, observable
        self._kind: list[int] = []
        self._out: list[int] = []
        self._alt: list[int] = []
        self._sets: list[CharSet | None] = []
        match = self._add(_MATCH)
        tree = _Parser(expression).parse()
        self.prefix, self.suffix = _literal_ends(tree)
        start = self._compile(tree, match)
        self._start = self._closure((start,), at_begin=True)
        self._states: dict[frozenset[int], frozenset[int]] = {self._start: self._start}
        self._transitions: dict[tuple[frozenset[int], str], frozenset[int]] = {}
        self._accepting: dict[frozenset[int], bool] = {}

    @property
    def size(self) -> int:
        """Nodes of the automaton."""
        return len(self._kind)

    def _add(self, kind: int, out: int = -1, alt: int = -1, charset: CharSet | None = None) -> int:
        self._kind.append(kind)
        self._out.append(out)
        self._alt.append(alt)
        self._sets.append(charset)
        return len(self._kind) - 1

    def _compile(self, node: _Node, follow: int) -> int:
        """The node that matches ``node`` then continues at ``follow`` (built back to front)."""
        kind = node[0]
        if kind == "char":
            charset = node[1]
            assert isinstance(charset, CharSet)
            return self._add(_CHAR, follow, charset=charset)
        if kind == "begin":
            return self._add(_BEGIN, follow)
        if kind == "end":
            return self._add(_END, follow)
        if kind == "seq":
            items = node[1]
            assert isinstance(items, list)
            for item in reversed(items):
                follow = self._compile(item, follow)
            return follow
        inner = node[1]
        assert isinstance(inner, tuple)
        if kind == "quest":
            return self._add(_SPLIT, self._compile(inner, follow), follow)
        split = self._add(_SPLIT, -1, follow)  # star: loop back through the split
        self._out[split] = self._compile(inner, split)
        return split

    def _closure(
        self, nodes: Iterable[int], *, at_begin: bool, at_end: bool = False
    ) -> frozenset[int]:
        """Where threads at ``nodes`` stand before reading a character: splits followed, ``^``
        passed only at the start, ``$`` only at the end (else kept, waiting)."""
        stack = list(nodes)
        seen: set[int] = set()
        found: set[int] = set()
        while stack:
            node = stack.pop()
            if node in seen:
                continue
            seen.add(node)
            kind = self._kind[node]
            if kind == _SPLIT:
                stack += (self._out[node], self._alt[node])
            elif (kind == _BEGIN and at_begin) or (kind == _END and at_end):
                stack.append(self._out[node])
            elif kind != _BEGIN:
                found.add(node)
        self.work += len(seen)
        return frozenset(found)

    def _step(self, state: frozenset[int], char: str) -> frozenset[int]:
        follow = []
        for node in state:
            self.work += 1
            charset = self._sets[node]
            if self._kind[node] == _CHAR and charset is not None and charset.accepts(char):
                follow.append(self._out[node])
        found = self._closure(follow, at_begin=False)
        if len(self._states) < MAX_CACHED_STATES:
            found = self._states.setdefault(found, found)
        return found

    def _accepts(self, state: frozenset[int], at_begin: bool) -> bool:
        final = self._closure(state, at_begin=at_begin, at_end=True)
        return any(self._kind[node] == _MATCH for node in final)

    def match(self, text: str) -> bool:
        """Whether ``text`` matches (anywhere: Go's MatchString, which the anchors pin)."""
        # A quick no: what every match must start or end with (`^abc...`, `...\\.md$`).
        if not (text.startswith(self.prefix) and text.endswith(self.suffix)):
            return False
        state = self._start
        for char in text:
            if not state:
                return False
            key = (state, char)
            following = self._transitions.get(key)
            if following is None:
                following = self._step(state, char)
                if len(self._transitions) < MAX_CACHED_TRANSITIONS:
                    self._transitions[key] = following
            state = following
        if not text:
            return self._accepts(state, at_begin=True)
        accepting = self._accepting.get(state)
        if accepting is None:
            accepting = self._accepts(state, at_begin=False)
            if len(self._accepting) < MAX_CACHED_STATES:
                self._accepting[state] = accepting
        return accepting


def _literal(node: _Node) -> str:
    """The character a node stands for when it is one literal character, else ""."""
    if node[0] != "char":
        return ""
    charset = node[1]
    assert isinstance(charset, CharSet)
    if charset.any_but_newline or charset.negated or len(charset.ranges) != 1:
        return ""
    lo, hi = charset.ranges[0]
    return chr(lo) if lo == hi else ""


def _literal_ends(tree: _Node) -> tuple[str, str]:
    """The literal text right after a leading ``^`` and right before a final ``$``."""
    items = tree[1]
    assert isinstance(items, list)
    prefix = suffix = ""
    if items and items[0][0] == "begin":
        for item in items[1:]:
            if not _literal(item):
                break
            prefix += _literal(item)
    if items and items[-1][0] == "end":
        for item in reversed(items[:-1]):
            if not _literal(item):
                break
            suffix = _literal(item) + suffix
    return prefix, suffix


def compile_go(expression: str) -> Program:
    """``expression`` compiled, or `UnsupportedRegexp` when it leaves the subset."""
    return Program(expression)
