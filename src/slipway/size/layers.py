"""Reading a layer tarball as a stream: unpacked size, largest files, cache directories.

The input is any binary stream (a registry response, a file): nothing is written to
disk and nothing is seeked. gzip and plain tar always work; zstd when the
``zstandard`` package is installed (otherwise the layer's contents stay unknown).
"""

from __future__ import annotations

import gzip
import hashlib
import heapq
import importlib
import tarfile
from typing import Any, Protocol, cast

from slipway.size.model import BUILD_TOOL_PATHS, CACHE_DIRS, FileEntry, LayerContents

CHUNK = 1 << 20


class Readable(Protocol):
    """Anything with a binary ``read``."""

    def read(self, size: int, /) -> bytes:
        """Up to ``size`` bytes; b"" at the end."""
        ...


class Tap:
    """A read-only stream that counts, and when asked hashes, the bytes read through it."""

    def __init__(self, stream: Readable, *, hashed: bool = False) -> None:
        self._stream = stream
        self.count = 0
        self._hash = hashlib.sha256() if hashed else None

    def read(self, size: int = -1) -> bytes:
        data = self._stream.read(size)
        self.count += len(data)
        if self._hash is not None:
            self._hash.update(data)
        return data

    def drain(self) -> None:
        """Read what is left."""
        while self.read(CHUNK):
            pass

    def digest(self) -> str:
        """``sha256:...`` of everything read (a tap made with ``hashed``)."""
        assert self._hash is not None, "Tap(hashed=True) computes a digest"
        return "sha256:" + self._hash.hexdigest()


def decompressor(stream: Readable, media_type: str) -> Readable | None:
    """The uncompressed tar stream for a layer media type, or None when unsupported."""
    if media_type.endswith(("gzip", ".gz")):
        unpacked: Readable = gzip.GzipFile(fileobj=cast("Any", stream), mode="rb")
        return unpacked
    if media_type.endswith("zstd"):
        try:
            zstandard: Any = importlib.import_module("zstandard")
        except ImportError:
            return None
        reader: Readable = zstandard.ZstdDecompressor().stream_reader(stream)
        return reader
    if media_type.endswith("tar"):
        return stream
    return None


def read_layer(stream: Readable, media_type: str, *, top: int = 10) -> LayerContents | None:
    """Stream one layer: its unpacked size, the ``top`` largest files, bytes in cache dirs."""
    raw = decompressor(stream, media_type)
    if raw is None:
        return None
    counter = Tap(raw)
    largest: list[tuple[int, str]] = []
    cache: dict[str, int] = {}
    build_tools = 0
    with tarfile.open(fileobj=counter, mode="r|") as archive:  # type: ignore[call-overload]
        for member in archive:
            if not member.isfile():
                continue
            path = member.name.removeprefix("./").lstrip("/")
            entry = (member.size, path)
            if len(largest) < top:
                heapq.heappush(largest, entry)
            elif entry > largest[0]:
                heapq.heapreplace(largest, entry)
            for directory in CACHE_DIRS:
                if path.startswith(directory + "/"):
                    cache[directory] = cache.get(directory, 0) + member.size
                    break
            if path.startswith(BUILD_TOOL_PATHS):
                build_tools += member.size
    counter.drain()
    files = tuple(FileEntry(path, size) for size, path in sorted(largest, reverse=True))
    caches = tuple((d, n) for d, n in sorted(cache.items(), key=lambda x: -x[1]) if n)
    return LayerContents(counter.count, files, caches, build_tools)
