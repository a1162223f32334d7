"""``.dockerignore`` as BuildKit applies it to a local build context (pure).

What decides the files a build sees, and where each rule comes from:

* Which file: the Dockerfile frontend reads ``<Dockerfile>.dockerignore`` next to the
  Dockerfile first, and only when there is none the context's ``.dockerignore``
  (BuildKit ``frontend/dockerui/config.go``: ``ReadEntrypoint``, ``dockerIgnorePatterns``;
  buildx ``build/opt.go`` ``loadInputs`` gives the frontend the Dockerfile's folder and base
  name, so this holds wherever the Dockerfile is, in the context or outside it). A named
  local context (``build-contexts``) uses its own ``.dockerignore`` only.
* The lines: moby/patternmatcher ``ignorefile.ReadAll`` (a BOM dropped, ``#`` comments only at
  column 0, Go's TrimSpace, ``!`` then TrimSpace again, ``filepath.Clean``, one leading ``/``
  dropped) then ``patternmatcher.New`` (TrimSpace, Clean, ``!``, a lone ``!`` and patterns
  ``filepath.Match`` rejects are errors that fail the build).
* Matching: ``Pattern.compile`` classifies a pattern as exact, prefix (``dir/**``), suffix
  (``**/x``, a plain string suffix) or a Go regular expression (`slipway.buildx.go_regexp`).
* The walk: buildx sends the context with tonistiigi/fsutil's ``filterFS.Walk``, which asks
  ``MatchesUsingParentResults``, not ``MatchesOrParentMatches``: a pattern counts for a path if
  it matches the path itself or was found matching (not skipped) at a parent directory. The two
  differ: with ``a/b.md`` then ``!a`` BuildKit leaves ``a/b.md`` out (``!a`` was skipped at
  ``a``); with ``a``, ``!a/b``, ``a`` it sends ``a/b``. An excluded directory is still walked
  unless every ``!`` pattern is a plain path and none lies under it (fsutil's SkipDir), and it
  is sent, as a directory, when something under it is.
* A file's content: fsutil's ``filterFS.Open`` asks ``MatchesOrParentMatches`` instead. Where
  the two disagree (``a``, ``!a/b``, ``a``: the walk sends ``a/b``, Open refuses it) the file
  is sent with its metadata and no content, and the build gets it empty (seen with buildx
  0.29.1; fsutil unchanged up to buildx 0.36.1). `IgnoreMatcher.opens` says which files.

A pattern this module cannot interpret exactly (Go regexp syntax beyond what it implements, a
NUL, a BOM or U+FFFD inside, over-long lines) makes `parse_ignore_file` refuse, as do the
patterns that fail BuildKit's own build.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import PurePath

from slipway.buildx import go_path
from slipway.buildx.go_regexp import Program, UnsupportedRegexp, compile_go

DOCKERIGNORE = ".dockerignore"
DOCKERFILE = "Dockerfile"
MAX_LINE_BYTES = 4096  # bufio.Scanner stops at 64 KiB; no real pattern comes near this
MAX_PATTERNS = 1000  # each path is matched against every pattern

REFUSED_LINE_LENGTH = "{name} line {line}: a line longer than {limit} bytes"
REFUSED_ENCODING = "{name} line {line}: not UTF-8 text"
REFUSED_CHARACTER = "{name} line {line}: the pattern holds {what}, which Slipway does not match"
REFUSED_LONE_BANG = '{name} line {line}: illegal exclusion pattern "!" (BuildKit fails the build)'
REFUSED_SYNTAX = "{name} line {line}: {pattern!r} is not a valid pattern (BuildKit fails the build)"
REFUSED_REGEXP = (
    "{name} line {line}: {pattern!r} uses Go regexp syntax Slipway does not match ({why})"
)
REFUSED_COUNT = "{name}: more than {limit} patterns"
_UNMATCHED = {"\x00": "a NUL", "\ufeff": "a byte order mark", "\ufffd": "U+FFFD"}
_BOM = b"\xef\xbb\xbf"


class IgnoreFileRefused(ValueError):
    """An ignore file Slipway cannot apply exactly as BuildKit does (the message names the file
    and line): the caller makes no reuse key and builds."""


class MatchKind(enum.Enum):
    """patternmatcher's ``matchType``."""

    EXACT = "exact"
    PREFIX = "prefix"
    SUFFIX = "suffix"
    REGEXP = "regexp"


def translate(cleaned: str) -> tuple[MatchKind, str]:
    """patternmatcher's ``Pattern.compile`` on Unix: the kind of a cleaned pattern and, for
    `MatchKind.REGEXP`, its Go expression (``*`` is ``[^/]*``, ``?`` is ``[^/]``, ``**`` is
    ``(.*/)?`` or, last, ``.*``; ``.+()|{}$`` escaped; ``\\x`` kept as a regexp escape)."""
    expression, kind, index, token = "^", MatchKind.EXACT, 0, 0
    while index < len(cleaned):
        char = cleaned[index]
        index += 1
        if cleaned.startswith("**", index - 1):
            index, piece, kind = _double_star(cleaned, index + 1, kind, first=token == 0)
        elif char in "*?":
            piece, kind = _SINGLE_GLOB[char], MatchKind.REGEXP
        elif char in ".+()|{}$":
            piece = "\\" + char
        elif char == "\\" and index < len(cleaned):
            piece, kind = "\\" + cleaned[index], MatchKind.REGEXP
            index += 1
        elif char in "[]":
            piece, kind = char, MatchKind.REGEXP
        else:  # a trailing "\\" stays one (filepath.Match has refused it before)
            piece = char
        expression += piece
        token += 1
    if kind is MatchKind.REGEXP:
        expression += "$"
    return kind, expression


_SINGLE_GLOB = {"*": "[^/]*", "?": "[^/]"}


def _double_star(
    cleaned: str, index: int, kind: MatchKind, *, first: bool
) -> tuple[int, str, MatchKind]:
    """A ``**`` (and the ``/`` after it): last in the pattern it matches everything below,
    a prefix match when nothing before it was special; first, the pattern is a suffix match
    whatever it became (patternmatcher checks ``i == 0`` last)."""
    if cleaned.startswith("/", index):
        index += 1
    if index < len(cleaned):
        piece, kind = "(.*/)?", MatchKind.REGEXP
    elif kind is MatchKind.EXACT:
        piece, kind = "", MatchKind.PREFIX
    else:
        piece, kind = ".*", MatchKind.REGEXP
    return index, piece, MatchKind.SUFFIX if first else kind


@dataclass(frozen=True)
class Pattern:
    """One pattern as patternmatcher holds it."""

    text: str  # cleaned, without the "!"
    exclusion: bool  # a "!" pattern: matching paths are sent after all
    kind: MatchKind
    line: int
    program: Program | None = None

    def matches(self, path: str) -> bool:
        """patternmatcher's ``Pattern.match``."""
        if self.kind is MatchKind.EXACT:
            return path == self.text
        if self.kind is MatchKind.PREFIX:
            return path.startswith(self.text[:-2])
        if self.kind is MatchKind.SUFFIX:
            suffix = self.text[2:]
            return path.endswith(suffix) or (suffix[0] == "/" and path == suffix[1:])
        assert self.program is not None
        return self.program.match(path)

    def without_trailing_glob(self) -> str:
        """fsutil's ``patternWithoutTrailingGlob``."""
        return self.text.removesuffix("/**").removesuffix("/*")


@dataclass(frozen=True)
class Visit:
    """What the walk decided at one path: ``excluded`` (the patterns leave it out), ``descend``
    (a directory BuildKit walks into), and per pattern whether it matched (fsutil's MatchInfo,
    handed to the children)."""

    excluded: bool
    descend: bool
    matched: tuple[bool, ...]
    hits: tuple[bool, ...] = ()  # a folder's: per pattern, whether it matches it or one above


class IgnoreMatcher:
    """The patterns of one ignore file, applied as buildx's fsutil walk applies them."""

    def __init__(self, patterns: Sequence[Pattern], source: str = "") -> None:
        self.patterns = tuple(patterns)
        self.source = source  # the ignore file's name, "" when there is none
        self.exclusions = any(p.exclusion for p in self.patterns)
        # fsutil NewFilterFS: only when no "!" pattern has a wildcard may an excluded
        # directory be skipped.
        self._skippable = not any(
            p.exclusion and any(c in p.without_trailing_glob() for c in "*[]?^\\")
            for p in self.patterns
        )

    def _matches_or_parent(self, pattern: Pattern, path: str) -> bool:
        if pattern.matches(path):
            return True
        names = path.split("/")[:-1]
        return any(pattern.matches("/".join(names[: i + 1])) for i in range(len(names)))

    def visit(self, path: str, is_dir: bool, parent: Visit | None = None) -> Visit:
        """``MatchesUsingParentResults`` for ``path`` (its parent directory's `Visit` given, or
        None at the top), and fsutil's SkipDir rule for an excluded directory."""
        if not self.patterns:
            return Visit(excluded=False, descend=True, matched=())
        matched = False
        found: list[bool] = []
        for index, pattern in enumerate(self.patterns):
            match = parent.matched[index] if parent is not None else False
            if not match:
                if pattern.exclusion != matched:
                    found.append(False)
                    continue
                if parent is None:  # no parent results: patternmatcher checks the parents
                    match = self._matches_or_parent(pattern, path)
                else:
                    match = pattern.matches(path)
            found.append(match)
            if match:
                matched = not pattern.exclusion
        descend = True
        if matched and is_dir and self._skippable:
            below = path + "/"
            descend = any(
                (p.without_trailing_glob() + "/").startswith(below)
                for p in self.patterns
                if p.exclusion
            )
        hits: tuple[bool, ...] = ()
        if is_dir:  # for `opens` below it, as MatchesOrParentMatches checks every parent
            above = parent.hits if parent is not None else (False,) * len(self.patterns)
            hits = tuple(a or p.matches(path) for a, p in zip(above, self.patterns, strict=True))
        return Visit(excluded=matched, descend=descend, matched=tuple(found), hits=hits)

    def opens(self, path: str, parent: Visit | None = None) -> bool:
        """Whether fsutil's ``Open`` serves the content of ``path`` (``MatchesOrParentMatches``
        says it is not excluded). A file the walk sends but Open refuses reaches the build
        empty. ``parent``: the `Visit` of its folder, when the walk has it (quicker)."""
        matched = False
        for index, pattern in enumerate(self.patterns):
            if pattern.exclusion != matched:
                continue
            if parent is not None and parent.hits:
                hit = parent.hits[index] or pattern.matches(path)
            else:
                hit = self._matches_or_parent(pattern, path)
            if hit:
                matched = not pattern.exclusion
        return not matched

    def excluded(self, relative_path: str, is_dir: bool) -> bool:
        """Whether BuildKit leaves ``relative_path`` (``/``-separated, below the context) out
        as an entry of its own: the patterns exclude it, or a directory above it is not walked.
        (An excluded directory with something sent below it still reaches the build, as that
        thing's parent.) ValueError for a path that is not clean and relative."""
        names = relative_path.split("/")
        if relative_path.startswith("/") or any(n in ("", ".", "..") for n in names):
            raise ValueError(f"not a clean relative path: {relative_path!r}")
        visit: Visit | None = None
        for depth in range(1, len(names)):
            visit = self.visit("/".join(names[:depth]), True, visit)
            if visit.excluded and not visit.descend:
                return True
        return self.visit(relative_path, is_dir, visit).excluded


def read_patterns(data: bytes, name: str) -> list[tuple[int, str]]:
    """``ignorefile.ReadAll``: the patterns of an ignore file with their line numbers."""
    lines = data.split(b"\n")
    if lines[-1] == b"":  # bufio.ScanLines yields no empty last line
        lines.pop()
    patterns = []
    for number, raw in enumerate(lines, start=1):
        line = raw.removesuffix(b"\r")
        if number == 1:
            line = line.removeprefix(_BOM)
        if len(line) > MAX_LINE_BYTES:
            raise IgnoreFileRefused(
                REFUSED_LINE_LENGTH.format(name=name, line=number, limit=MAX_LINE_BYTES)
            )
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            raise IgnoreFileRefused(REFUSED_ENCODING.format(name=name, line=number)) from None
        if text.startswith("#"):
            continue
        pattern = go_path.trim_space(text)
        if not pattern:
            continue
        invert = pattern.startswith("!")
        if invert:
            pattern = go_path.trim_space(pattern[1:])
        if pattern:
            pattern = go_path.clean(pattern)
            if len(pattern) > 1 and pattern.startswith("/"):
                pattern = pattern[1:]
        patterns.append((number, "!" + pattern if invert else pattern))
    return patterns


def compile_patterns(lines: Sequence[tuple[int, str]], name: str) -> IgnoreMatcher:
    """``patternmatcher.New`` (and each pattern's ``compile``), refusing what BuildKit refuses
    and what this module cannot match exactly."""
    patterns = []
    for number, line in lines:
        text = go_path.trim_space(line)
        if not text:
            continue
        text = go_path.clean(text)
        for char, what in _UNMATCHED.items():
            if char in text:
                raise IgnoreFileRefused(REFUSED_CHARACTER.format(name=name, line=number, what=what))
        exclusion = text.startswith("!")
        if exclusion:
            if text == "!":
                raise IgnoreFileRefused(REFUSED_LONE_BANG.format(name=name, line=number))
            text = text[1:]
        if go_path.match_syntax_error(text):
            raise IgnoreFileRefused(REFUSED_SYNTAX.format(name=name, line=number, pattern=text))
        kind, expression = translate(text)
        program = None
        if kind is MatchKind.REGEXP:
            try:
                program = compile_go(expression)
            except UnsupportedRegexp as error:
                raise IgnoreFileRefused(
                    REFUSED_REGEXP.format(name=name, line=number, pattern=text, why=error)
                ) from None
        patterns.append(Pattern(text, exclusion, kind, number, program))
        if len(patterns) > MAX_PATTERNS:
            raise IgnoreFileRefused(REFUSED_COUNT.format(name=name, limit=MAX_PATTERNS))
    return IgnoreMatcher(patterns, name)


def parse_ignore_file(data: bytes, name: str) -> IgnoreMatcher:
    """The matcher of an ignore file's bytes, or `IgnoreFileRefused` naming ``name`` and the
    line. Every input ends in one of the two."""
    return compile_patterns(read_patterns(data, name), name)


def dockerfile_name(name: str, names_in_folder: Collection[str]) -> str:
    """The Dockerfile name the frontend is given (buildx ``handleLowercaseDockerfile``): a
    ``Dockerfile`` that does not exist beside a ``dockerfile`` that does becomes that one."""
    if name == DOCKERFILE and name not in names_in_folder and "dockerfile" in names_in_folder:
        return "dockerfile"
    return name


def ignore_file_candidates(context: PurePath, dockerfile: PurePath | None) -> tuple[PurePath, ...]:
    """The ignore files BuildKit tries, in order; the first that exists applies, even empty.

    ``dockerfile`` is the Dockerfile as buildx is given it (its name after `dockerfile_name`;
    ``<context>/Dockerfile`` when the build names none), or None for a named build context,
    which has no Dockerfile-specific file. The ``.dockerignore`` of the Dockerfile's own folder
    never applies unless that folder is the context.
    """
    context_file = context / DOCKERIGNORE
    if dockerfile is None:
        return (context_file,)
    return (dockerfile.parent / (dockerfile.name + DOCKERIGNORE), context_file)
