"""A small Trivy Java DB (``trivy-java-db``), made by the tests so real Trivy runs offline.

Trivy identifies a JAR without ``pom.properties`` by the SHA-1 of its bytes in this DB
(trivy pkg/javadb, the schema of aquasecurity/trivy-java-db pkg/db): a SQLite file
``trivy-java.db`` with ``artifacts(id, group_id, artifact_id)`` and ``indices(artifact_id,
version, sha1 BLOB, archive_type)``, beside a ``metadata.json`` of schema version 1, in
``<cache>/java-db``. ``push_java_db`` publishes it as the OCI artifact
``--java-db-repository`` downloads. Times are always passed in.
"""

from __future__ import annotations

import hashlib
import io
import json
import sqlite3
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from .publish import go_time, push_db, tarball_bytes

SCHEMA_VERSION = 1
DB_FILE = "trivy-java.db"
METADATA_FILE = "metadata.json"
LAYER_MEDIA_TYPE = "application/vnd.aquasec.trivy.javadb.layer.v1.tar+gzip"
LAYER_TITLE = "javadb.tar.gz"
_SCHEMA = (
    "CREATE TABLE artifacts(id INTEGER PRIMARY KEY, group_id TEXT, artifact_id TEXT)",
    (
        "CREATE TABLE indices(artifact_id INTEGER, version TEXT, sha1 BLOB, archive_type TEXT, "
        "foreign key (artifact_id) references artifacts(id))"
    ),
    "CREATE UNIQUE INDEX artifacts_idx ON artifacts(artifact_id, group_id)",
    "CREATE INDEX indices_artifact_idx ON indices(artifact_id)",
    "CREATE UNIQUE INDEX indices_sha1_idx ON indices(sha1)",
)


@dataclass(frozen=True)
class Jar:
    """One indexed artifact: Maven coordinates and the SHA-1 of the JAR's bytes."""

    group_id: str
    artifact_id: str
    version: str
    sha1: bytes  # the 20 raw bytes

    @property
    def package(self) -> str:
        """The package name Trivy reports: ``group:artifact``."""
        return f"{self.group_id}:{self.artifact_id}"


def anonymous_jar(marker: str) -> bytes:
    """A JAR with a manifest but no Maven coordinates (no ``pom.properties``, no
    ``Implementation-*`` group): only its SHA-1 in the Java DB can name it. The same
    ``marker`` gives the same bytes."""
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w") as jar:
        for name, data in (
            ("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\r\nCreated-By: slipway-tests\r\n\r\n"),
            ("slipway/Marker.class", marker),
        ):
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            jar.writestr(info, data)
    return raw.getvalue()


def indexed(jar_bytes: bytes, group_id: str, artifact_id: str, version: str) -> Jar:
    """The index row that names ``jar_bytes``."""
    return Jar(group_id, artifact_id, version, hashlib.sha1(jar_bytes).digest())


def render_metadata(updated_at: datetime, *, downloaded_at: datetime | None = None) -> bytes:
    """``metadata.json``: the next update three days on, as trivy-java-db's own."""
    metadata = {
        "Version": SCHEMA_VERSION,
        "NextUpdate": go_time(updated_at + timedelta(days=3)),
        "UpdatedAt": go_time(updated_at),
        "DownloadedAt": go_time(downloaded_at),
    }
    return json.dumps(metadata, separators=(",", ":")).encode()


def build_java_db(
    jars: Sequence[Jar],
    out_dir: Path,
    *,
    updated_at: datetime,
    downloaded_at: datetime | None = None,
) -> Path:
    """Write ``out_dir/java-db/trivy-java.db`` and its ``metadata.json``; the folder."""
    folder = out_dir / "java-db"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / DB_FILE
    path.unlink(missing_ok=True)
    with sqlite3.connect(path) as db:
        for statement in _SCHEMA:
            db.execute(statement)
        for jar in jars:
            db.execute(
                "INSERT OR IGNORE INTO artifacts(group_id, artifact_id) VALUES (?, ?)",
                (jar.group_id, jar.artifact_id),
            )
            db.execute(
                "INSERT INTO indices(artifact_id, version, sha1, archive_type) VALUES "
                "((SELECT id FROM artifacts WHERE group_id=? AND artifact_id=?), ?, ?, 'jar')",
                (jar.group_id, jar.artifact_id, jar.version, jar.sha1),
            )
    db.close()
    metadata = render_metadata(updated_at, downloaded_at=downloaded_at)
    (folder / METADATA_FILE).write_bytes(metadata)
    return folder


def push_java_db(
    registry: str, repository: str, tag: str, jars: Sequence[Jar], *, updated_at: datetime
) -> str:
    """Publish a Java DB holding ``jars`` as ``registry/repository:tag``; the reference."""
    with tempfile.TemporaryDirectory(prefix="javadb-") as tmp:
        folder = build_java_db(jars, Path(tmp), updated_at=updated_at)
        files = {name: (folder / name).read_bytes() for name in (DB_FILE, METADATA_FILE)}
        tarball = Path(tmp) / LAYER_TITLE
        tarball.write_bytes(tarball_bytes(files, mtime=updated_at))
        push_db(
            registry,
            repository,
            tag,
            tarball,
            created=updated_at,
            media_type=LAYER_MEDIA_TYPE,
            title=LAYER_TITLE,
        )
    return f"{registry}/{repository}:{tag}"
