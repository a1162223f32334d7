"""OCI distribution API client (``requests``): auth challenge flow, manifests, blobs.

Used to read what was pushed (index, platform manifests, configs) and to tag by
manifest PUT, so a tag points at exactly the index that was scanned.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import time
import warnings
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import requests
import urllib3

from slipway.errors import RegistryError
from slipway.refs import ImageName, allows_plain_http

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
MANIFEST_TYPES = (OCI_INDEX, OCI_MANIFEST, DOCKER_LIST, DOCKER_MANIFEST)
INDEX_TYPES = (OCI_INDEX, DOCKER_LIST)
TRANSIENT_STATUS = frozenset({408, 429, 500, 502, 503, 504})
_CHALLENGE_PARAM = re.compile(r'(\w+)="([^"]*)"')


@dataclass(frozen=True)
class Manifest:
    """A manifest as the registry serves it: exact bytes, type and digest."""

    digest: str
    media_type: str
    body: bytes

    def json(self) -> dict[str, Any]:
        """The parsed document."""
        data: dict[str, Any] = json.loads(self.body)
        return data

    @property
    def is_index(self) -> bool:
        """True for an OCI index or a Docker manifest list."""
        return self.media_type in INDEX_TYPES


@dataclass(frozen=True)
class PlatformManifest:
    """One image manifest of an index, by platform."""

    platform: str
    digest: str
    size: int


def platform_manifests(index: Mapping[str, Any]) -> list[PlatformManifest]:
    """The runnable images of an index; attestation manifests (unknown/unknown) are left out."""
    found: list[PlatformManifest] = []
    for entry in index.get("manifests", []):
        annotations = entry.get("annotations") or {}
        if annotations.get("vnd.docker.reference.type") == "attestation-manifest":
            continue
        platform = entry.get("platform") or {}
        name = "/".join(
            p
            for p in (platform.get("os"), platform.get("architecture"), platform.get("variant"))
            if p
        )
        if name and name != "unknown/unknown":
            found.append(PlatformManifest(name, entry["digest"], int(entry.get("size", 0))))
    return found


def parse_challenge(header: str) -> tuple[str, dict[str, str]]:
    """``Bearer realm="...",service="..."`` -> ("bearer", {...})."""
    scheme, _, rest = header.strip().partition(" ")
    return scheme.lower(), dict(_CHALLENGE_PARAM.findall(rest))


DOCKER_HUB_NAMES = frozenset({"docker.io", "index.docker.io", "registry-1.docker.io"})
DOCKER_HUB_API = "registry-1.docker.io"


class RegistryClient:
    """Talks to one registry with optional credentials; retries transient failures."""

    def __init__(
        self,
        registry: str,
        username: str = "",
        password: str = "",
        *,
        loopback: bool = False,
        ca_bundle: str = "",
        timeout: float = 30.0,
        retry_budget: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.registry = registry
        self._auth = (username, password) if username else None
        self._schemes = ["https", "http"] if loopback else ["https"]
        # Like Docker: a CA from /etc/docker/certs.d/<registry>/, else the system store;
        # loopback registries are "insecure" (no verification, plain HTTP allowed).
        self._verify: str | bool = ca_bundle or not loopback
        self._timeout = timeout
        self._retry_budget = retry_budget
        self._failing_since: float | None = None  # start of the current run of failures
        self._sleep = sleep
        self._session = requests.Session()
        self._tokens: dict[str, str] = {}

    def _url(self, path: str) -> str:
        host = DOCKER_HUB_API if self.registry in DOCKER_HUB_NAMES else self.registry
        return f"{self._schemes[0]}://{host}{path}"

    def _send(self, method: str, path: str, scope: str, **kwargs: Any) -> requests.Response:
        headers = dict(kwargs.pop("headers", {}))
        token = self._tokens.get(scope)
        if token:
            headers["Authorization"] = token
        try:
            with warnings.catch_warnings():
                # verify=False is used only for loopback registries, as Docker does.
                warnings.simplefilter("ignore", urllib3.exceptions.InsecureRequestWarning)
                return self._session.request(
                    method,
                    self._url(path),
                    headers=headers,
                    timeout=self._timeout,
                    verify=self._verify,
                    **kwargs,
                )
        except requests.exceptions.SSLError:
            if len(self._schemes) > 1:  # a loopback registry without TLS, as Docker allows
                self._schemes.pop(0)
                return self._send(method, path, scope, headers=headers, **kwargs)
            raise

    def _out_of_budget(self, delay: float) -> bool:
        """True when waiting ``delay`` more would exceed the retry budget.

        The budget bounds a run of consecutive failures across all requests, so a
        registry that is down for good fails the push within the budget, however
        many blobs remain; any success starts a new budget.
        """
        now = time.monotonic()
        if self._failing_since is None:
            self._failing_since = now
        return now + delay - self._failing_since > self._retry_budget

    def attempt(self, method: str, path: str, scope: str, **kwargs: Any) -> requests.Response:
        """One request, answering an authentication challenge once; no retries."""
        response = self._send(method, path, scope, **kwargs)
        if (
            response.status_code == 401
            and scope not in self._tokens
            and self._authenticate(response, scope)
        ):
            response = self._send(method, path, scope, **kwargs)
        return response

    def request(self, method: str, path: str, scope: str, **kwargs: Any) -> requests.Response:
        """`attempt` with bounded, backed-off retries of transient errors (429, 5xx, resets)."""
        delay = 0.5
        while True:
            try:
                response = self.attempt(method, path, scope, **kwargs)
            except requests.exceptions.ConnectionError as error:
                if self._out_of_budget(delay):
                    raise RegistryError(f"cannot reach registry {self.registry}: {error}") from None
            else:
                if response.status_code not in TRANSIENT_STATUS:
                    self._failing_since = None
                    return response
                if self._out_of_budget(delay):
                    return response
                delay = max(delay, float(response.headers.get("Retry-After", "0") or 0))
            self._sleep(delay)
            delay = min(delay * 2, 8.0)

    def _authenticate(self, response: requests.Response, scope: str) -> bool:
        """Answer a challenge; False when there is nothing to answer it with (no
        credentials for basic auth): the caller sees the 401 and says what it means."""
        scheme, params = parse_challenge(response.headers.get("WWW-Authenticate", ""))
        if scheme == "basic":
            if self._auth is None:
                return False
            basic = requests.auth._basic_auth_str(*self._auth)
            self._tokens[scope] = basic
            return True
        if scheme != "bearer" or "realm" not in params:
            raise RegistryError(
                f"{self.registry} sent an authentication challenge Slipway does not understand"
            )
        query = {"service": params.get("service", ""), "scope": scope}
        reply = self._session.get(
            params["realm"],
            params=query,
            auth=self._auth,
            timeout=self._timeout,
            verify=self._verify,
        )
        if reply.status_code != 200:
            raise RegistryError(
                f"{self.registry} refused the credentials (HTTP {reply.status_code} from token service)"
            )
        body = reply.json()
        self._tokens[scope] = "Bearer " + str(body.get("token") or body.get("access_token") or "")
        return True

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

    def delete_tag(self, repository: str, tag: str) -> bool:
        """Delete a tag (OCI distribution 1.1 allows it; many registries refuse): True when done."""
        scope = f"repository:{repository}:pull,push,delete"
        response = self.request("DELETE", f"/v2/{repository}/manifests/{tag}", scope)
        return response.status_code in (200, 202)

    def put_manifest(self, repository: str, reference: str, manifest: Manifest) -> None:
        """Store ``manifest`` under ``reference`` (a tag): one atomic PUT."""
        scope = f"repository:{repository}:pull,push"
        response = self.request(
            "PUT",
            f"/v2/{repository}/manifests/{reference}",
            scope,
            data=manifest.body,
            headers={"Content-Type": manifest.media_type},
        )
        _raise_for(response, f"{self.registry}/{repository}:{reference}")

    def get_blob_json(self, repository: str, digest: str) -> dict[str, Any]:
        """A small JSON blob (an image config) by digest."""
        response = self.request(
            "GET", f"/v2/{repository}/blobs/{digest}", f"repository:{repository}:pull"
        )
        _raise_for(response, f"{self.registry}/{repository}@{digest}")
        data: dict[str, Any] = response.json()
        return data

    # --- issue 8 (size analysis): streaming blob reads ---------------------------------
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

    # --- end issue 8 --------------------------------------------------------------------

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
        delay = 0.5
        while True:
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
            try:
                with path.open("rb") as handle:
                    finished = self.attempt("PUT", target, scope, data=handle, headers=headers)
            except requests.exceptions.ConnectionError as error:
                if self._out_of_budget(delay):
                    raise RegistryError(f"cannot reach registry {self.registry}: {error}") from None
            else:
                if finished.status_code not in TRANSIENT_STATUS or self._out_of_budget(delay):
                    _raise_for(finished, f"{self.registry}/{repository}@{digest}")
                    self._failing_since = None
                    return True
            self._sleep(delay)
            delay = min(delay * 2, 8.0)


DOCKER_CERTS_D = Path("/etc/docker/certs.d")


def registry_ca(registry: str, certs_d: Path = DOCKER_CERTS_D) -> str:
    """The CA Docker uses for ``registry`` (``certs.d/<registry>/ca.crt``), or ""."""
    candidate = certs_d / registry / "ca.crt"
    return str(candidate) if candidate.is_file() else ""


def client_for(
    image: ImageName,
    username: str = "",
    password: str = "",
    *,
    retry_budget: float = 60.0,
    insecure_registries: tuple[str, ...] = (),
) -> RegistryClient:
    """A client for the registry of ``image``, trusting what Docker trusts for it."""
    return RegistryClient(
        image.registry,
        username,
        password,
        loopback=allows_plain_http(image.registry, insecure_registries),
        ca_bundle=registry_ca(image.registry),
        retry_budget=retry_budget,
    )


def _raise_for(response: requests.Response, what: str) -> None:
    if response.ok:
        return
    detail = response.text[:300].strip()
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
