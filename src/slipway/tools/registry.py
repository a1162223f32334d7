"""OCI distribution API client (``requests``): auth challenge flow, manifests, blobs.

Used to read what was pushed (index, platform manifests, configs) and to tag by
manifest PUT, so a tag points at exactly the index that was scanned.
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import requests

from slipway.errors import RegistryError
from slipway.oci.manifest import MANIFEST_TYPES, OCI_INDEX, OCI_MANIFEST, Manifest
from slipway.oci.referrers import EMPTY_CONFIG, Artifact, fallback_tag, sha256, with_referrer
from slipway.oci.refs import ImageName, allows_plain_http, is_digest
from slipway.runner import cancel
from slipway.tools.registry_http import Connection, RegistrySession, insufficient_scope


class RegistryClient(RegistrySession):
    """The OCI distribution API of one registry: manifests, blobs, tags."""

    def get_manifest(self, repository: str, reference: str) -> Manifest:
        """Fetch a manifest or index by tag or digest, exactly as stored."""
        scope = f"repository:{repository}:pull"
        response = self.request(
            "GET",
            f"/v2/{repository}/manifests/{reference}",
            scope,
            headers={"Accept": ", ".join(MANIFEST_TYPES)},
        )
        _raise_for(response, f"{self.registry}/{repository}:{reference}")
        digest = "sha256:" + hashlib.sha256(response.content).hexdigest()
        media_type = response.headers.get("Content-Type", "").split(";")[0]
        return Manifest(digest, media_type, response.content)

    def find_manifest(self, repository: str, reference: str) -> Manifest | None:
        """`get_manifest`, or None when the reference does not exist (404)."""
        try:
            return self.get_manifest(repository, reference)
        except RegistryError as error:
            if error.status == 404:
                return None
            raise

    def head_digest(self, repository: str, reference: str) -> str | None:
        """The digest ``reference`` names now (``HEAD``: Docker Hub counts no pull for it),
        or None when it does not exist (404)."""
        scope = f"repository:{repository}:pull"
        response = self.request(
            "HEAD",
            f"/v2/{repository}/manifests/{reference}",
            scope,
            headers={"Accept": ", ".join(MANIFEST_TYPES)},
        )
        if response.status_code == 404:
            return None
        _raise_for(response, f"{self.registry}/{repository}:{reference}")
        digest = response.headers.get("Docker-Content-Digest", "")
        if not is_digest(digest):
            raise RegistryError(
                f"{self.registry}/{repository}:{reference}: the registry named no digest"
            )
        return digest

    def delete_tag(self, repository: str, tag: str) -> bool:
        """Delete a tag (OCI distribution 1.1 allows it; many registries refuse): True when done."""
        scope = f"repository:{repository}:pull,push,delete"
        response = self.request("DELETE", f"/v2/{repository}/manifests/{tag}", scope)
        return response.status_code in (200, 202)

    def put_manifest(
        self, repository: str, reference: str, manifest: Manifest
    ) -> Mapping[str, str]:
        """Store ``manifest`` under ``reference`` (a tag or its digest): one atomic PUT; the
        response's headers (``OCI-Subject``: the registry lists referrers itself)."""
        scope = f"repository:{repository}:pull,push"
        response = self.request(
            "PUT",
            f"/v2/{repository}/manifests/{reference}",
            scope,
            data=manifest.body,
            headers={"Content-Type": manifest.media_type},
        )
        _raise_for(response, f"{self.registry}/{repository}:{reference}")
        return response.headers

    def get_blob_json(self, repository: str, digest: str) -> dict[str, Any]:
        """A small JSON blob (an image config) by digest."""
        response = self.request(
            "GET", f"/v2/{repository}/blobs/{digest}", f"repository:{repository}:pull"
        )
        _raise_for(response, f"{self.registry}/{repository}@{digest}")
        data: dict[str, Any] = response.json()
        return data

    def get_blob(self, repository: str, digest: str) -> bytes:
        """A small blob by digest (an in-toto statement), checked against its digest."""
        response = self.request(
            "GET", f"/v2/{repository}/blobs/{digest}", f"repository:{repository}:pull"
        )
        _raise_for(response, f"{self.registry}/{repository}@{digest}")
        if sha256(response.content) != digest:
            raise RegistryError(f"{self.registry}/{repository}@{digest}: the blob's digest differs")
        return response.content

    # Streaming blob reads (the size analysis reads layers without pulling them).
    @contextlib.contextmanager
    def open_blob(self, repository: str, digest: str) -> Iterator[requests.Response]:
        """A blob as a stream (``response.raw``, still compressed), for layer tarballs.

        Nothing is buffered in memory or written to disk; the connection is released
        when the ``with`` block ends. Redirects to blob storage are followed.
        """
        response = self.request(
            "GET", f"/v2/{repository}/blobs/{digest}", f"repository:{repository}:pull", stream=True
        )
        try:
            _raise_for(response, f"{self.registry}/{repository}@{digest}")
            response.raw.decode_content = False  # the layer's own compression is read as is
            yield response
        finally:
            response.close()

    def tags(self, repository: str, limit: int = 10_000) -> list[str]:
        """The repository's tags (``GET /v2/<name>/tags/list``, page by page through the
        ``Link`` header), at most ``limit``; [] when the repository does not exist."""
        scope = f"repository:{repository}:pull"
        path: str | None = f"/v2/{repository}/tags/list?n=1000"
        found: list[str] = []
        while path and len(found) < limit:
            response = self.request("GET", path, scope)
            if response.status_code == 404:
                return []
            _raise_for(response, f"{self.registry}/{repository} tags")
            try:
                page = response.json().get("tags") or []
            except (ValueError, AttributeError):
                raise RegistryError(f"{self.registry}/{repository}: tags are not JSON") from None
            found += [t for t in page if isinstance(t, str)]
            following = response.links.get("next", {}).get("url", "")
            path = following if following.startswith(f"/v2/{repository}/tags/list") else None
        return found[:limit]

    def referrers(self, repository: str, digest: str, artifact_type: str) -> list[dict[str, Any]]:
        """The descriptors of the artifacts of ``artifact_type`` that refer to ``digest``:
        the referrers API (OCI 1.1), else the referrers tag schema's index."""
        scope = f"repository:{repository}:pull"
        response = self.request(
            "GET",
            f"/v2/{repository}/referrers/{digest}?artifactType={artifact_type}",
            scope,
            headers={"Accept": OCI_INDEX},
        )
        if response.status_code == 200:
            document: Any = response.json()
        elif response.status_code in (404, 405):
            fallback = self.find_manifest(repository, fallback_tag(digest))
            document = fallback.json() if fallback is not None else {}
        else:
            _raise_for(response, f"{self.registry}/{repository}@{digest} referrers")
            document = {}
        manifests = document.get("manifests") if isinstance(document, dict) else None
        return [
            m
            for m in (manifests or [])
            if isinstance(m, dict) and m.get("artifactType") == artifact_type
        ]

    def check_login(self) -> None:
        """Prove the credentials are accepted (what ``docker login`` checks: ``GET /v2/``)."""
        response = self.request("GET", "/v2/", "")
        if response.status_code == 401:
            raise RegistryError(
                f"{self.registry} refused the credentials (HTTP 401)",
                "Check `username`/`password` (or the entry in `registry-auth`) for this registry.",
                status=401,
            )
        _raise_for(response, f"login to {self.registry}")

    def check_push(self, repository: str) -> None:
        """Preflight: prove the credentials may push to ``repository``, in seconds.

        Starts a blob upload (which needs push rights, as the real push will) and
        cancels it again, so nothing is written.
        """
        scope = f"repository:{repository}:pull,push"
        started = self.request("POST", f"/v2/{repository}/blobs/uploads/", scope)
        if started.status_code == 401 and self._auth is None:
            raise RegistryError(
                f"push to {self.registry}/{repository} needs credentials: the registry answered 401",
                "Give them as `username` + `password` (with `registry`), or in `registry-auth`.",
                status=401,
            )
        _raise_for(started, f"push to {self.registry}/{repository} (preflight)")
        location = started.headers.get("Location", "")
        if location:
            target = urljoin(self._url(f"/v2/{repository}/blobs/uploads/"), location)
            self.attempt("DELETE", target.removeprefix(self._url("")), scope)

    def blob_exists(self, repository: str, digest: str) -> bool:
        """True when the registry already has the blob in ``repository``."""
        response = self.request(
            "HEAD", f"/v2/{repository}/blobs/{digest}", f"repository:{repository}:pull,push"
        )
        return response.status_code == 200

    def push_blob(self, repository: str, digest: str, path: Path) -> bool:
        """Upload one blob from a file (POST, then one PUT); False when it was there already.

        A PUT that failed half-way cannot be resumed, so a transient failure starts
        a new upload session, within the same retry budget as every other request.
        """
        if self.blob_exists(repository, digest):
            return False
        scope = f"repository:{repository}:pull,push"

        def upload() -> requests.Response:
            started = self.request("POST", f"/v2/{repository}/blobs/uploads/", scope)
            _raise_for(started, f"{self.registry}/{repository} (start upload)")
            location = urljoin(
                self._url(f"/v2/{repository}/blobs/uploads/"), started.headers["Location"]
            )
            target = (
                location.removeprefix(self._url(""))
                + ("&" if "?" in location else "?")
                + f"digest={digest}"
            )
            headers = {
                "Content-Type": "application/octet-stream",
                "Content-Length": str(path.stat().st_size),
            }
            with path.open("rb") as handle:
                return self.attempt("PUT", target, scope, data=handle, headers=headers)

        _raise_for(self.retried(upload), f"{self.registry}/{repository}@{digest}")
        return True


def push_artifact(
    registry: RegistryClient, repository: str, piece: Artifact, payload: bytes, work: Path
) -> str:
    """Push one artifact that refers to an image (its empty config, ``payload`` as its one
    layer, its manifest by digest); how the registry lists it: "referrers API" when the
    registry answered the manifest PUT with ``OCI-Subject``, else the referrers tag schema's
    index, which is extended ("tag sha256-<hex>"). The scan report, the SBOMs and the
    Sigstore bundles all go this way."""
    for blob in (EMPTY_CONFIG, payload):
        path = work / f"blob-{sha256(blob).removeprefix('sha256:')}"
        path.write_bytes(blob)
        registry.push_blob(repository, sha256(blob), path)
    subject = piece.subject
    headers = registry.put_manifest(
        repository, piece.digest, Manifest(piece.digest, OCI_MANIFEST, piece.body)
    )
    if headers.get("OCI-Subject") == subject:
        return "referrers API"
    tag = fallback_tag(subject)
    existing = registry.find_manifest(repository, tag)
    listing = with_referrer(existing.json() if existing else None, piece.index_entry())
    registry.put_manifest(repository, tag, Manifest(sha256(listing), OCI_INDEX, listing))
    return f"tag {tag}"


DOCKER_CERTS_D = Path("/etc/docker/certs.d")


def registry_ca(registry: str, certs_d: Path = DOCKER_CERTS_D) -> str:
    """The CA Docker uses for ``registry`` (``certs.d/<registry>/ca.crt``), or ""."""
    candidate = certs_d / registry / "ca.crt"
    return str(candidate) if candidate.is_file() else ""


def connection_for(
    image: ImageName,
    username: str = "",
    password: str = "",
    *,
    retry_budget: float = 60.0,
    insecure_registries: tuple[str, ...] = (),
    ca_bundle: str = "",
) -> Connection:
    """How to reach the registry of ``image``, trusting ``ca_bundle`` (the public roots and
    `registry-ca`), else what Docker trusts for it."""
    loopback = allows_plain_http(image.registry, insecure_registries)
    return Connection(
        image.registry,
        username,
        password,
        loopback=loopback,  # verified only against a certs.d CA, as Docker does
        ca_bundle=registry_ca(image.registry) or ("" if loopback else ca_bundle),
        retry_budget=retry_budget,
    )


class RegistryClients:
    """The registry clients of one run: one per registry and login, made when first asked
    for and shared after, so every request a run makes to a registry shares one connection
    pool, its bearer tokens and its retry budget. Thread-safe (the size analysis asks from
    its own thread)."""

    def __init__(
        self,
        sleep: Callable[[float], None] = cancel.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._sleep = sleep
        self._clock = clock
        self._lock = threading.Lock()
        self._clients: dict[Connection, RegistryClient] = {}

    def client(self, connection: Connection) -> RegistryClient:
        """The run's client for ``connection``, made on first use."""
        with self._lock:
            found = self._clients.get(connection)
            if found is None:
                found = RegistryClient(connection, self._sleep, self._clock)
                self._clients[connection] = found
            return found


def _raise_for(response: requests.Response, what: str) -> None:
    if response.ok:
        return
    detail = response.text[:300].strip()
    if insufficient_scope(response):
        raise RegistryError(
            f"{what}: HTTP 401 insufficient_scope {detail}",
            "The credentials are valid but lack push/pull rights on this repository.",
            status=403,
        )
    hints = {
        401: "Check `username`/`password` for this registry.",
        403: "The credentials are valid but lack push/pull rights on this repository.",
        404: "The repository or reference does not exist.",
    }
    raise RegistryError(
        f"{what}: HTTP {response.status_code} {detail}",
        hints.get(response.status_code, ""),
        status=response.status_code,
    )
