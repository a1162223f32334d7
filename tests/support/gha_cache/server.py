"""The HTTP side: a Twirp JSON server for the cache service, and the test-facing handle.

Every request is checked the way a Twirp server and the real service would: route
(``POST /twirp/github.actions.results.api.v1.CacheService/<Method>``, else ``bad_route``),
``Content-Type: application/json`` (parameters ignored; else ``bad_route``), the bearer
token (else ``unauthenticated``), the JSON body against the message shape (else
``malformed``) and the fields the service needs (else ``invalid_argument``). Each refusal is
answered with a Twirp JSON error *and* recorded in ``violations``.

Tests can make the service misbehave (:mod:`.faults`): ``fail_next("CreateCacheEntry",
status=429, retry_after="2")`` answers the next such call with a Twirp ``resource_exhausted``
error and that header, ``fail_always(...)`` every call until ``clear_faults()``, ``drop=True``
closes the connection without an answer; ``stop()`` makes the service unreachable. With
``blob_front=True`` the blob URLs go through :class:`.blobfront.BlobFront`, whose
``fail_next`` damages blob transfers the same way.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import threading
import time
from datetime import timedelta
from typing import Any, Self

from tests.support.lifecycle import Running, serve_in_thread

from .azure import BlobAccount, BlobInfo
from .blobfront import BlobFront
from .faults import Fault, Faults
from .messages import METHODS, DecodeError, MissingFieldError, check_required, decode
from .service import CacheService, TwirpError
from .serving import TrackedHandler, TrackingServer
from .store import Entry, RequestRecord, Store, Violation
from .tokens import Scope, make_runtime_token, token_scopes

SERVICE = "github.actions.results.api.v1.CacheService"
PREFIX = f"/twirp/{SERVICE}/"
DEFAULT_CONTAINER = "actions-cache"
# What an injected status answers: the Twirp error code a Twirp server sends with it, or
# None for statuses only a gateway in front of the service sends (a plain-text body).
FAULT_CODES = {
    408: "deadline_exceeded",
    429: "resource_exhausted",
    500: "internal",
    503: "unavailable",
}


class _Handler(TrackedHandler):
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
        """Read, answer and log one request (or fail it as a pending fault says)."""
        body = self._read_body()
        standin = self.server.standin
        fault = standin.faults.take(self.path.removeprefix(PREFIX))
        if fault is not None and fault.stall:
            time.sleep(fault.stall)  # then the normal answer, to whoever still listens
        elif fault is not None:
            self._fail(fault, body)
            return
        status, answer, parsed = standin.handle(
            self.command, self.path, dict(self.headers.items()), body
        )
        # Recorded before the answer goes out: a client that has its answer finds its
        # request in the log.
        standin.record(self.command, self.path, parsed, status, answer)
        self._reply(status, answer)

    def _fail(self, fault: Fault, body: bytes) -> None:
        """Answer with an injected fault; record it (status 0: no answer at all)."""
        parsed: Any = body.decode("utf-8", "replace")
        if fault.drop:
            self.close_connection = True
            self.server.standin.record(self.command, self.path, parsed, 0, None)
            return
        code = FAULT_CODES.get(fault.status)
        if fault.body is not None:
            data, content_type = fault.body, "application/octet-stream"
        elif code is not None:
            data = json.dumps({"code": code, "msg": "injected by the test"}).encode()
            content_type = "application/json"
        else:
            data, content_type = b"Bad Gateway\n", "text/plain"
        answer = {"code": code, "fault": True} if code else {"fault": True}
        self.server.standin.record(self.command, self.path, parsed, fault.status, answer)
        self.send_response(fault.status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        if fault.retry_after is not None:
            self.send_header("Retry-After", fault.retry_after)
        self.end_headers()
        self.wfile.write(data)

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


class _Server(TrackingServer):
    """The HTTP server, pointing at its stand-in."""

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
        blob_front: bool = False,
    ) -> None:
        self.token = token or make_runtime_token()
        self.scopes: tuple[Scope, ...] = token_scopes(self.token)
        # Every job's runtime token carries its own scopes (a pull request's reads its base
        # branch's entries too); entries are shared, as GitHub's are per repository.
        self.tokens: dict[str, tuple[Scope, ...]] = {self.token: self.scopes}
        self.container = container
        self.blob_account = BlobAccount(azurite_blob_url)
        self.blob_front = BlobFront(azurite_blob_url) if blob_front else None
        self.store = Store()
        self.service = CacheService(self.store, self.blob_account, container, self.scopes, sas_ttl)
        self.faults = Faults()
        self._address = (host, port)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._url = ""

    # -- lifecycle -----------------------------------------------------------------------
    def start(self) -> Self:
        """Create the container in Azurite and start serving on a background thread."""
        self.blob_account.create_container(self.container)
        if self.blob_front is not None:
            self.blob_account.public_url = self.blob_front.start().account_url
        self._server = _Server(self._address, _Handler)
        self._server.standin = self
        host, port = self._server.server_address[:2]
        self._url = f"http://{host!s}:{port}/"
        self._thread = serve_in_thread(self._server)
        return self

    def stop(self) -> None:
        """Stop serving: the port closes, so the service is unreachable from now on (the
        state stays readable)."""
        if self._server is not None:
            self._server.close()
            self._server = None
        if self.blob_front is not None:
            self.blob_front.stop()
        self.blob_account.close()

    def issue_token(self, scopes: tuple[Scope, ...]) -> str:
        """A runtime token for another job of the repository (its own ref's scopes)."""
        token = make_runtime_token(scopes)
        self.tokens[token] = token_scopes(token)
        return token

    # -- faults --------------------------------------------------------------------------
    def fail_next(
        self,
        method: str,
        status: int = 503,
        retry_after: str | None = None,
        drop: bool = False,
        body: bytes | None = None,
        times: int | None = 1,
        stall: float = 0.0,
    ) -> None:
        """Fail the next ``times`` calls of ``method`` (a Twirp method name or ``*``).

        ``status`` 408/429/500/503 come with the Twirp error a Twirp server sends; others
        (502, 504) with a gateway's plain-text page; ``body`` replaces the body (a malformed
        answer); ``drop`` closes the connection with no answer at all; ``stall`` waits that
        many seconds first (a service that hangs), then answers normally.
        """
        fault = Fault(method, status, retry_after, drop=drop, body=body, times=times, stall=stall)
        self.faults.add(fault)

    def fail_always(self, method: str, status: int = 503, **options: Any) -> None:
        """Fail every call of ``method`` until :meth:`clear_faults`."""
        self.fail_next(method, status, times=None, **options)

    def clear_faults(self) -> None:
        """Forget the pending faults (of the service and of the blob front)."""
        self.faults.clear()
        if self.blob_front is not None:
            self.blob_front.faults.clear()

    # -- what tests look at ----------------------------------------------------------------
    @property
    def url(self) -> str:
        """The base URL for ACTIONS_RESULTS_URL / ``url_v2`` (ends in ``/``); after ``stop()``
        still the URL it had, which nothing answers any more."""
        assert self._url, "the stand-in is not started"
        return self._url

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
            scopes = self.tokens[_bearer(headers)]
            with self.store.lock:
                return (
                    200,
                    dataclasses.replace(self.service, scopes=scopes).call(method, request),
                    parsed,
                )
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
        if _bearer(lowered) not in self.tokens:
            given = "missing" if "authorization" not in lowered else "wrong"
            raise TwirpError("unauthenticated", f"{given} bearer token")

    def record(self, http_method: str, path: str, body: Any, status: int, answer: Any) -> None:
        """Append to the request log."""
        with self.store.lock:
            self.store.requests.append(RequestRecord(http_method, path, body, status, answer))


def _bearer(headers: dict[str, str]) -> str:
    """The bearer token of a request ("" when there is none)."""
    value = {k.lower(): v for k, v in headers.items()}.get("authorization", "")
    return value.removeprefix("Bearer ") if value.startswith("Bearer ") else ""


def _parse_json(body: bytes) -> Any:
    """Parse a UTF-8 JSON body or raise DecodeError."""
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DecodeError(f"invalid JSON: {exc}") from exc
