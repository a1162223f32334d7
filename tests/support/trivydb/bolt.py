"""A minimal writer (and reader) for BoltDB files, enough for a Trivy vulnerability DB.

BoltDB (go.etcd.io/bbolt) stores one B+tree per bucket in fixed-size pages. This module
writes a finished tree in one go: pages 0 and 1 hold the two meta pages, page 2 an empty
freelist, and every bucket (nested ones included) gets its own root page, leaf pages split
to fit a page and branch pages above them when needed. Inline buckets, an optimisation of
bbolt's own writer, are never used: readers accept either form.

The meta pages carry an FNV-1a 64 checksum of their first 56 bytes; bbolt (and so Trivy)
refuses a file without it ("checksum error"), which is why PyPI ``boltdb`` 0.0.2 output
cannot be used as is. Layout reference: bbolt's ``page.go``, ``bucket.go`` and ``db.go``.

The output is a pure function of the tree: the same tree always gives the same bytes.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TypeAlias

PAGE_SIZE = 4096
MAGIC = 0xED0CDAED
VERSION = 2

BRANCH_PAGE = 0x01
LEAF_PAGE = 0x02
META_PAGE = 0x04
FREELIST_PAGE = 0x10
BUCKET_LEAF_FLAG = 0x01

MAX_KEY_SIZE = 32768
MAX_VALUE_SIZE = (1 << 31) - 2

_PAGE_HEADER = struct.Struct("<QHHI")  # id, flags, count, overflow
_LEAF_ELEMENT = struct.Struct("<IIII")  # flags, pos, ksize, vsize
_BRANCH_ELEMENT = struct.Struct("<IIQ")  # pos, ksize, pgid
_BUCKET = struct.Struct("<QQ")  # root pgid, sequence
_META_BODY = struct.Struct("<IIII QQ QQQ")  # magic .. txid: the checksummed 56 bytes
_CHECKSUM = struct.Struct("<Q")

Tree: TypeAlias = "Mapping[bytes, bytes | Tree]"
"""A bucket: keys map to values (``bytes``) or to nested buckets."""

FNV64_OFFSET = 0xCBF29CE484222325
FNV64_PRIME = 0x100000001B3


class BoltFormatError(ValueError):
    """The tree cannot be written, or the bytes are not a BoltDB file this module reads."""


def fnv1a64(data: bytes) -> int:
    """FNV-1a 64-bit hash, the checksum bbolt puts on its meta pages."""
    h = FNV64_OFFSET
    for byte in data:
        h = ((h ^ byte) * FNV64_PRIME) & 0xFFFFFFFFFFFFFFFF
    return h


@dataclass
class _Pages:
    """Pages laid out so far; page ids are assigned in order of allocation."""

    page_size: int
    chunks: list[bytes]
    next_id: int

    def add(self, flags: int, count: int, body: bytes) -> int:
        """Append one page (with overflow pages if the body is long); return its id."""
        pgid = self.next_id
        total = _PAGE_HEADER.size + len(body)
        span = max(1, -(-total // self.page_size))
        header = _PAGE_HEADER.pack(pgid, flags, count, span - 1)
        self.chunks.append((header + body).ljust(span * self.page_size, b"\0"))
        self.next_id += span
        return pgid


def _leaf_body(items: list[tuple[int, bytes, bytes]]) -> bytes:
    """Elements first, then each key followed by its value (bbolt's ``node.write``)."""
    elements = bytearray()
    data = bytearray()
    base = len(items) * _LEAF_ELEMENT.size
    for index, (flags, key, value) in enumerate(items):
        pos = base + len(data) - index * _LEAF_ELEMENT.size
        elements += _LEAF_ELEMENT.pack(flags, pos, len(key), len(value))
        data += key + value
    return bytes(elements + data)


def _branch_body(items: list[tuple[bytes, int]]) -> bytes:
    """Branch elements (first key of each child and its page id), then the keys."""
    elements = bytearray()
    data = bytearray()
    base = len(items) * _BRANCH_ELEMENT.size
    for index, (key, pgid) in enumerate(items):
        pos = base + len(data) - index * _BRANCH_ELEMENT.size
        elements += _BRANCH_ELEMENT.pack(pos, len(key), pgid)
        data += key
    return bytes(elements + data)


def _chunk(sizes: list[int], room: int) -> Iterator[tuple[int, int]]:
    """Split element sizes into [start, end) runs that fit ``room`` (one element at least)."""
    start, used = 0, 0
    for index, size in enumerate(sizes):
        if index > start and used + size > room:
            yield start, index
            start, used = index, 0
        used += size
    yield start, len(sizes)


def _write_bucket(pages: _Pages, tree: Tree) -> int:
    """Write a bucket's children, then its own B+tree; return the bucket's root page id."""
    items: list[tuple[int, bytes, bytes]] = []
    for key in sorted(tree):
        if not isinstance(key, bytes) or not 0 < len(key) <= MAX_KEY_SIZE:
            raise BoltFormatError(f"bad key {key!r}: need 1 to {MAX_KEY_SIZE} bytes")
        value = tree[key]
        if isinstance(value, bytes):
            if len(value) > MAX_VALUE_SIZE:
                raise BoltFormatError(f"value of {key!r} is too large")
            items.append((0, key, value))
        else:
            root = _write_bucket(pages, value)
            items.append((BUCKET_LEAF_FLAG, key, _BUCKET.pack(root, 0)))
    room = pages.page_size - _PAGE_HEADER.size
    sizes = [_LEAF_ELEMENT.size + len(k) + len(v) for _, k, v in items]
    level: list[tuple[bytes, int]] = []
    for start, end in _chunk(sizes, room):
        run = items[start:end]
        pgid = pages.add(LEAF_PAGE, len(run), _leaf_body(run))
        level.append((run[0][1] if run else b"", pgid))
    while len(level) > 1:
        sizes = [_BRANCH_ELEMENT.size + len(k) for k, _ in level]
        level = [
            (level[start][0], pages.add(BRANCH_PAGE, end - start, _branch_body(level[start:end])))
            for start, end in _chunk(sizes, room)
        ]
    return level[0][1]


def _meta_page(pgid: int, page_size: int, root: int, high_water: int) -> bytes:
    """Meta page ``pgid`` (0 or 1, also its txid) with its checksum filled in."""
    body = _META_BODY.pack(MAGIC, VERSION, page_size, 0, root, 0, 2, high_water, pgid)
    page = _PAGE_HEADER.pack(pgid, META_PAGE, 0, 0) + body + _CHECKSUM.pack(fnv1a64(body))
    return page.ljust(page_size, b"\0")


def encode_db(tree: Tree, *, page_size: int = PAGE_SIZE) -> bytes:
    """The bytes of a BoltDB file whose root bucket holds ``tree``.

    Top-level entries must all be buckets (bbolt's root holds buckets only). Keys are
    stored sorted bytewise, as bbolt requires.
    """
    for key, value in tree.items():
        if isinstance(value, bytes):
            raise BoltFormatError(f"top-level key {key!r} must be a bucket, not a value")
    pages = _Pages(page_size=page_size, chunks=[], next_id=3)
    root = _write_bucket(pages, tree)
    freelist = _PAGE_HEADER.pack(2, FREELIST_PAGE, 0, 0).ljust(page_size, b"\0")
    head = [_meta_page(i, page_size, root, pages.next_id) for i in (0, 1)]
    return b"".join([*head, freelist, *pages.chunks])


# --- Reading back: used by tests to check what was written, and to inspect real DBs. ---


def check_meta(data: bytes, pgid: int, page_size: int = PAGE_SIZE) -> None:
    """Raise ``BoltFormatError`` unless meta page ``pgid`` has bbolt's magic and checksum."""
    offset = pgid * page_size + _PAGE_HEADER.size
    body = data[offset : offset + _META_BODY.size]
    (stored,) = _CHECKSUM.unpack_from(data, offset + _META_BODY.size)
    if _META_BODY.unpack(body)[0] != MAGIC:
        raise BoltFormatError(f"meta page {pgid}: bad magic")
    if stored != fnv1a64(body):
        raise BoltFormatError(f"meta page {pgid}: checksum error")


def _read_node(data: bytes, pgid: int, page_size: int) -> Iterator[tuple[int, bytes, bytes]]:
    """Leaf elements (flags, key, value) of the B+tree rooted at page ``pgid``, in order."""
    base = pgid * page_size
    _, flags, count, _ = _PAGE_HEADER.unpack_from(data, base)
    for index in range(count):
        if flags & LEAF_PAGE:
            at = base + _PAGE_HEADER.size + index * _LEAF_ELEMENT.size
            eflags, pos, ksize, vsize = _LEAF_ELEMENT.unpack_from(data, at)
            key_at, value_at = at + pos, at + pos + ksize
            yield eflags, data[key_at:value_at], data[value_at : value_at + vsize]
        elif flags & BRANCH_PAGE:
            at = base + _PAGE_HEADER.size + index * _BRANCH_ELEMENT.size
            _, _, child = _BRANCH_ELEMENT.unpack_from(data, at)
            yield from _read_node(data, child, page_size)
        else:
            raise BoltFormatError(f"page {pgid}: unexpected flags {flags:#x}")


def _read_bucket(data: bytes, root: int, page_size: int) -> dict[bytes, bytes | Tree]:
    tree: dict[bytes, bytes | Tree] = {}
    for eflags, key, value in _read_node(data, root, page_size):
        if eflags & BUCKET_LEAF_FLAG:
            child, _ = _BUCKET.unpack_from(value)
            if child == 0:
                raise BoltFormatError(f"bucket {key!r}: inline buckets are not supported")
            tree[key] = _read_bucket(data, child, page_size)
        else:
            tree[key] = value
    return tree


def decode_db(data: bytes) -> dict[bytes, bytes | Tree]:
    """The tree stored in a BoltDB file (as written by bbolt or by ``encode_db``).

    Checks both meta checksums and reads from the meta with the higher txid.
    """
    metas = []
    page_size = _META_BODY.unpack_from(data, _PAGE_HEADER.size)[2]
    for pgid in (0, 1):
        check_meta(data, pgid, page_size)
        metas.append(_META_BODY.unpack_from(data, pgid * page_size + _PAGE_HEADER.size))
    meta = max(metas, key=lambda m: m[8])
    return _read_bucket(data, meta[4], page_size)
