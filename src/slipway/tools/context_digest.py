"""The build context as BuildKit sees it, hashed: the context's part of the reuse key.

buildx sends a local context with tonistiigi/fsutil (``fs.go`` ``Walk``, ``stat.go``
``mkstat``): every entry under the folder (the folder itself resolved through symlinks,
nothing below it followed), filtered by the ignore file (`slipway.buildx.dockerignore`), with its
mode, size, mtime, symlink target, xattrs (all but ``com.apple.*``), a hard link to the first
path sent with the same inode, and uid/gid, which buildx sets to 0 (``build/build.go``
``resetUIDAndGID``). BuildKit's cache key of a ``COPY`` (``cache/contenthash``, tarsum v1
headers) takes the mode, uid/gid, size, type, link target, device numbers, xattrs and content,
but not the mtime: a context that differs only in mtimes reuses BuildKit's own cache, so the
digest leaves mtimes out too, and uid/gid (always 0 as sent).

The digest covers, in fsutil's walk order, every entry BuildKit receives: its relative path,
type (folder, file, symlink), permission bits with setuid/setgid/sticky, a file's size and
sha256, a symlink's target, the hard-link target, the xattrs. An excluded folder that is sent
because something below it is (a ``!`` pattern) is covered as such. A file fsutil sends
without its content (`slipway.buildx.dockerignore.IgnoreMatcher.opens`) is covered with its content
and that mark: either changing changes the digest, whichever of the two a later buildx sends. The Dockerfile and the
ignore file are in it when they lie in the context and are not excluded, like any other file.

When it cannot be sure, it gives no digest and says why (`NoContextDigest`): an ignore file it
cannot apply exactly, a file it cannot read, a special file (device, FIFO, socket) or a name
that is not UTF-8 among what is sent, a file that changed while read, or a context past the
budget (`Budget`).
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from slipway.buildx import dockerignore

MAX_IGNORE_FILE_BYTES = 1 << 20
_CHUNK = 1 << 20
_VERSION = b"slipway-context/1\n"

NO_KEY_CONTEXT = "the build context {path} is not a folder Slipway can read"
NO_KEY_READ = "reading the build context {path} failed: {error}"
NO_KEY_DOCKERFILE = "the Dockerfile's folder {path} cannot be read: {error}"
NO_KEY_IGNORE_KIND = "{path} is not a regular file (Slipway does not follow links to ignore files)"
NO_KEY_IGNORE_SIZE = "{path} is larger than {limit} bytes"
NO_KEY_SPECIAL = "{path} in the build context is a {kind}, which Slipway does not hash"
NO_KEY_UNREADABLE = "{path} in the build context cannot be read: {error}"
NO_KEY_NAME = "a name in the build context is not UTF-8: {path!r}"
NO_KEY_CHANGED = "{path} in the build context changed while Slipway read it"
NO_KEY_ENTRIES = "the build context has more than {limit} entries (budget max_entries)"
NO_KEY_BYTES = "the build context holds more than {limit} bytes of files (budget max_bytes)"
NO_KEY_TIME = "reading the build context took more than {limit} s (budget max_seconds)"


@dataclass(frozen=True)
class Budget:
    """How much reading a digest may cost before it gives up (and the run builds).

    ``max_entries``: entries looked at, sent or not (100,000); ``max_bytes``: bytes of file
    content hashed (1 GiB, about a second of sha256 per GiB and the disk's read time);
    ``max_seconds``: wall time (20 s), checked per entry and per MiB read.
    """

    max_entries: int = 100_000
    max_bytes: int = 1 << 30
    max_seconds: float = 20.0


@dataclass(frozen=True)
class Entry:
    """One entry BuildKit receives, as the digest covers it."""

    path: str  # relative to the context, "/"-separated
    kind: str  # "dir", "file" or "symlink"
    mode: int  # permission bits with setuid, setgid and sticky
    size: int = 0  # a file's
    content: str = ""  # a file's sha256 (hex), a symlink's target
    hardlink: str = ""  # the first path sent with the same inode, as fsutil sends it
    emptied: bool = False  # a file fsutil sends without its content (`IgnoreMatcher.opens`)
    xattrs: tuple[tuple[str, bytes], ...] = ()


@dataclass(frozen=True)
class ContextDigest:
    """The digest of a context, with what it covers."""

    sha256: str
    ignore_file: Path | None  # the ignore file applied
    entries: tuple[Entry, ...] = field(repr=False)
    bytes_hashed: int


@dataclass(frozen=True)
class NoContextDigest:
    """No digest: ``reason`` says why (a user-facing sentence)."""

    reason: str


class _Refused(Exception):
    pass


def digest_context(
    context: Path,
    dockerfile: Path | None,
    budget: Budget | None = None,
    clock: Callable[[], float] = time.monotonic,
    *,
    leave_out: frozenset[str] = frozenset(),
) -> ContextDigest | NoContextDigest:
    """The digest of the local build context ``context`` as BuildKit sees it.

    ``dockerfile`` is the Dockerfile path as buildx is given it (``<context>/Dockerfile`` when
    the build names none), for the choice of ignore file; None for a named build context (its
    own ``.dockerignore`` only). ``leave_out`` names top-level entries the caller keys by other
    means (the build key leaves out ``.git``: two checkouts of one commit differ there in
    times and index bytes, and the commit is in the key through the revision label).
    """
    try:
        root = context.resolve(strict=True)
        if not root.is_dir():
            raise _Refused(NO_KEY_CONTEXT.format(path=context))
        ignore_file, data = _ignore_file(root, dockerfile)
        try:
            name = str(ignore_file) if ignore_file else ""
            matcher = dockerignore.parse_ignore_file(data, name)
        except dockerignore.IgnoreFileRefused as refused:
            raise _Refused(str(refused)) from None
        walk = _Walk(root, matcher, budget or Budget(), clock, leave_out)
        entries = tuple(walk.entries())
    except _Refused as refused:
        return NoContextDigest(str(refused))
    except OSError as error:
        return NoContextDigest(NO_KEY_READ.format(path=context, error=error))
    digest = hashlib.sha256(_VERSION)
    for entry in entries:
        digest.update(_record(entry))
    return ContextDigest(digest.hexdigest(), ignore_file, entries, walk.bytes_hashed)


def _ignore_file(root: Path, dockerfile: Path | None) -> tuple[Path | None, bytes]:
    """The ignore file BuildKit applies and its bytes (none: no patterns)."""
    if dockerfile is not None:
        try:
            folder = dockerfile.parent.resolve(strict=True)  # buildx: NewFS(Dir(Dockerfile))
            names = {child.name for child in folder.iterdir()}
        except OSError as error:
            raise _Refused(NO_KEY_DOCKERFILE.format(path=dockerfile.parent, error=error)) from None
        dockerfile = folder / dockerignore.dockerfile_name(dockerfile.name, names)
    for candidate in dockerignore.ignore_file_candidates(root, dockerfile):
        try:
            status = os.lstat(candidate)
        except (FileNotFoundError, NotADirectoryError):
            continue
        if not stat.S_ISREG(status.st_mode):
            raise _Refused(NO_KEY_IGNORE_KIND.format(path=candidate))
        if status.st_size > MAX_IGNORE_FILE_BYTES:
            raise _Refused(NO_KEY_IGNORE_SIZE.format(path=candidate, limit=MAX_IGNORE_FILE_BYTES))
        return Path(candidate), Path(candidate).read_bytes()
    return None, b""


@dataclass
class _Folder:
    """A folder on the walk's stack: its visit, and whether it was sent yet (an excluded
    folder is sent only before the first thing below it that is)."""

    path: str
    full: str
    status: os.stat_result | None
    visit: dockerignore.Visit | None
    sent: bool
    children: Iterator[os.DirEntry[str]]


class _Walk:
    """fsutil's walk: depth first, each folder's entries in name order."""

    def __init__(
        self,
        root: Path,
        matcher: dockerignore.IgnoreMatcher,
        budget: Budget,
        clock: Callable[[], float],
        leave_out: frozenset[str] = frozenset(),
    ) -> None:
        self.root = str(root)
        self.leave_out = leave_out
        self.matcher = matcher
        self.budget = budget
        self.clock = clock
        self.deadline = clock() + budget.max_seconds
        self.looked_at = 0
        self.bytes_hashed = 0
        self.inodes: dict[tuple[int, int], str] = {}

    def entries(self) -> Iterator[Entry]:
        stack = [_Folder("", self.root, None, None, True, self._list(self.root, "", True))]
        while stack:
            folder = stack[-1]
            child = next(folder.children, None)
            if child is None:
                stack.pop()
                continue
            self._check_budget()
            path = f"{folder.path}/{child.name}" if folder.path else child.name
            if path in self.leave_out:
                continue
            try:
                path.encode("utf-8")
            except UnicodeEncodeError:
                raise _Refused(NO_KEY_NAME.format(path=os.fsencode(path))) from None
            status = self._lstat(child.path, path)
            is_dir = stat.S_ISDIR(status.st_mode)
            visit = self.matcher.visit(path, is_dir, folder.visit)
            if visit.excluded:
                if is_dir and visit.descend:
                    children = self._list(child.path, path, sent=False)
                    stack.append(_Folder(path, child.path, status, visit, False, children))
                continue
            for parent in stack:
                if not parent.sent and parent.status is not None:
                    parent.sent = True
                    yield self._entry(parent.full, parent.path, parent.status)
            yield self._entry(child.path, path, status, folder.visit)
            if is_dir:
                stack.append(
                    _Folder(path, child.path, status, visit, True, self._list(child.path, path))
                )

    def _check_budget(self) -> None:
        self.looked_at += 1
        if self.looked_at > self.budget.max_entries:
            raise _Refused(NO_KEY_ENTRIES.format(limit=self.budget.max_entries))
        if self.clock() > self.deadline:
            raise _Refused(NO_KEY_TIME.format(limit=self.budget.max_seconds))

    def _list(self, full: str, path: str, sent: bool = True) -> Iterator[os.DirEntry[str]]:
        """A folder's entries by name (Go's ReadDir order: byte order, which is code point
        order for UTF-8). An excluded folder that cannot be read is passed over, as fsutil
        passes over a permission error where it excludes (filter.go)."""
        try:
            with os.scandir(full) as listing:
                children = sorted(listing, key=lambda entry: entry.name)
        except PermissionError:
            if not sent:
                return iter(())
            raise _Refused(
                NO_KEY_UNREADABLE.format(path=path or ".", error="permission denied")
            ) from None
        except OSError as error:
            raise _Refused(NO_KEY_UNREADABLE.format(path=path or ".", error=error)) from None
        return iter(children)

    def _lstat(self, full: str, path: str) -> os.stat_result:
        try:
            return os.lstat(full)
        except OSError as error:
            raise _Refused(NO_KEY_UNREADABLE.format(path=path, error=error)) from None

    def _entry(
        self,
        full: str,
        path: str,
        status: os.stat_result,
        parent: dockerignore.Visit | None = None,
    ) -> Entry:
        mode = stat.S_IMODE(status.st_mode)
        xattrs = self._xattrs(full, path)
        if stat.S_ISDIR(status.st_mode):
            return Entry(path, "dir", mode, xattrs=xattrs)
        if stat.S_ISLNK(status.st_mode):
            try:
                # Not Path.readlink: a Path drops a target's "./" and trailing "/".
                target = os.readlink(full)  # noqa: PTH115
            except OSError as error:
                raise _Refused(NO_KEY_UNREADABLE.format(path=path, error=error)) from None
            return Entry(path, "symlink", mode, content=target, xattrs=xattrs)
        if not stat.S_ISREG(status.st_mode):
            kind = _SPECIAL.get(stat.S_IFMT(status.st_mode), "special file")
            raise _Refused(NO_KEY_SPECIAL.format(path=path, kind=kind))
        hardlink = ""
        if status.st_nlink > 1:
            hardlink = self.inodes.setdefault((status.st_dev, status.st_ino), path)
            hardlink = "" if hardlink == path else hardlink
        content = self._hash(full, path, status)
        emptied = not self.matcher.opens(path, parent)
        return Entry(path, "file", mode, status.st_size, content, hardlink, emptied, xattrs)

    def _hash(self, full: str, path: str, status: os.stat_result) -> str:
        flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
        try:
            descriptor = os.open(full, flags)
        except OSError as error:
            raise _Refused(NO_KEY_UNREADABLE.format(path=path, error=error)) from None
        with os.fdopen(descriptor, "rb", buffering=0) as file:
            opened = os.fstat(file.fileno())
            if (opened.st_dev, opened.st_ino) != (status.st_dev, status.st_ino):
                raise _Refused(NO_KEY_CHANGED.format(path=path))
            digest = hashlib.sha256()
            size = 0
            while chunk := file.read(_CHUNK):
                size += len(chunk)
                self.bytes_hashed += len(chunk)
                if self.bytes_hashed > self.budget.max_bytes:
                    raise _Refused(NO_KEY_BYTES.format(limit=self.budget.max_bytes))
                if self.clock() > self.deadline:
                    raise _Refused(NO_KEY_TIME.format(limit=self.budget.max_seconds))
                digest.update(chunk)
        if size != status.st_size:
            raise _Refused(NO_KEY_CHANGED.format(path=path))
        return digest.hexdigest()

    def _xattrs(self, full: str, path: str) -> tuple[tuple[str, bytes], ...]:
        """fsutil's loadXattr: every xattr but ``com.apple.*``; none where the filesystem has
        none; one that cannot be read is left out, as fsutil leaves it out."""
        try:
            names = os.listxattr(full, follow_symlinks=False)
        except OSError as error:
            if error.errno in (errno.ENOTSUP, errno.EOPNOTSUPP):
                return ()
            raise _Refused(NO_KEY_UNREADABLE.format(path=path, error=error)) from None
        found = []
        for name in sorted(names):
            if name.startswith("com.apple."):
                continue
            try:
                found.append((name, os.getxattr(full, name, follow_symlinks=False)))
            except OSError:
                continue
        return tuple(found)


_SPECIAL = {
    stat.S_IFCHR: "character device",
    stat.S_IFBLK: "block device",
    stat.S_IFIFO: "FIFO",
    stat.S_IFSOCK: "socket",
}


def _field(value: bytes) -> bytes:
    return len(value).to_bytes(8, "big") + value


def _record(entry: Entry) -> bytes:
    """One entry's bytes in the digest: length-prefixed fields, so no two entries or fields
    can run into each other."""
    fields = [
        entry.kind.encode(),
        os.fsencode(entry.path),
        b"%o" % entry.mode,
        b"%d" % entry.size,
        os.fsencode(entry.content),
        os.fsencode(entry.hardlink),
        b"emptied" if entry.emptied else b"",
        b"%d" % len(entry.xattrs),
    ]
    for name, value in entry.xattrs:
        fields += [os.fsencode(name), value]
    return _field(b"".join(_field(f) for f in fields))
