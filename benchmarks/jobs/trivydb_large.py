"""A Trivy DB stand-in the size of the real one, so that downloading, unpacking and keeping it
between jobs costs what it costs on GitHub.

The real ``ghcr.io/aquasecurity/trivy-db:2`` is an OCI artifact whose one layer,
``db.tar.gz``, is some 70 MB, and ``trivy.db`` inside it some ten times that (advisory text:
titles, descriptions, references, much of it repeated). The tests' DB (tests/support/trivydb,
pushed by scripts/dev-env as ``slipway-test/trivy-db:2``) holds a few KiB. Here the same
advisories get one more top-level bucket, which Trivy never reads, of advisory-like JSON lines
(words and sentences drawn from a seeded generator with a skewed distribution, so gzip finds
about the redundancy the real text has) until ``trivy.db`` is :data:`DB_BYTES` long; the
artifact is pushed to a repository of its own (:data:`REPOSITORY`), so the tests keep the
small DB.

``metadata.json`` says the DB was made this hour and is next updated a day later (as the
real DB's is), so a DB restored from a cache is fresh and Trivy does not download it again.
Only that file changes from one run to the next: the layer is two gzip members (gzip readers,
Go's and Python's alike, read concatenated members as one stream), the first holding the tar
entry of ``metadata.json``, the second that of ``trivy.db`` and the end of the archive. The
second, which takes a minute to make, is made once and kept in the cache folder.
"""

from __future__ import annotations

import gzip
import json
import random
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import BinaryIO

from tests.support.trivydb.bolt import encode_db
from tests.support.trivydb.fixtures import fixture_paths, load_fixtures
from tests.support.trivydb.publish import (
    DATA_DIR,
    DB_FILE,
    LAYER_TITLE,
    METADATA_FILE,
    push_db,
    render_metadata,
)

REPOSITORY = "slipway-bench/trivy-db-large"
TAG = "2"
DB_BYTES = 650_000_000  # trivy.db: with the ~9.5x gzip finds, a layer of some 70 MB
# One padding value, a run of advisories: it and its key fill 16 BoltDB pages but for less
# than one record (a page header and leaf element, 32 bytes, a key of 8, records < 1 KiB).
VALUE_BYTES = 16 * 4096 - 32 - 8 - 1024
PADDING_BUCKET = b"zz-benchmark-padding"  # a top-level bucket no Trivy lookup names
SEED = 22
FORMAT = 2  # bumped whenever what the generator writes changes (the cached member's name)
DB_MTIME = int(datetime(2026, 1, 1, tzinfo=UTC).timestamp())  # trivy.db's time in the tar
GZIP_LEVEL = 6  # gzip's default, as trivy-db's release packs it (`tar czf`)
BLOCK = tarfile.BLOCKSIZE

# Where advisories point (the real DB's references are mostly these few hosts).
HOSTS = (
    "https://nvd.nist.gov/vuln/detail/",
    "https://security-tracker.debian.org/tracker/",
    "https://github.com/advisories/",
    "https://access.redhat.com/security/cve/",
    "https://ubuntu.com/security/",
)
WORDS = 2000  # vocabulary size
SENTENCES = 150  # sentence pool: a smaller pool repeats more (measured: 150 gives ~10x)


class Prose:
    """Advisory-like JSON lines from a seeded generator: a vocabulary of made-up words, a pool
    of sentences drawn from it by a Zipf-like law, each record a few of those sentences plus
    its own identifiers, dates and references."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)  # noqa: S311 (reproducible filler, not a secret)
        letters = "abcdefghijklmnopqrstuvwxyz"
        vocabulary = [
            "".join(self.rng.choices(letters, k=self.rng.randint(3, 11))) for _ in range(WORDS)
        ]
        weights = [1 / (rank + 1) for rank in range(WORDS)]
        self.sentences = [
            " ".join(self.rng.choices(vocabulary, weights, k=self.rng.randint(6, 18))).capitalize()
            + "."
            for _ in range(SENTENCES)
        ]
        self.weights = [1 / (rank + 1) for rank in range(SENTENCES)]

    def record(self) -> str:
        """One advisory as a JSON line."""
        rng = self.rng
        cve = f"CVE-{rng.randint(1999, 2026)}-{rng.randint(1000, 999999)}"
        description = " ".join(rng.choices(self.sentences, self.weights, k=rng.randint(2, 8)))
        advisory = {
            "Title": rng.choice(self.sentences)[:60],
            "Description": description,
            "Severity": rng.randint(0, 4),
            "CweIDs": [f"CWE-{rng.randint(1, 1300)}"],
            "References": [host + cve for host in rng.sample(HOSTS, rng.randint(1, 4))],
            "PublishedDate": f"20{rng.randint(10, 26)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}"
            f"T0{rng.randint(0, 9)}:15:00Z",
        }
        return cve + " " + json.dumps(advisory, separators=(",", ":"))

    def value(self, size: int) -> bytes:
        """Records, one a line, until ``size`` bytes at least."""
        lines: list[str] = []
        length = 0
        while length < size:
            lines.append(self.record())
            length += len(lines[-1]) + 1
        return "\n".join(lines).encode()


def padding_values(seed: int, total: int, value_size: int = VALUE_BYTES) -> Iterator[bytes]:
    """Values of about ``value_size`` bytes, ``total`` bytes together at least."""
    prose = Prose(seed)
    made = 0
    while made < total:
        value = prose.value(value_size)
        made += len(value)
        yield value


def padded_db(seed: int = SEED, size: int = DB_BYTES) -> bytes:
    """``trivy.db`` of the tests' advisories (tests/data/trivy-db) plus the padding bucket:
    ``size`` bytes, or a page or so more."""
    tree = dict(load_fixtures(fixture_paths(DATA_DIR)))
    base = len(encode_db(tree))
    values = padding_values(seed, max(0, size - base))
    tree[PADDING_BUCKET] = {f"{index:08d}".encode(): value for index, value in enumerate(values)}
    return encode_db(tree)


def tar_entry(name: str, size: int, mtime: int) -> bytes:
    """The tar header of a plain file (mode 0644, as tests/support/trivydb packs it)."""
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = size, 0o644, mtime
    return info.tobuf(format=tarfile.PAX_FORMAT)


def block_padding(size: int) -> bytes:
    """The zeros that fill a member's data up to a whole tar block."""
    return b"\0" * (-size % BLOCK)


def metadata_member(metadata: bytes, mtime: int) -> bytes:
    """The layer's first gzip member: the tar entry of ``metadata.json``."""
    raw = tar_entry(METADATA_FILE, len(metadata), mtime) + metadata + block_padding(len(metadata))
    return gzip.compress(raw, compresslevel=GZIP_LEVEL, mtime=0)


def write_db_member(db: bytes, out: BinaryIO) -> None:
    """The layer's second gzip member: the tar entry of ``trivy.db``, then the end of the
    archive (two zero blocks), written to ``out`` as it is compressed."""
    with gzip.GzipFile(
        filename="", mode="wb", fileobj=out, compresslevel=GZIP_LEVEL, mtime=0
    ) as gz:
        gz.write(tar_entry(DB_FILE, len(db), DB_MTIME))
        view = memoryview(db)
        for start in range(0, len(db), 1 << 24):
            gz.write(view[start : start + (1 << 24)])
        gz.write(block_padding(len(db)) + b"\0" * (2 * BLOCK))


def updated_at(now: datetime) -> datetime:
    """When the stand-in DB says it was made: the start of ``now``'s hour (the real DB is
    rebuilt every few hours, so a job sees one made within the day)."""
    return now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


@dataclass(frozen=True)
class Published:
    """The large DB as pushed: its reference, and its sizes (bytes)."""

    reference: str
    compressed: int  # the layer (db.tar.gz)
    uncompressed: int  # trivy.db

    @property
    def ratio(self) -> float:
        """How many times bigger the DB is than its layer."""
        return self.uncompressed / self.compressed


def db_member(cache: Path) -> tuple[Path, int]:
    """The cached second member and the size of the ``trivy.db`` inside (made on first use)."""
    folder = cache / "benchmarks"
    stem = f"trivy-db-large-{FORMAT}-{SEED}-{DB_BYTES}"
    member, size_file = folder / f"{stem}.gz", folder / f"{stem}.size"
    if member.is_file() and size_file.is_file():
        return member, int(size_file.read_text(encoding="utf-8"))
    folder.mkdir(parents=True, exist_ok=True)
    db = padded_db()
    partial = member.with_suffix(".partial")
    with partial.open("wb") as out:
        write_db_member(db, out)
    partial.replace(member)
    size_file.write_text(str(len(db)), encoding="utf-8")
    return member, len(db)


def publish(registry: str, cache: Path, now: datetime) -> Published:
    """Push the large DB (made this hour, next updated in a day) as ``REPOSITORY:TAG``."""
    member, size = db_member(cache)
    made = updated_at(now)
    metadata = render_metadata(made, next_update=made + timedelta(days=1))
    layer = cache / "benchmarks" / LAYER_TITLE
    layer.write_bytes(metadata_member(metadata, int(made.timestamp())) + member.read_bytes())
    try:  # Trivy is given the tag, as `--db-repository` names the real DB
        push_db(registry, REPOSITORY, TAG, layer, created=made)
        compressed = layer.stat().st_size
    finally:
        layer.unlink(missing_ok=True)
    return Published(f"{registry}/{REPOSITORY}:{TAG}", compressed, size)
