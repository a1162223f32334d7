"""Local HTTP stand-ins for keyless AWS logins: GitHub's OIDC token service as a job sees it
(ACTIONS_ID_TOKEN_REQUEST_URL and _TOKEN), and an AWS endpoint with one canned answer that
keeps what it was sent. Each serves on 127.0.0.1 from a thread, as a context manager."""

from __future__ import annotations

import base64
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Self
from urllib.parse import parse_qs, urlsplit

ISSUER = "https://token.actions.githubusercontent.com"
TOKEN_PATH = "/_apis/distributedtask/hubs/build/plans/p/jobs/j/idtoken"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwt_shaped(audience: str, subject: str, extra: dict[str, str] | None = None) -> str:
    """header.claims.signature, as GitHub issues them (the signature is not a real one);
    ``extra`` adds claims (GitHub's ``job_workflow_ref``, ``repository``, ...)."""
    header = {"alg": "RS256", "typ": "JWT", "kid": "standin"}
    now = int(time.time())
    claims: dict[str, object] = dict(extra or {})
    claims |= {"iss": ISSUER, "aud": audience, "sub": subject, "iat": now, "exp": now + 300}
    parts = [json.dumps(part).encode() for part in (header, claims)] + [b"not-a-signature"]
    return ".".join(_b64url(part) for part in parts)


@dataclass
class Recorded:
    """One request a stand-in received."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        request = Recorded(self.command, self.path, dict(self.headers.items()), body)
        self.server.owner.requests.append(request)
        status, content_type, answer = self.server.owner.answer(request)
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    do_GET = do_POST = _handle

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the tests say what went wrong."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, owner: _Standin) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.owner = owner


@dataclass
class _Standin:
    requests: list[Recorded] = field(default_factory=list, init=False)
    _server: _Server | None = field(default=None, init=False, repr=False)

    def answer(self, request: Recorded) -> tuple[int, str, bytes]:
        raise NotImplementedError

    @property
    def url(self) -> str:
        assert self._server is not None, "use the stand-in as a context manager"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> Self:
        self._server = _Server(self)
        serve = self._server.serve_forever
        threading.Thread(target=serve, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()


@dataclass
class OidcStandin(_Standin):
    """GitHub's token service: a JWT for ``?audience=`` to the bearer of ``request_token``."""

    request_token: str = field(default="standin-request-token", repr=False)
    subject: str = "repo:octo-org/hello:ref:refs/heads/main"
    claims: dict[str, str] = field(default_factory=dict)  # more claims in every token

    @property
    def env(self) -> dict[str, str]:
        """The two variables GitHub gives a job with ``permissions: id-token: write``."""
        return {
            "ACTIONS_ID_TOKEN_REQUEST_URL": f"{self.url}{TOKEN_PATH}?api-version=2.0",
            "ACTIONS_ID_TOKEN_REQUEST_TOKEN": self.request_token,
        }

    def answer(self, request: Recorded) -> tuple[int, str, bytes]:
        parts = urlsplit(request.path)
        query = parse_qs(parts.query)
        if request.method != "GET" or parts.path != TOKEN_PATH:
            return 404, "application/json", b'{"message": "Not Found"}'
        if request.headers.get("Authorization") != f"Bearer {self.request_token}":
            return 401, "application/json", b'{"message": "Bad credentials"}'
        if query.get("api-version") != ["2.0"] or len(query.get("audience", [])) != 1:
            return 400, "application/json", b'{"message": "audience and api-version=2.0 needed"}'
        token = jwt_shaped(query["audience"][0], self.subject, self.claims)
        return 200, "application/json", json.dumps({"count": 1, "value": token}).encode()


@dataclass
class CannedAws(_Standin):
    """An AWS endpoint that gives every request the same answer."""

    status: int = 200
    body: bytes = b"{}"
    content_type: str = "application/x-amz-json-1.1"

    def answer(self, request: Recorded) -> tuple[int, str, bytes]:
        return self.status, self.content_type, self.body
