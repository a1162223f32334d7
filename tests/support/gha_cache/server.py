"""The HTTP side: a Twirp JSON server for the cache service, and the test-facing handle.

Every request is checked the way a Twirp server and the real service would: route
(``POST /twirp/github.actions.results.api.v1.CacheService/<Method>``, else ``bad_route``),
``Content-Type: application/json`` (parameters ignored; else ``bad_route``), the bearer
token (else ``unauthenticated``), the JSON body against the message shape (else
``malformed``) and the fields the service needs (else ``invalid_argument``). Each refusal is
answered with a Twirp JSON error *and* recorded in ``violations``.
"""

from __future__ import annotations

import copy
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

from tests.support.lifecycle import Running, serve_in_thread

from .azure import BlobAccount, BlobInfo
from .messages import METHODS, DecodeError, MissingFieldError, check_required, decode
from .service import CacheService, TwirpError
from .store import Entry, RequestRecord, Store, Violation
from .tokens import Scope, make_runtime_token, token_scopes

SERVICE = "github.actions.results.api.v1.CacheService"
PREFIX = f"/twirp/{SERVICE}/"
DEFAULT_CONTAINER = "actions-cache"


class _Handler(BaseHTTPRequestHandler):
    """One request; the server's ``standin`` attribute holds the state."""

    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet (the request log is in ``standin.requests``)."""

    def do_POST(self) -> None:
        """Serve a Twirp call."""
        self._serve()

    def do_GET(self) -> None:
        """Twirp only routes POST."""
        self._serve()

    do_PUT = do_DELETE = do_PATCH = do_HEAD = do_GET

    def _serve(self) -> None:
        """Read, answer and log one request."""
        body = self._read_body()
        status, answer, parsed = self.server.standin.handle(
            self.command, self.path, dict(self.headers.items()), body
        )
        self._reply(status, answer)
        self.server.standin.record(self.command, self.path, parsed, status, answer)

    def _read_body(self) -> bytes:
        """Read a Content-Length or chunked body."""
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                pass
            return b"".join(chunks)
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _reply(self, status: int, answer: dict[str, Any]) -> None:
        """Send a JSON answer with its length (keep-alive connections)."""
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)


class _Server(ThreadingHTTPServer):
    """The HTTP server, pointing at its stand-in."""

    daemon_threads = True
    standin: GhaCacheStandin


class GhaCacheStandin(Running):
    """A cache service v2 stand-in whose blob URLs point at an Azurite blob account.

    ``azurite_blob_url`` is the account endpoint, e.g. ``Azurite().account_url``
    (``http://127.0.0.1:PORT/devstoreaccount1``). ``token`` is the runtime token clients must
    send (a JWT, see :mod:`.tokens`); one is made for ``refs/heads/main`` when omitted.
    """

    def __init__(
        self,
        azurite_blob_url: str,
        token: str | None = None,
        container: str = DEFAULT_CONTAINER,
        host: str = "127.0.0.1",
        port: int = 0,
        sas_ttl: timedelta = timedelta(hours=1),
    ) -> None:
        self.token = token or make_runtime_token()
        self.scopes: tuple[Scope, ...] = token_scopes(self.token)
        self.container = container
        self.blob_account = BlobAccount(azurite_blob_url)
        self.store = Store()
        self.service = CacheService(self.store, self.blob_account, container, self.scopes, sas_ttl)
        self._address = (host, port)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------------------
    def start(self) -> Self:
        """Create the container in Azurite and start serving on a background thread."""
        self.blob_account.create_container(self.container)
        self._server = _Server(self._address, _Handler)
        self._server.standin = self
        self._thread = serve_in_thread(self._server)
        return self

    def stop(self) -> None:
        """Stop serving."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        self.blob_account.close()

    # -- what tests look at ----------------------------------------------------------------
    @property
    def url(self) -> str:
        """The base URL for ACTIONS_RESULTS_URL / ``url_v2`` (ends in ``/``)."""
        assert self._server is not None, "the stand-in is not started"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/"

    @property
    def entries(self) -> list[Entry]:
        """Copies of all entries, in creation order."""
        with self.store.lock:
            return copy.deepcopy(self.store.entries)

    @property
    def violations(self) -> list[Violation]:
        """Everything refused as a contract violation so far."""
        with self.store.lock:
            return list(self.store.violations)

    @property
    def requests(self) -> list[RequestRecord]:
        """Every request served, in order."""
        with self.store.lock:
            return list(self.store.requests)

    def take_violations(self) -> list[Violation]:
        """Return and forget the violations (for tests that provoke them)."""
        with self.store.lock:
            taken, self.store.violations = self.store.violations, []
            return taken

    def assert_no_violations(self) -> None:
        """Fail with the list of violations, if there are any."""
        found = self.violations
        assert not found, "cache stand-in violations:\n" + "\n".join(map(str, found))

    def blobs(self, include_uncommitted: bool = False) -> list[BlobInfo]:
        """The blobs Azurite holds in the container (List Blobs)."""
        return self.blob_account.list_blobs(self.container, include_uncommitted)

    # -- request handling ----------------------------------------------------------------
    def handle(
        self, http_method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, Any], Any]:
        """Answer one HTTP request: (status, JSON answer, the parsed body for the log)."""
        method = path.removeprefix(PREFIX)
        parsed: Any = body.decode("utf-8", "replace")
        try:
            self._check_route(http_method, path, method, headers)
            parsed = _parse_json(body)
            if not isinstance(parsed, dict):
                raise DecodeError(f"{METHODS[method]}: want a JSON object")
            request = decode(METHODS[method], parsed)
            check_required(METHODS[method], request, parsed)
            with self.store.lock:
                return 200, self.service.call(method, request), parsed
        except DecodeError as exc:
            error = TwirpError("malformed", f"the request could not be decoded: {exc}")
        except MissingFieldError as exc:
            error = TwirpError("invalid_argument", str(exc))
        except TwirpError as exc:
            error = exc
        if error.violation:
            with self.store.lock:
                self.store.violations.append(Violation(method, error.code, error.msg))
        return error.status, error.body(), parsed

    def _check_route(
        self, http_method: str, path: str, method: str, headers: dict[str, str]
    ) -> None:
        """Route, content type and bearer token, as a Twirp server with auth checks them."""
        lowered = {k.lower(): v for k, v in headers.items()}
        if http_method != "POST":
            raise TwirpError("bad_route", f"unsupported method {http_method} (only POST)")
        if not path.startswith(PREFIX) or method not in METHODS:
            raise TwirpError("bad_route", f"no handler for path {path!r}")
        content_type = lowered.get("content-type", "").split(";")[0].strip().lower()
        if content_type != "application/json":
            raise TwirpError("bad_route", f"unexpected Content-Type: {content_type!r}")
        if lowered.get("authorization") != f"Bearer {self.token}":
            given = "missing" if "authorization" not in lowered else "wrong"
            raise TwirpError("unauthenticated", f"{given} bearer token")

    def record(self, http_method: str, path: str, body: Any, status: int, answer: Any) -> None:
        """Append to the request log."""
        with self.store.lock:
            self.store.requests.append(RequestRecord(http_method, path, body, status, answer))


def _parse_json(body: bytes) -> Any:
    """Parse a UTF-8 JSON body or raise DecodeError."""
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DecodeError(f"invalid JSON: {exc}") from exc
