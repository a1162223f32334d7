"""``.dockerignore`` matched as BuildKit matches it (slipway.buildx.dockerignore, go_path, go_regexp).

The tables come from the sources' own tests where they exist: moby/patternmatcher v0.6.0
``patternmatcher_test.go`` (``TestMatches``, ``matchTests``, ``compileTests``) and
``ignorefile/ignorefile_test.go`` (``TestReadAll``), tonistiigi/fsutil ``filter_test.go``
(``TestWalkerExclude``), Go's ``path/filepath/path_test.go`` (``cleantests``). The walk's
semantics (``MatchesUsingParentResults``) are checked against BuildKit itself in
tests/integration/test_context_digest.py.
"""

from __future__ import annotations

import re
import warnings
from pathlib import PurePosixPath

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slipway.buildx import go_path
from slipway.buildx.dockerignore import (
    IgnoreFileRefused,
    IgnoreMatcher,
    MatchKind,
    compile_patterns,
    dockerfile_name,
    ignore_file_candidates,
    parse_ignore_file,
    read_patterns,
    translate,
)
from slipway.buildx.go_regexp import Program, UnsupportedRegexp, compile_go

GENERATED = settings(database=None, deadline=None, max_examples=300)


def matcher(*patterns: str) -> IgnoreMatcher:
    return compile_patterns(list(enumerate(patterns, start=1)), "test.dockerignore")


def go_dir(path: str) -> str:
    """Go's filepath.Dir."""
    return go_path.clean(path[: path.rfind("/") + 1])


def using_parent_results(m: IgnoreMatcher, text: str) -> bool:
    """patternmatcher_test.go's ``check``: the parents first, then the text."""
    parent, visit = go_dir(text), None
    if parent != ".":
        names = parent.split("/")
        for depth in range(1, len(names) + 1):
            visit = m.visit("/".join(names[:depth]), True, visit)
    return m.visit(text, False, visit).excluded


# patternmatcher_test.go TestMatches: tests (one pattern each) and multiPatternTests.
PATTERNMATCHER_MATCHES = [
    ("**", "file", True),
    ("**", "file/", True),
    ("**/", "file", True),
    ("**/", "file/", True),
    ("**", "/", True),
    ("**/", "/", True),
    ("**", "dir/file", True),
    ("**/", "dir/file", True),
    ("**", "dir/file/", True),
    ("**/", "dir/file/", True),
    ("**/**", "dir/file", True),
    ("**/**", "dir/file/", True),
    ("dir/**", "dir/file", True),
    ("dir/**", "dir/file/", True),
    ("dir/**", "dir/dir2/file", True),
    ("dir/**", "dir/dir2/file/", True),
    ("**/dir", "dir", True),
    ("**/dir", "dir/file", True),
    ("**/dir2/*", "dir/dir2/file", True),
    ("**/dir2/*", "dir/dir2/file/", True),
    ("**/dir2/**", "dir/dir2/dir3/file", True),
    ("**/dir2/**", "dir/dir2/dir3/file/", True),
    ("**file", "file", True),
    ("**file", "dir/file", True),
    ("**/file", "dir/file", True),
    ("**file", "dir/dir/file", True),
    ("**/file", "dir/dir/file", True),
    ("**/file*", "dir/dir/file", True),
    ("**/file*", "dir/dir/file.txt", True),
    ("**/file*txt", "dir/dir/file.txt", True),
    ("**/file*.txt", "dir/dir/file.txt", True),
    ("**/file*.txt*", "dir/dir/file.txt", True),
    ("**/**/*.txt", "dir/dir/file.txt", True),
    ("**/**/*.txt2", "dir/dir/file.txt", False),
    ("**/*.txt", "file.txt", True),
    ("**/**/*.txt", "file.txt", True),
    ("a**/*.txt", "a/file.txt", True),
    ("a**/*.txt", "a/dir/file.txt", True),
    ("a**/*.txt", "a/dir/dir/file.txt", True),
    ("a/*.txt", "a/dir/file.txt", False),
    ("a/*.txt", "a/file.txt", True),
    ("a/*.txt**", "a/file.txt", True),
    ("a[b-d]e", "ae", False),
    ("a[b-d]e", "ace", True),
    ("a[b-d]e", "aae", False),
    ("a[^b-d]e", "aze", True),
    (".*", ".foo", True),
    (".*", "foo", False),
    ("abc.def", "abcdef", False),
    ("abc.def", "abc.def", True),
    ("abc.def", "abcZdef", False),
    ("abc?def", "abcZdef", True),
    ("abc?def", "abcdef", False),
    ("a\\\\", "a\\", True),
    ("**/foo/bar", "foo/bar", True),
    ("**/foo/bar", "dir/foo/bar", True),
    ("**/foo/bar", "dir/dir2/foo/bar", True),
    ("abc/**", "abc", False),
    ("abc/**", "abc/def", True),
    ("abc/**", "abc/def/ghi", True),
    ("**/.foo", ".foo", True),
    ("**/.foo", "bar.foo", False),
    ("a(b)c/def", "a(b)c/def", True),
    ("a(b)c/def", "a(b)c/xyz", False),
    ("a.|)$(}+{bc", "a.|)$(}+{bc", True),
    (
        "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl",
        "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl",
        True,
    ),
    ("dist/*.whl", "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", True),
    ("a\\*b", "a*b", True),
]
PATTERNMATCHER_MULTI = [
    (["**", "!util/docker/web"], "util/docker/web/foo", False),
    (["**", "!util/docker/web", "util/docker/web/foo"], "util/docker/web/foo", True),
    (
        ["**", "!dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl"],
        "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl",
        False,
    ),
    (["**", "!dist/*.whl"], "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", False),
]
# patternmatcher_test.go matchTests (Go's filepath.Match tests), the ones without an error.
GO_MATCH_TESTS = [
    ("abc", "abc", True),
    ("*", "abc", True),
    ("*c", "abc", True),
    ("a*", "a", True),
    ("a*", "abc", True),
    ("a*", "ab/c", True),
    ("a*/b", "abc/b", True),
    ("a*/b", "a/c/b", False),
    ("a*b*c*d*e*/f", "axbxcxdxe/f", True),
    ("a*b*c*d*e*/f", "axbxcxdxexxx/f", True),
    ("a*b*c*d*e*/f", "axbxcxdxe/xxx/f", False),
    ("a*b*c*d*e*/f", "axbxcxdxexxx/fff", False),
    ("a*b?c*x", "abxbbxdbxebxczzx", True),
    ("a*b?c*x", "abxbbxdbxebxczzy", False),
    ("ab[c]", "abc", True),
    ("ab[b-d]", "abc", True),
    ("ab[e-g]", "abc", False),
    ("ab[^c]", "abc", False),
    ("ab[^b-d]", "abc", False),
    ("ab[^e-g]", "abc", True),
    ("a\\*b", "a*b", True),
    ("a\\*b", "ab", False),
    ("a?b", "a☺b", True),
    ("a[^a]b", "a☺b", True),
    ("a???b", "a☺b", False),
    ("a[^a][^a][^a]b", "a☺b", False),
    ("[a-ζ]*", "α", True),  # noqa: RUF001 (Go's own case: a Greek letter)
    ("*[a-ζ]", "A", False),
    ("a?b", "a/b", False),
    ("a*b", "a/b", False),
    ("[\\]a]", "]", True),
    ("[\\-]", "-", True),
    ("[x\\-]", "x", True),
    ("[x\\-]", "-", True),
    ("[x\\-]", "z", False),
    ("[\\-x]", "x", True),
    ("[\\-x]", "-", True),
    ("[\\-x]", "a", False),
    ("*x", "xxx", True),
]
# ... and those where filepath.Match reports ErrBadPattern: patternmatcher.New fails the build.
GO_MATCH_ERRORS = [
    "[]a]",
    "[-]",
    "[x-]",
    "[-x]",
    "\\",
    "[a-b-c]",
    "[",
    "[^",
    "[^bc",
    "a[",
]


@pytest.mark.parametrize(("pattern", "text", "expected"), PATTERNMATCHER_MATCHES + GO_MATCH_TESTS)
def test_patternmatcher_cases(pattern: str, text: str, expected: bool) -> None:
    assert using_parent_results(matcher(pattern), text) is expected


@pytest.mark.parametrize(("patterns", "text", "expected"), PATTERNMATCHER_MULTI)
def test_patternmatcher_multi_pattern_cases(patterns: list[str], text: str, expected: bool) -> None:
    assert using_parent_results(matcher(*patterns), text) is expected


@pytest.mark.parametrize("pattern", [*GO_MATCH_ERRORS, "!"])
def test_patterns_that_fail_the_build_are_refused(pattern: str) -> None:
    with pytest.raises(IgnoreFileRefused, match=r"test\.dockerignore line 1: .*BuildKit fails"):
        matcher(pattern)


# patternmatcher_test.go compileTests (the Unix column).
@pytest.mark.parametrize(
    ("pattern", "kind", "expression"),
    [
        ("*", MatchKind.REGEXP, "^[^/]*$"),
        ("file*", MatchKind.REGEXP, "^file[^/]*$"),
        ("*file", MatchKind.REGEXP, "^[^/]*file$"),
        ("a*/b", MatchKind.REGEXP, "^a[^/]*/b$"),
        ("**", MatchKind.SUFFIX, None),
        ("**/**", MatchKind.REGEXP, "^(.*/)?.*$"),
        ("dir/**", MatchKind.PREFIX, None),
        ("**/dir", MatchKind.SUFFIX, None),
        ("**/dir2/*", MatchKind.REGEXP, "^(.*/)?dir2/[^/]*$"),
        ("**/dir2/**", MatchKind.REGEXP, "^(.*/)?dir2/.*$"),
        ("**file", MatchKind.SUFFIX, None),
        ("**/file*txt", MatchKind.REGEXP, "^(.*/)?file[^/]*txt$"),
        ("**/**/*.txt", MatchKind.REGEXP, r"^(.*/)?(.*/)?[^/]*\.txt$"),
        ("a[b-d]e", MatchKind.REGEXP, "^a[b-d]e$"),
        (".*", MatchKind.REGEXP, r"^\.[^/]*$"),
        ("abc.def", MatchKind.EXACT, None),
        ("abc?def", MatchKind.REGEXP, "^abc[^/]def$"),
        ("**/foo/bar", MatchKind.SUFFIX, None),
        ("a(b)c/def", MatchKind.EXACT, None),
        ("a.|)$(}+{bc", MatchKind.EXACT, None),
        ("dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", MatchKind.EXACT, None),
    ],
)
def test_patternmatcher_compile_cases(
    pattern: str, kind: MatchKind, expression: str | None
) -> None:
    got_kind, got_expression = translate(go_path.clean(pattern))
    assert got_kind is kind
    if expression is not None:
        assert got_expression == expression


def test_ignorefile_read_all_case() -> None:
    """ignorefile_test.go TestReadAll, whose last lines BuildKit then refuses (a lone "!")."""
    content = (
        b"test1\n/test2\n/a/file/here\n\nlastfile\n# this is a comment\n! /inverted/abs/path\n!\n! "
    )
    assert [p for _, p in read_patterns(content, "f")] == [
        "test1",
        "test2",
        "a/file/here",
        "lastfile",
        "!inverted/abs/path",
        "!",
        "!",
    ]
    with pytest.raises(IgnoreFileRefused, match=r'^f line 8: illegal exclusion pattern "!"'):
        parse_ignore_file(content, "f")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"\xef\xbb\xbf# comment\nx", [(2, "x")]),  # a BOM on line 1 only
        (b" # not a comment \r\n", [(1, "# not a comment")]),  # "#" counts at column 0 only
        (b"a\r\n\r\nb", [(1, "a"), (3, "b")]),
        (b"!  spaced/ \n", [(1, "!spaced")]),
        (b"//a//b/../c/", [(1, "a/c")]),
        (b"/\n!/\n.\n..", [(1, "/"), (2, "!/"), (3, "."), (4, "..")]),
        (b"\xc2\xa0nbsp\xe3\x80\x80\n\x1cfs", [(1, "nbsp"), (2, "\x1cfs")]),  # Go's spaces only
        (b"!!x", [(1, "!!x")]),
        (b"", []),
        (b"\n\n", []),
    ],
)
def test_read_all_edge_cases(content: bytes, expected: list[tuple[int, str]]) -> None:
    assert read_patterns(content, "f") == expected


# Beyond the sources' tests: cases where the walk's semantics, Go's regexp or the pattern
# classes decide (the integration test checks the same kinds of case against BuildKit).
@pytest.mark.parametrize(
    ("patterns", "path", "is_dir", "expected"),
    [
        # MatchesUsingParentResults: "!a" was skipped at "a", so it does not count below it.
        (["a/b.md", "!a"], "a/b.md", False, True),
        # ... and the third pattern, skipped at "a", does not count for "a/b" either.
        (["a", "!a/b", "a"], "a/b", False, False),
        (["a", "!a/b", "a"], "a/b/c", False, False),
        (["a", "!a/b", "a"], "a/c", False, True),
        # fsutil TestWalkerExclude: foo* with !foo/bar2.
        (["foo*", "!foo/bar2"], "bar", False, False),
        (["foo*", "!foo/bar2"], "foo", True, True),
        (["foo*", "!foo/bar2"], "foo2", False, True),
        (["foo*", "!foo/bar2"], "foo/bar2", False, False),
        # An excluded folder no "!" pattern reaches into is not walked (SkipDir).
        (["build", "!src/keep"], "build/keep", False, True),
        (["build", "!build/keep"], "build/keep", False, False),
        (["build", "!build/*.keep"], "build/x.keep", False, False),
        (["build", "!**/keep"], "build/sub/keep", False, False),
        (["dir/**"], "dir", True, False),
        (["dir/**"], "dir/x", False, True),
        # "**x" is a plain suffix; "a**b" is a(.*/)?b.
        (["**foo"], "barfoo", False, True),
        (["a**b"], "ab", False, True),
        (["a**b"], "a/x/b", False, True),
        (["a**b"], "axb", False, False),
        # Go's regexp: "$" is the end of the text, "." stops at a newline, [^/] does not.
        (["*.md"], "a.md\n", False, False),
        (["**/*.md"], "n\nl/z.md", False, False),
        (["**/z.md"], "n\nl/z.md", False, True),
        (["a?b"], "a\nb", False, True),
        # "^" is an anchor in Go's regexp (a literal only in exact, prefix and suffix patterns).
        (["^x*"], "x1", False, True),
        (["^x*"], "^x1", False, False),
        (["^x"], "^x", False, True),
        # Classes: "!" is a literal, "^" negates; escapes of punctuation are literals.
        (["[!a]"], "!", False, True),
        (["[!a]"], "b", False, False),
        (["d[^a]x"], "d/x", False, True),  # a negated class takes "/" (Go: regexp and Match)
        (["file[0-9].txt"], "file7.txt", False, True),
        (["\\*star"], "*star", False, True),
        (["\\#hash"], "#hash", False, True),
        (["a\\ b*"], "a bc", False, True),
        (["ünï/*"], "ünï/日本.txt", False, True),
        # Patterns that match nothing.
        (["."], "a", False, False),
        (["/"], "a", False, False),
        (["../a"], "a", False, False),
        ([], "a", False, False),
    ],
)
def test_walk_semantics(patterns: list[str], path: str, is_dir: bool, expected: bool) -> None:
    assert matcher(*patterns).excluded(path, is_dir) is expected


@pytest.mark.parametrize(
    ("patterns", "path", "opens"),
    [
        # fsutil's Open asks MatchesOrParentMatches: "a" counts at the parent, so the walk
        # sends a/b (see test_walk_semantics) and Open refuses its content.
        (["a", "!a/b", "a"], "a/b", False),
        (["a", "!a/b"], "a/b", True),
        (["a/b.md", "!a"], "a/b.md", True),  # the walk does not send it, though
        (["build", "!build/keep.txt"], "build/keep.txt", True),
        (["*.md"], "x.md", False),
        ([], "x", True),
    ],
)
def test_what_fsutil_open_serves(patterns: list[str], path: str, opens: bool) -> None:
    assert matcher(*patterns).opens(path) is opens


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"ok\n\\d", r"^x line 2: '\\\\d' uses Go regexp syntax"),
        (b"[z-a]", r"^x line 1: '\[z-a\]' uses Go regexp syntax .*invalid character class range"),
        (b"[*]", r"^x line 1: .* Go regexp syntax"),
        (b"[[:alpha:]]", r"^x line 1: .* Go regexp syntax"),
        (b"a\\Qb*", r"^x line 1: .* Go regexp syntax"),
        (b"a\\\xc3\xa9*", r"^x line 1: .* Go regexp syntax"),
        (b"\n\na\x00b", r"^x line 3: the pattern holds a NUL"),
        (b"a\n\xef\xbb\xbfb", r"^x line 2: the pattern holds a byte order mark"),
        (b"\xef\xbf\xbd", r"^x line 1: the pattern holds U\+FFFD"),
        (b"a\n\xff", r"^x line 2: not UTF-8 text"),
        (b"a" * 4097, r"^x line 1: a line longer than 4096 bytes"),
        (b"a\n" * 1001, r"^x: more than 1000 patterns"),
        (b"ok\na\\", r"^x line 2: 'a\\\\' is not a valid pattern"),
    ],
)
def test_refusals_name_the_file_and_line(content: bytes, message: str) -> None:
    with pytest.raises(IgnoreFileRefused, match=message):
        parse_ignore_file(content, "x")


# Go's path/filepath/path_test.go cleantests (Unix).
@pytest.mark.parametrize(
    ("path", "cleaned"),
    [
        ("abc", "abc"),
        ("abc/def", "abc/def"),
        ("a/b/c", "a/b/c"),
        (".", "."),
        ("..", ".."),
        ("../..", "../.."),
        ("../../abc", "../../abc"),
        ("/abc", "/abc"),
        ("/", "/"),
        ("", "."),
        ("abc/", "abc"),
        ("abc/def/", "abc/def"),
        ("a/b/c/", "a/b/c"),
        ("./", "."),
        ("../", ".."),
        ("../../", "../.."),
        ("/abc/", "/abc"),
        ("abc//def//ghi", "abc/def/ghi"),
        ("//abc", "/abc"),
        ("///abc", "/abc"),
        ("//abc//", "/abc"),
        ("abc//", "abc"),
        ("abc/./def", "abc/def"),
        ("/./abc/def", "/abc/def"),
        ("abc/.", "abc"),
        ("abc/def/ghi/../jkl", "abc/def/jkl"),
        ("abc/def/../ghi/../jkl", "abc/jkl"),
        ("abc/def/..", "abc"),
        ("abc/def/../..", "."),
        ("/abc/def/../..", "/"),
        ("abc/def/../../..", ".."),
        ("/abc/def/../../..", "/"),
        ("abc/def/../../../ghi/jkl/../../../mno", "../../mno"),
        ("/../abc", "/abc"),
        ("abc/./../def", "def"),
        ("abc//./../def", "def"),
        ("abc/../../././../def", "../../def"),
    ],
)
def test_go_clean(path: str, cleaned: str) -> None:
    assert go_path.clean(path) == cleaned


def test_ignore_file_candidates() -> None:
    """dockerui ReadEntrypoint then dockerIgnorePatterns; buildx gives the frontend the
    Dockerfile's folder and name; a named context has only its own .dockerignore."""
    ctx = PurePosixPath("/w/ctx")
    assert ignore_file_candidates(ctx, ctx / "Dockerfile") == (
        ctx / "Dockerfile.dockerignore",
        ctx / ".dockerignore",
    )
    assert ignore_file_candidates(ctx, PurePosixPath("/w/docker/app.Dockerfile")) == (
        PurePosixPath("/w/docker/app.Dockerfile.dockerignore"),
        ctx / ".dockerignore",
    )
    assert ignore_file_candidates(ctx, None) == (ctx / ".dockerignore",)


@pytest.mark.parametrize(
    ("name", "names", "expected"),
    [
        ("Dockerfile", {"dockerfile"}, "dockerfile"),
        ("Dockerfile", {"Dockerfile", "dockerfile"}, "Dockerfile"),
        ("Dockerfile", set(), "Dockerfile"),
        ("app.Dockerfile", {"app.dockerfile"}, "app.Dockerfile"),
    ],
)
def test_dockerfile_name_as_buildx_gives_it(name: str, names: set[str], expected: str) -> None:
    assert dockerfile_name(name, names) == expected


# Generated inputs.
GLOB_CHARS = "ab/*?[]^-!\\.é\n "
PATH_NAME = st.text(alphabet="ab.*?[]^-!\\é\n ", min_size=1, max_size=6).filter(
    lambda n: n not in (".", "..")
)
PATHS = st.lists(PATH_NAME, min_size=1, max_size=4).map("/".join)


@GENERATED
@given(st.binary(max_size=300))
def test_any_bytes_are_parsed_or_refused_with_file_and_line(data: bytes) -> None:
    message = ""
    try:
        parse_ignore_file(data, "gen.dockerignore")
    except IgnoreFileRefused as refused:
        message = str(refused)
    assert message == "" or re.match(r"gen\.dockerignore(:| line \d+: )", message)


@GENERATED
@given(st.lists(st.text(alphabet=GLOB_CHARS, max_size=12), max_size=6), PATHS, st.booleans())
def test_generated_patterns_answer_for_any_path(
    patterns: list[str], path: str, is_dir: bool
) -> None:
    text = "\n".join(patterns).encode()
    try:
        m = parse_ignore_file(text, "gen")
    except IgnoreFileRefused:
        return
    assert m.excluded(path, is_dir) in (True, False)


def as_python(expression: str) -> re.Pattern[str]:
    """A Go expression of the supported subset in Python's syntax: only "$" differs there
    (Python's also matches before a final newline)."""
    assert expression.endswith("$")
    with warnings.catch_warnings():  # Python warns about "--", "&&" in classes; still literals
        warnings.simplefilter("ignore", FutureWarning)
        return re.compile(expression[:-1] + r"\Z")


@GENERATED
@given(
    st.text(alphabet=GLOB_CHARS, min_size=1, max_size=10),
    st.text(alphabet="ab/.\né-]^!", max_size=8),
)
def test_the_automaton_agrees_with_a_backtracking_engine(pattern: str, path: str) -> None:
    """On short inputs (where backtracking costs nothing) Python's re is the oracle of the
    automaton for every expression the subset accepts."""
    kind, expression = translate(pattern)
    if kind is not MatchKind.REGEXP or go_path.match_syntax_error(pattern):
        return
    try:
        program = compile_go(expression)
    except UnsupportedRegexp:
        return
    assert program.match(path) is (as_python(expression).search(path) is not None)


def within_linear_bound(program: Program, path: str) -> bool:
    before = program.work
    program.match(path)
    return program.work - before <= (2 * len(path) + 2) * program.size


@pytest.mark.parametrize(
    ("pattern", "path"),
    [
        ("*a" * 40 + "*b", "a" * 4000),
        ("**/" * 30 + "*.md", "a/" * 1500 + "x.mx"),
        ("?*" * 50 + "x", "y" * 4000),
        ("[^/]*[a-z]*" * 20 + "!", "q" * 4000),
    ],
)
def test_adversarial_patterns_take_linear_work(pattern: str, path: str) -> None:
    """Patterns that make a backtracking engine take exponential time: the automaton visits at
    most (2 * len(path) + 2) * its size nodes, cached or not."""
    m = matcher(pattern)
    program = m.patterns[0].program
    assert program is not None
    assert within_linear_bound(program, path)
    assert m.excluded(path.replace("//", "/").strip("/"), False) is False


@GENERATED
@given(
    st.text(alphabet=GLOB_CHARS, min_size=1, max_size=40), st.text(alphabet="ab/.é\n", max_size=200)
)
def test_generated_patterns_take_linear_work(pattern: str, path: str) -> None:
    kind, expression = translate(pattern)
    if kind is not MatchKind.REGEXP:
        return
    try:
        program = compile_go(expression)
    except UnsupportedRegexp:
        return
    assert within_linear_bound(program, path)


@GENERATED
@given(st.lists(st.text(alphabet=GLOB_CHARS, max_size=12), max_size=6), PATHS)
def test_open_from_the_walk_agrees_with_open_alone(patterns: list[str], path: str) -> None:
    """The walk hands `opens` its folder's visit (the patterns found at it or above) instead
    of matching every parent again: the answer is the same."""
    try:
        m = parse_ignore_file("\n".join(patterns).encode(), "gen")
    except IgnoreFileRefused:
        return
    names, visit = path.split("/"), None
    for depth in range(1, len(names)):
        visit = m.visit("/".join(names[:depth]), True, visit)
    assert m.opens(path, visit) is m.opens(path)
