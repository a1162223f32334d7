"""The context digest against BuildKit itself (slipway.tools.context_digest).

The oracle: a real build (``FROM scratch`` + ``COPY . /ctx``, ``--output type=local``) on the
engine's own builder (buildx 0.29 + Docker 28.5's BuildKit, the hosted runner's pair) delivers
exactly the entries BuildKit received; the digest's entries must be that set, with the same
types, permission bits, symlink targets and file contents. Then properties of the digest: what
BuildKit sees changes it, what it does not see (or what its cache ignores) does not.
"""

from __future__ import annotations

import hashlib
import os
import random
import stat
import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from slipway.tools.context_digest import (
    Budget,
    ContextDigest,
    NoContextDigest,
    digest_context,
)

pytestmark = pytest.mark.integration

COPY_ALL = "FROM scratch\nCOPY . /ctx\n"

# What each case's context holds (path: content, or a mode/link/folder spec).
Spec = dict[str, "str | Mode | Link | Folder | Hardlink"]


@dataclass(frozen=True)
class Mode:
    content: str
    mode: int


@dataclass(frozen=True)
class Link:
    target: str


@dataclass(frozen=True)
class Folder:
    mode: int = 0o755


@dataclass(frozen=True)
class Hardlink:
    target: str


TREE: Spec = {
    "README.md": "readme",
    "docs/a.md": "a",
    "docs/keep/README.md": "nested readme",
    "src/app.py": Mode("#!/bin/sh\n", 0o755),
    "src/lib/x.py": "x",
    "src/lib/x-again.py": Hardlink("src/lib/x.py"),
    "src/private": Mode("secret-ish", 0o600),
    "src/setuid": Mode("s", 0o4755),
    "src/sticky": Folder(0o1777),
    "build/out.bin": "bin",
    "build/keep.txt": "keep",
    ".git/HEAD": "ref: refs/heads/main\n",
    ".git/objects/ab": "obj",
    ".env": "A=1",
    "empty": Folder(),
    "closed": Folder(0o700),
    "ünï/日本.txt": "unicode",
    "link-to-readme": Link("README.md"),
    "link-outside": Link("../../etc/passwd"),
    "link-dir": Link("src"),
    "link-dangling": Link("nowhere/"),
    "a/b.md": "b",
    "a/c.md": "c",
    "barfoo": "suffix",
    "*star": "star",
    "#hash": "hash",
    "file7.txt": "7",
    "filex.txt": "x",
    "^x1": "caret",
    "x1": "x1",
    "n\nl/z.md": "newline folder",
}


@dataclass(frozen=True)
class Case:
    """One build: the ignore files and where the Dockerfile is."""

    name: str
    dockerignore: str | None = None  # the context's .dockerignore
    specific: str | None = None  # <Dockerfile>.dockerignore
    dockerfile: str = "outside"  # "outside" (a sibling folder), "inside", "default", "lowercase"
    beside: str | None = None  # a .dockerignore beside an outside Dockerfile (never applies)
    extra: Spec = field(default_factory=dict)


CASES = [
    Case("no ignore file"),
    Case("markdown but the top README", "**/*.md\n!README.md\n"),
    Case("a leading slash", "/build\n/docs/a.md\n"),
    Case("a folder with a trailing slash", "docs/\n"),
    Case("a star folder", "*/lib\n*/keep.txt\n"),
    Case(".git", ".git\n"),
    Case("an excluded folder, one child back", "build\n!build/keep.txt\n"),
    Case("an excluded folder, a glob back", "build\n!build/*.txt\n"),
    Case("a ! skipped at the parent", "a/b.md\n!a\n"),
    Case("a pattern skipped at the parent", "a\n!a/b.md\na\n"),
    Case("an excluded folder skipped", "build\n!src/app.py\n"),
    Case("classes", "file[0-9].txt\n[!#]hash\n"),
    Case("escapes", "\\*star\n\\#hash\n"),
    Case("comments, spaces, CRLF, BOM", "\ufeff# build\n  build  \r\n! build/keep.txt\r\n #x\n"),
    Case("unicode", "ünï/*\n"),
    Case("dotfiles", ".*\n"),
    Case("everything", "**\n"),
    Case("everything but src", "*\n!src\n"),
    Case("a folder's contents", "build/**\n"),
    Case("a suffix", "**foo\n"),
    Case("a caret", "^x*\n"),
    Case("a newline in a name", "**/z.md\n"),
    Case("patterns that match nothing", ".\n/\n../x\n"),
    Case("links", "link-dir/*\nlink-to-*\n"),
    Case("the Dockerfile's own ignore file first", "src\n", specific="docs\n"),
    Case("an empty Dockerfile ignore file", "src\n", specific=""),
    Case("a .dockerignore beside the Dockerfile", "docs\n", beside="src\n"),
    Case("the Dockerfile in the context", "build\n", specific="docs\n", dockerfile="inside"),
    Case("no -f", "docs\n", specific="build\n", dockerfile="default"),
    Case("no -f, a lowercase dockerfile", "docs\n", specific="build\n", dockerfile="lowercase"),
]


# Mixed at random (a fixed seed) into more ignore files: the order of patterns and "!" is
# where the walk's rules bite (while writing this, 410 such files agreed with BuildKit).
VOCABULARY = [
    "a",
    "a/b.md",
    "!a",
    "!a/b.md",
    "*.md",
    "**/*.md",
    "!**/keep",
    "!**/README.md",
    "build",
    "!build/keep.txt",
    "src/*",
    "!src/lib",
    "docs/",
    "*/keep.txt",
    ".git",
    "[ab]*",
    "?1",
    "**/x*",
    "!README.md",
    "link-*",
    "ünï",
    "!ünï/日本.txt",
    "**",
    "!src",
    "n*",
    "file?.txt",
    "*star",
    "\\*star",
    "docs",
    "!docs/keep",
    "docs/keep/**",
    "!docs/keep/README.md",
    "src",
    "!src/app.py",
    "src/**",
    "!*/lib",
    "*",
    "!.git/HEAD",
    "**/keep",
    "!a/c.md",
    "a/*",
    "!**",
    "[!#]hash",
    "^x*",
    "**/z.md",
    "*/*/README.md",
    "?",
    "??",
    ".*",
    "!.env",
    "**/",
    "/src/lib",
    "docs/../src",
    "!n*",
    "**/*",
    "!**/*.py",
    "src/**/x.py",
    "a**",
    "!a**b.md",
    "*/",
    "!ünï",
    "x[0-9]",
    "^*",
]


def mixed_cases(count: int, seed: int = 22) -> list[Case]:
    pick = random.Random(seed)
    return [
        Case(f"mixed {index}: {' '.join(patterns)}", "\n".join(patterns) + "\n")
        for index in range(count)
        for patterns in [[pick.choice(VOCABULARY) for _ in range(pick.randint(2, 6))]]
    ]


CASES += mixed_cases(12)


def make_tree(root: Path, spec: Spec) -> None:
    root.mkdir(parents=True, exist_ok=True)
    modes: list[tuple[Path, int]] = []
    for name, what in spec.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(what, Folder):
            path.mkdir(exist_ok=True)
            modes.append((path, what.mode))
        elif isinstance(what, Link):
            path.symlink_to(what.target)
        elif isinstance(what, Hardlink):
            path.hardlink_to(root / what.target)
        elif isinstance(what, Mode):
            path.write_text(what.content)
            modes.append((path, what.mode))
        else:
            path.write_text(what)
            path.chmod(0o644)
    for path, mode in modes:
        path.chmod(mode)


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode())


def lay_out(base: Path, case: Case) -> tuple[Path, Path, list[str]]:
    """The case's context, its Dockerfile path for the digest, and buildx's arguments."""
    context = base / "ctx"
    make_tree(context, TREE | case.extra)
    if case.dockerignore is not None:
        write(context / ".dockerignore", case.dockerignore)
    if case.dockerfile == "outside":
        dockerfile = base / "df" / "app.Dockerfile"
        if case.beside is not None:
            write(dockerfile.parent / ".dockerignore", case.beside)
        argv = ["-f", str(dockerfile)]
    elif case.dockerfile == "inside":
        dockerfile = context / "sub" / "app.Dockerfile"
        argv = ["-f", str(dockerfile)]
    else:
        name = "dockerfile" if case.dockerfile == "lowercase" else "Dockerfile"
        write(context / name, COPY_ALL)
        dockerfile = context / "Dockerfile"  # what the build names: nothing, the default
        argv = []
    if case.specific is not None:
        specific = "dockerfile" if case.dockerfile == "lowercase" else dockerfile.name
        write(dockerfile.parent / (specific + ".dockerignore"), case.specific)
    if case.dockerfile in ("outside", "inside"):
        write(dockerfile, COPY_ALL)
    return context, dockerfile, argv


Seen = set[tuple[str, str, int, str]]


def delivered(root: Path) -> Seen:
    """What the build put under /ctx: path, type, permission bits, content or target."""
    seen: Seen = set()
    for folder, folders, files in os.walk(root):
        for name in folders + files:
            path = Path(folder, name)
            status = path.lstat()
            relative = path.relative_to(root).as_posix()
            mode = stat.S_IMODE(status.st_mode)
            if stat.S_ISLNK(status.st_mode):
                seen.add((relative, "symlink", mode, os.readlink(path)))  # noqa: PTH115 (raw)
            elif stat.S_ISDIR(status.st_mode):
                seen.add((relative, "dir", mode, ""))
            else:
                seen.add((relative, "file", mode, hashlib.sha256(path.read_bytes()).hexdigest()))
    return seen


EMPTY = hashlib.sha256(b"").hexdigest()


def digested(digest: ContextDigest) -> Seen:
    """The digest's entries as the build should show them: a file fsutil sends without its
    content (its walk and its Open disagree) arrives empty."""
    return {(e.path, e.kind, e.mode, EMPTY if e.emptied else e.content) for e in digest.entries}


def buildkit_sees(context: Path, argv: list[str], out: Path) -> Seen:
    subprocess.run(
        [
            "docker",
            "buildx",
            "build",
            "--builder",
            "default",
            "--quiet",
            *argv,
            "--output",
            f"type=local,dest={out}",
            str(context),
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return delivered(out / "ctx")


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Seen, Seen]]:
    """Every case built once, four at a time (each a short build that mostly waits on the
    engine): BuildKit's set and ours."""

    def one(base: Path, case: Case) -> tuple[Seen, Seen]:
        context, dockerfile, argv = lay_out(base, case)
        digest = digest_context(context, dockerfile)
        assert isinstance(digest, ContextDigest), digest
        return buildkit_sees(context, argv, base / "out"), digested(digest)

    bases = [tmp_path_factory.mktemp(f"case{index}") for index in range(len(CASES))]
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = {
            case.name: pool.submit(one, base, case) for base, case in zip(bases, CASES, strict=True)
        }
        return {name: future.result() for name, future in futures.items()}


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_the_digest_covers_what_buildkit_receives(
    case: Case, outcomes: dict[str, tuple[Seen, Seen]]
) -> None:
    buildkit, ours = outcomes[case.name]
    assert sorted(ours - buildkit) == []  # more than BuildKit: a needless build
    assert sorted(buildkit - ours) == []  # less: a stale image would be reused


def paths(seen: Seen) -> set[str]:
    return {path for path, *_ in seen}


@pytest.mark.parametrize(
    ("case", "present", "absent"),
    [
        ("no ignore file", {".git/HEAD", "empty", "link-outside", "n\nl/z.md"}, set()),
        ("markdown but the top README", {"README.md", "n\nl/z.md"}, {"docs/keep/README.md"}),
        ("an excluded folder, one child back", {"build", "build/keep.txt"}, {"build/out.bin"}),
        ("a ! skipped at the parent", {"a", "a/c.md"}, {"a/b.md"}),
        ("a pattern skipped at the parent", {"a", "a/b.md"}, {"a/c.md"}),  # a/b.md empty
        ("a folder's contents", {"build"}, {"build/keep.txt"}),
        ("a caret", {"^x1"}, {"x1"}),
        ("a newline in a name", {"n\nl"}, {"n\nl/z.md"}),
        ("the Dockerfile's own ignore file first", {"src/app.py"}, {"docs/a.md"}),
        ("an empty Dockerfile ignore file", {"src/app.py", "docs/a.md"}, set()),
        ("a .dockerignore beside the Dockerfile", {"src/app.py"}, {"docs/a.md"}),
        ("the Dockerfile in the context", {"sub/app.Dockerfile", "build/keep.txt"}, {"docs/a.md"}),
        ("no -f, a lowercase dockerfile", {"dockerfile", "docs/a.md"}, {"build/keep.txt"}),
    ],
)
def test_what_buildkit_does_in_the_cases_that_decide(
    case: str, present: set[str], absent: set[str], outcomes: dict[str, tuple[Seen, Seen]]
) -> None:
    """The facts behind the matcher, as BuildKit shows them (not our reading of its source)."""
    buildkit = paths(outcomes[case][0])
    assert present <= buildkit
    assert not absent & buildkit


def test_a_file_the_walk_sends_and_open_refuses_arrives_empty(
    outcomes: dict[str, tuple[Seen, Seen]],
) -> None:
    """fsutil's walk (MatchesUsingParentResults) sends a/b.md, its Open (MatchesOrParentMatches)
    refuses to read it: the build gets the file, empty."""
    buildkit = outcomes["a pattern skipped at the parent"][0]
    assert ("a/b.md", "file", 0o644, EMPTY) in buildkit


# Properties of the digest (no build needed).


@pytest.fixture
def context(tmp_path: Path) -> Path:
    root = tmp_path / "ctx"
    make_tree(root, TREE)
    write(root / ".dockerignore", "build\n!build/keep.txt\n.git\n*.log\n")
    write(root / "debug.log", "excluded")
    return root


def sha(context: Path) -> str:
    digest = digest_context(context, context / "Dockerfile")
    assert isinstance(digest, ContextDigest), digest
    return digest.sha256


def change_content(root: Path) -> None:
    (root / "src/lib/x.py").write_text("y")


def change_mode(root: Path) -> None:
    (root / "src/lib/x.py").chmod(0o755)


def rename(root: Path) -> None:
    (root / "src/lib/x.py").rename(root / "src/lib/y.py")


def retarget(root: Path) -> None:
    (root / "link-dir").unlink()
    (root / "link-dir").symlink_to("src/")


def add_folder(root: Path) -> None:
    (root / "src/new").mkdir()


def change_kept_child(root: Path) -> None:
    (root / "build/keep.txt").write_text("changed")


def change_xattr(root: Path) -> None:
    try:
        os.setxattr(root / "README.md", "user.slipway", b"1")
    except OSError as error:
        pytest.skip(f"no user xattrs here: {error}")


def change_excluded(root: Path) -> None:
    (root / "build/out.bin").write_text("other")
    (root / "debug.log").write_text("other")
    (root / ".git/HEAD").write_text("other")
    (root / "build/new.bin").write_text("new")


def touch(root: Path) -> None:
    for path in root.rglob("*"):
        os.utime(path, (1, 1), follow_symlinks=False)


def change_owner(root: Path) -> None:
    os.chown(root / "README.md", 1234, 1234)  # buildx sends uid/gid 0 whatever they are


def same_set_other_ignore_file(root: Path) -> None:
    write(root / ".dockerignore", ".dockerignore\nbuild\n!build/keep.txt\n.git\n*.log\n")
    before = sha(root)
    write(
        root / ".dockerignore",
        "# the same files\n.dockerignore\nbuild\n!build/keep.txt\n.git\n*.log\n",
    )
    assert sha(root) == before


@pytest.mark.parametrize(
    "change",
    [change_content, change_mode, rename, retarget, add_folder, change_kept_child, change_xattr],
)
def test_what_buildkit_sees_changes_the_digest(context: Path, change: object) -> None:
    before = sha(context)
    assert callable(change)
    change(context)
    assert sha(context) != before


@pytest.mark.parametrize("change", [change_excluded, touch, change_owner])
def test_what_buildkit_does_not_see_keeps_the_digest(context: Path, change: object) -> None:
    before = sha(context)
    assert callable(change)
    change(context)
    assert sha(context) == before


def test_an_ignore_file_that_selects_the_same_files_keeps_the_digest(context: Path) -> None:
    same_set_other_ignore_file(context)


def test_a_file_sent_empty_or_whole_changes_the_digest(context: Path) -> None:
    """The same files sent, but a/b.md arrives empty with the first ignore file (fsutil's Open
    refuses it) and whole with the second: BuildKit sees different content."""
    write(context / ".dockerignore", ".dockerignore\na\n!a/b.md\na\n")
    emptied = digest_context(context, None)
    write(context / ".dockerignore", ".dockerignore\na\n!a/b.md\n")
    whole = digest_context(context, None)
    assert isinstance(emptied, ContextDigest)
    assert isinstance(whole, ContextDigest)
    assert [e.path for e in emptied.entries] == [e.path for e in whole.entries]
    assert [e.path for e in emptied.entries if e.emptied] == ["a/b.md"]
    assert emptied.sha256 != whole.sha256


def test_a_context_reached_through_a_link_has_the_same_digest(
    tmp_path: Path, context: Path
) -> None:
    """buildx resolves the context folder (fsutil NewFS: EvalSymlinks); nothing below it."""
    (tmp_path / "via").symlink_to(context)
    assert sha(tmp_path / "via") == sha(context)


def test_the_same_context_elsewhere_has_the_same_digest(tmp_path: Path, context: Path) -> None:
    other = tmp_path / "elsewhere" / "ctx"
    make_tree(other, TREE)
    write(other / ".dockerignore", (context / ".dockerignore").read_text())
    assert sha(other) == sha(context)


def refusal(context: Path, budget: Budget | None = None, clock: object = None) -> str:
    if clock is None:
        result = digest_context(context, context / "Dockerfile", budget)
    else:
        assert callable(clock)
        result = digest_context(context, context / "Dockerfile", budget, clock)
    assert isinstance(result, NoContextDigest), result
    return result.reason


def test_a_special_file_sent_gives_no_digest(context: Path) -> None:
    os.mkfifo(context / "src/pipe")
    assert (
        refusal(context) == "src/pipe in the build context is a FIFO, which Slipway does not hash"
    )


def test_a_special_file_excluded_is_no_obstacle(context: Path) -> None:
    os.mkfifo(context / "build/pipe")
    assert isinstance(digest_context(context, context / "Dockerfile"), ContextDigest)


def test_a_name_that_is_not_utf8_gives_no_digest(context: Path) -> None:
    Path(os.fsdecode(os.fsencode(context) + b"/src/\xff")).write_bytes(b"x")
    assert refusal(context).startswith("a name in the build context is not UTF-8")


def test_an_ignore_file_it_cannot_apply_gives_no_digest(context: Path) -> None:
    write(context / ".dockerignore", "build\nfoo\\d\n")
    assert refusal(context) == (
        f"{context}/.dockerignore line 2: 'foo\\\\d' uses Go regexp syntax Slipway does not"
        " match (escape \\d at 4)"
    )


def test_a_linked_ignore_file_gives_no_digest(context: Path) -> None:
    (context / "Dockerfile.dockerignore").symlink_to(".dockerignore")
    assert "is not a regular file" in refusal(context)


@pytest.mark.parametrize(
    ("budget", "reason"),
    [
        (Budget(max_entries=5), "the build context has more than 5 entries (budget max_entries)"),
        (
            Budget(max_bytes=10),
            "the build context holds more than 10 bytes of files (budget max_bytes)",
        ),
    ],
)
def test_past_the_budget_gives_no_digest(context: Path, budget: Budget, reason: str) -> None:
    assert refusal(context, budget) == reason


def test_past_the_time_budget_gives_no_digest(context: Path) -> None:
    ticks: Iterator[float] = iter(range(1000))
    reason = refusal(context, Budget(max_seconds=10), lambda: float(next(ticks)))
    assert reason == "reading the build context took more than 10 s (budget max_seconds)"


def test_a_context_that_is_not_a_folder_gives_no_digest(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    assert digest_context(tmp_path / "file", None) == NoContextDigest(
        f"the build context {tmp_path / 'file'} is not a folder Slipway can read"
    )
    missing = digest_context(tmp_path / "missing", None)
    assert isinstance(missing, NoContextDigest)
    assert missing.reason.startswith(f"reading the build context {tmp_path / 'missing'} failed")
