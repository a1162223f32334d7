"""A registry with the bearer-token flow the clouds' registries use (GAR, ACR, Docker Hub,
GHCR): Debian's ``docker-registry`` (distribution 2.8) with ``auth: token``, and a token
service on a thread at its realm that checks basic auth against a table the test gives.

The registry answers 401 with ``WWW-Authenticate: Bearer realm=...,service=...,scope=...``;
the client asks the realm for a JWT with basic auth and the scope, then retries with
``Authorization: Bearer <jwt>``. Distribution verifies the JWT against ``rootcertbundle``:
the token carries its signing certificate in the ``x5c`` header (standard base64 DER),
which must chain to a certificate of that bundle (here: the same self-signed one).
"""

from __future__ import annotations

import base64
import binascii
import datetime
import hmac
import json
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

import jwt
import requests
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePrivateKey

from tests.support.lifecycle import Running, serve_in_thread
from tests.support.regfront.backend import LocalRegistry, write_self_signed

REGISTRY_LEEWAY = 60  # seconds distribution adds to a token's exp (registry/auth/token)
ACTIONS = ("pull", "push", "delete")


@dataclass(frozen=True)
class TokenRequest:
    """One request the token service answered."""

    username: str  # as basic auth claimed it, "" when anonymous
    scopes: tuple[str, ...]  # the non-empty ``scope`` values, as sent
    service: str
    status: int  # 200: a token was issued


@dataclass(frozen=True)
class Signer:
    """The token service's key and the certificate the registry trusts."""

    key: EllipticCurvePrivateKey
    x5c: str  # the certificate, base64 DER (not URL-safe), for the JWT header

    @classmethod
    def load(cls, cert: Path, key: Path) -> Signer:
        """From ``write_self_signed``'s PEM files."""
        private = serialization.load_pem_private_key(key.read_bytes(), password=None)
        assert isinstance(private, EllipticCurvePrivateKey)
        der = x509.load_pem_x509_certificate(cert.read_bytes()).public_bytes(
            serialization.Encoding.DER
        )
        return cls(private, base64.b64encode(der).decode())


def parse_scopes(values: list[str]) -> list[tuple[str, str, list[str]]]:
    """``repository:team/app:pull,push`` -> [("repository", "team/app", ["pull", "push"])];
    several scopes may share one value, space-separated; empty values are skipped."""
    found = []
    for scope in (s for value in values for s in value.split()):
        kind, _, rest = scope.partition(":")
        name, _, actions = rest.rpartition(":")
        if kind and name:
            found.append((kind, name, [a for a in actions.split(",") if a]))
    return found


class _Handler(BaseHTTPRequestHandler):
    server: _TokenServer

    def do_GET(self) -> None:
        """``GET /token?service=...&scope=...``, with or without basic auth."""
        url = urlsplit(self.path)
        if url.path != "/token":
            self._reply(404, {"errors": [{"code": "NOT_FOUND"}]})
            return
        query = parse_qs(url.query, keep_blank_values=True)
        status, body = self.server.owner.answer(self.headers.get("Authorization", ""), query)
        self._reply(status, body)

    def _reply(self, status: int, body: Mapping[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if status == 401:
            self.send_header("WWW-Authenticate", 'Basic realm="token-registry"')
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the tests say what went wrong."""


class _TokenServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, owner: TokenRegistry) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.owner = owner


class _Backend(LocalRegistry):
    """`LocalRegistry` with ``auth: token`` instead of htpasswd."""

    def __init__(self, root: Path, token_auth: Mapping[str, str]) -> None:
        super().__init__(root)
        self.token_auth = token_auth

    def _config(self) -> str:
        fields = "".join(f"    {key}: {value}\n" for key, value in self.token_auth.items())
        return super()._config() + "auth:\n  token:\n" + fields

    def relaunch(self) -> None:
        """Stop, then serve again on the same port with the config as it is now (the
        storage stays): what a registry operator's restart looks like to a client."""
        self.stop()
        config = self.root / "config.yml"
        config.write_text(self._config())
        with (self.root / "registry.log").open("ab") as log:
            self._process = subprocess.Popen(
                ["docker-registry", "serve", str(config)], stdout=log, stderr=log
            )
        if not self._wait_ready():
            raise RuntimeError(f"docker-registry did not start again, see {self.root}/registry.log")


class TokenRegistry(Running):
    """``with TokenRegistry({"oauth2accesstoken": token}) as registry:`` a token-auth
    registry at ``registry.address``, its token service recording ``registry.requests``.

    ``accepted``: username -> password; ``read_only``: usernames granted pull alone;
    anonymous requests get a token granting nothing (as Docker Hub and GHCR answer them);
    ``token_seconds``: how long the registry honours a token (``expires_in``).
    """

    def __init__(
        self,
        accepted: Mapping[str, str],
        *,
        read_only: Collection[str] = (),
        token_seconds: int = 300,
        service: str = "token-registry.test",
    ) -> None:
        self.accepted = dict(accepted)
        self.read_only = frozenset(read_only)
        self.token_seconds = token_seconds
        self.service = service
        self.issuer = "token-registry-issuer"
        self.requests: list[TokenRequest] = []
        self._root: Path | None = None
        self._server: _TokenServer | None = None
        self._backend: _Backend | None = None
        self._signer: Signer | None = None

    @property
    def address(self) -> str:
        """``127.0.0.1:PORT`` of the registry."""
        assert self._backend is not None, "not started"
        return self._backend.address

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT`` of the registry."""
        return f"http://{self.address}"

    @property
    def realm(self) -> str:
        """The token service's URL, as the registry's challenge names it."""
        assert self._server is not None, "not started"
        return f"http://127.0.0.1:{self._server.server_address[1]}/token"

    def start(self) -> Self:
        """Key and certificate, token service, then the registry; all undone on failure."""
        self._root = Path(tempfile.mkdtemp(prefix="slipway-token-registry-"))
        try:
            cert, key = write_self_signed(self._root / "signing")
            self._signer = Signer.load(cert, key)
            self._server = _TokenServer(self)
            serve_in_thread(self._server)
            auth = {
                "realm": self.realm,
                "service": self.service,
                "issuer": self.issuer,
                "rootcertbundle": str(cert),
            }
            self._backend = _Backend(self._root / "registry", auth)
            self._backend.start()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Registry process, token service, temporary files: each gone."""
        if self._backend is not None:
            self._backend.stop()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._root is not None:
            shutil.rmtree(self._root, ignore_errors=True)
            self._root = None

    def revoke_tokens(self) -> None:
        """From now on the registry refuses every token issued so far, as it refuses an
        expired one (401 with a Bearer challenge, ``error="invalid_token"``): a new signing
        key, the only one the registry trusts after a restart on its port. No waiting for
        a token to expire."""
        assert self._root is not None, "not started"
        assert self._backend is not None, "not started"
        cert, key = write_self_signed(self._root / f"signing-{uuid.uuid4().hex[:8]}")
        self._signer = Signer.load(cert, key)
        self._backend.token_auth = {**self._backend.token_auth, "rootcertbundle": str(cert)}
        self._backend.relaunch()

    def registry_log(self) -> str:
        """What the registry process logged so far (for failure messages)."""
        if self._root is None:
            return ""
        log = self._root / "registry" / "registry.log"
        return log.read_text(errors="replace") if log.is_file() else ""

    def _login(self, authorization: str) -> tuple[str, bool]:
        """(the username basic auth claims, "" when anonymous; whether it is let in)."""
        scheme, _, encoded = authorization.partition(" ")
        if not authorization:
            return "", True
        if scheme.lower() != "basic":
            return "", False
        try:
            username, _, password = base64.b64decode(encoded).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return "", False
        expected = self.accepted.get(username)
        known = expected is not None and hmac.compare_digest(expected.encode(), password.encode())
        return username, known

    def answer(self, authorization: str, query: Mapping[str, list[str]]) -> tuple[int, Any]:
        """The token service's answer (status, JSON body); every request is recorded."""
        service = (query.get("service") or [""])[0]
        scopes = tuple(s for s in query.get("scope", []) if s)
        username, known = self._login(authorization)
        status = 401 if not known else 400 if service != self.service else 200
        self.requests.append(TokenRequest(username, scopes, service, status))
        if status == 401:
            return 401, {"errors": [{"code": "UNAUTHORIZED", "message": "bad credentials"}]}
        if status == 400:
            return 400, {"errors": [{"code": "INVALID_REQUEST", "message": "unknown service"}]}
        allowed = set() if not username else {"pull"} if username in self.read_only else ACTIONS
        access = [
            {"type": kind, "name": name, "actions": [a for a in actions if a in allowed]}
            for kind, name, actions in parse_scopes(list(scopes))
        ]
        token = self.issue(username, access)
        issued = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
        body = {
            "token": token,
            "access_token": token,
            "expires_in": self.token_seconds,
            "issued_at": issued,
        }
        return 200, body

    def issue(self, subject: str, access: list[dict[str, Any]]) -> str:
        """A JWT the registry accepts for ``token_seconds``, granting ``access``."""
        assert self._signer is not None, "not started"
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "sub": subject,
            "aud": self.service,
            "exp": now + self.token_seconds - REGISTRY_LEEWAY,
            "nbf": now,
            "iat": now,
            "jti": uuid.uuid4().hex,
            "access": access,
        }
        headers = {"x5c": [self._signer.x5c]}
        return jwt.encode(claims, self._signer.key, algorithm="ES256", headers=headers)

    def get(self, path: str, repository: str, **kwargs: Any) -> requests.Response:
        """``GET`` on the registry with a pull token issued directly (not recorded)."""
        access = [{"type": "repository", "name": repository, "actions": ["pull"]}]
        headers = {"Authorization": f"Bearer {self.issue('test-reader', access)}"}
        headers.update(kwargs.pop("headers", {}))
        return requests.get(f"{self.url}{path}", headers=headers, timeout=30, **kwargs)
