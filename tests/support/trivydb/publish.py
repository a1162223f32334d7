"""Build the test Trivy DB from YAML and publish it as the OCI artifact Trivy downloads.

``build_db`` writes a cache directory (``db/trivy.db`` + ``db/metadata.json``) that Trivy
reads with ``--cache-dir DIR --skip-db-update``; ``make_tarball`` packs it the way
trivy-db releases are packed; ``push_db`` uploads that tarball to a registry through the
plain registry HTTP API so that ``trivy ... --db-repository HOST:PORT/REPO:TAG`` downloads
it. Times are always passed in: nothing here reads the clock.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import requests

from .bolt import encode_db
from .fixtures import fixture_paths, load_fixtures

SCHEMA_VERSION = 2
"""``metadata.json`` ``Version``: the DB schema Trivy 0.76 accepts (and the usual tag)."""

DATA_DIR = Path(__file__).resolve().parents[2] / "data" / "trivy-db"
"""Slipway's own advisories (tests/data/trivy-db)."""

DB_FILE = "trivy.db"
METADATA_FILE = "metadata.json"
LAYER_MEDIA_TYPE = "application/vnd.aquasec.trivy.db.layer.v1.tar+gzip"
CONFIG_MEDIA_TYPE = "application/vnd.aquasec.trivy.config.v1+json"
MANIFEST_MEDIA_TYPE = "application/vnd.oci.image.manifest.v1+json"
TITLE_ANNOTATION = "org.opencontainers.image.title"
LAYER_TITLE = "db.tar.gz"
CONFIG_BLOB = b"{}"

_GO_ZERO_TIME = "0001-01-01T00:00:00Z"
_TIMEOUT = 30.0
_MANIFEST_ATTEMPTS = 3

PUSH_FAILED = (
    "Pushing the test Trivy DB failed because {what} answered HTTP {status}: {body}. "
    "Check that the registry at {registry} runs and accepts pushes to {repository}."
)
PUSH_UNAUTHORIZED = (
    "Pushing the test Trivy DB failed because {what} answered HTTP {status}: {body}. "
    "The registry at {registry} wants credentials: pass username= and password= "
    "(CLI: --username NAME --password-stdin)."
)


class PushError(RuntimeError):
    """The registry refused part of the DB upload."""


def go_time(moment: datetime | None) -> str:
    """``moment`` as Go's ``time.Time`` JSON (RFC 3339, UTC); ``None`` is Go's zero time."""
    if moment is None:
        return _GO_ZERO_TIME
    if moment.tzinfo is None:
        raise ValueError(f"time {moment.isoformat()} has no time zone")
    text = moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "")
    return text.rstrip("0").rstrip(".") + "Z"


def render_metadata(
    updated_at: datetime,
    *,
    next_update: datetime | None = None,
    downloaded_at: datetime | None = None,
) -> bytes:
    """``metadata.json`` contents; ``next_update`` defaults to a day after ``updated_at``."""
    metadata = {
        "Version": SCHEMA_VERSION,
        "NextUpdate": go_time(next_update or updated_at + timedelta(days=1)),
        "UpdatedAt": go_time(updated_at),
        "DownloadedAt": go_time(downloaded_at),
    }
    return json.dumps(metadata, separators=(",", ":")).encode()


def build_db(
    yaml_dir: Path,
    out_dir: Path,
    *,
    updated_at: datetime,
    next_update: datetime | None = None,
    downloaded_at: datetime | None = None,
) -> Path:
    """Write ``out_dir/db/trivy.db`` and ``metadata.json`` from the fixtures in ``yaml_dir``.

    Returns the ``db`` directory; ``out_dir`` is then a Trivy ``--cache-dir``. Give
    ``downloaded_at`` for a cache used as is: a DB never downloaded has Go's zero time.
    """
    tree = load_fixtures(fixture_paths(yaml_dir))
    db_dir = out_dir / "db"
    db_dir.mkdir(parents=True, exist_ok=True)
    (db_dir / DB_FILE).write_bytes(encode_db(tree))
    metadata = render_metadata(updated_at, next_update=next_update, downloaded_at=downloaded_at)
    (db_dir / METADATA_FILE).write_bytes(metadata)
    return db_dir


def tarball_bytes(files: Mapping[str, bytes], *, mtime: datetime) -> bytes:
    """A reproducible ``.tar.gz`` of ``files`` (name to contents) at the archive root."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name in sorted(files):
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(files[name]), 0o644, int(mtime.timestamp())
            tar.addfile(info, io.BytesIO(files[name]))
    return gzip.compress(raw.getvalue(), mtime=0)


def make_tarball(db_dir: Path, tarball: Path, *, mtime: datetime) -> Path:
    """Pack ``trivy.db`` and ``metadata.json`` of ``db_dir`` into ``tarball`` (``db.tar.gz``)."""
    files = {name: (db_dir / name).read_bytes() for name in (DB_FILE, METADATA_FILE)}
    tarball.write_bytes(tarball_bytes(files, mtime=mtime))
    return tarball


def digest_of(blob: bytes) -> str:
    """The OCI content digest of ``blob``."""
    return "sha256:" + hashlib.sha256(blob).hexdigest()


def render_manifest(
    layer: bytes,
    *,
    created: datetime | None = None,
    media_type: str = LAYER_MEDIA_TYPE,
    title: str = LAYER_TITLE,
) -> bytes:
    """The OCI artifact manifest Trivy accepts: one DB layer titled ``db.tar.gz`` (the Java
    DB's: ``javadb.tar.gz`` of its own media type)."""
    manifest: dict[str, Any] = {
        "schemaVersion": 2,
        "mediaType": MANIFEST_MEDIA_TYPE,
        "artifactType": CONFIG_MEDIA_TYPE,
        "config": {
            "mediaType": CONFIG_MEDIA_TYPE,
            "digest": digest_of(CONFIG_BLOB),
            "size": len(CONFIG_BLOB),
        },
        "layers": [
            {
                "mediaType": media_type,
                "digest": digest_of(layer),
                "size": len(layer),
                # Trivy names the downloaded file after this and refuses a layer without it.
                "annotations": {TITLE_ANNOTATION: title},
            }
        ],
    }
    if created is not None:
        manifest["annotations"] = {"org.opencontainers.image.created": go_time(created)}
    return json.dumps(manifest, indent=2).encode()


def registry_base_url(registry: str, *, tls: bool) -> str:
    """``http(s)://HOST:PORT`` for ``registry``; an explicit scheme in it wins."""
    if registry.startswith(("http://", "https://")):
        return registry.rstrip("/")
    return ("https://" if tls else "http://") + registry


class _Registry:
    """The few registry API calls a push needs, with readable failures."""

    def __init__(
        self, session: requests.Session, base: str, repository: str, verify: str | bool
    ) -> None:
        self.session, self.base, self.repository = session, base, repository
        # Per request, not session.verify: REQUESTS_CA_BUNDLE in the environment would
        # override the session's setting (psf/requests#3829).
        self.verify = verify

    def _url(self, tail: str) -> str:
        return f"{self.base}/v2/{self.repository}/{tail}"

    def _check(self, response: requests.Response, what: str, ok: tuple[int, ...]) -> None:
        if response.status_code not in ok:
            template = PUSH_UNAUTHORIZED if response.status_code in {401, 403} else PUSH_FAILED
            raise PushError(
                template.format(
                    what=what,
                    status=response.status_code,
                    body=response.text[:300].strip() or "(no body)",
                    registry=self.base,
                    repository=self.repository,
                )
            )

    def put_blob(self, blob: bytes) -> None:
        """Upload ``blob`` monolithically (POST, then PUT with its digest) unless present."""
        digest = digest_of(blob)
        head = self.session.head(self._url(f"blobs/{digest}"), verify=self.verify, timeout=_TIMEOUT)
        if head.status_code == 200:
            return
        start = self.session.post(self._url("blobs/uploads/"), verify=self.verify, timeout=_TIMEOUT)
        self._check(start, "the blob upload start", (202,))
        location = urljoin(self.base + "/", start.headers["Location"])
        done = self.session.put(
            location,
            params={"digest": digest},
            data=blob,
            headers={"Content-Type": "application/octet-stream"},
            verify=self.verify,
            timeout=_TIMEOUT,
        )
        self._check(done, f"the upload of blob {digest}", (201,))

    def put_manifest(self, tag: str, manifest: bytes) -> str:
        """PUT ``manifest`` as ``tag``; retry a 5xx (distribution 2.8 flakes on tag writes)."""
        response = None
        for _ in range(_MANIFEST_ATTEMPTS):
            response = self.session.put(
                self._url(f"manifests/{tag}"),
                data=manifest,
                headers={"Content-Type": MANIFEST_MEDIA_TYPE},
                verify=self.verify,
                timeout=_TIMEOUT,
            )
            if response.status_code < 500:
                break
        assert response is not None
        self._check(response, f"the manifest PUT for tag {tag}", (201,))
        return response.headers.get("Docker-Content-Digest") or digest_of(manifest)


def push_db(
    registry: str,
    repository: str,
    tag: str,
    tarball: Path,
    *,
    username: str | None = None,
    password: str | None = None,
    ca: Path | None = None,
    created: datetime | None = None,
    media_type: str = LAYER_MEDIA_TYPE,
    title: str = LAYER_TITLE,
) -> str:
    """Push ``tarball`` as the Trivy DB artifact ``registry/repository:tag`` (the Java DB's
    with its ``media_type`` and ``title``).

    ``registry`` is ``HOST:PORT`` (plain HTTP, or HTTPS when ``ca`` is given) or a URL.
    Basic auth is used when ``username`` is given. Returns the manifest digest.
    """
    layer = tarball.read_bytes()
    with requests.Session() as session:
        if username is not None:
            session.auth = (username, password or "")
        base = registry_base_url(registry, tls=ca is not None)
        api = _Registry(session, base, repository, str(ca) if ca is not None else True)
        api.put_blob(CONFIG_BLOB)
        api.put_blob(layer)
        manifest = render_manifest(layer, created=created, media_type=media_type, title=title)
        return api.put_manifest(tag, manifest)
