"""The GitHub stand-in: a local HTTP server speaking a validated slice of GitHub's REST API.

Every request and every response is checked against GitHub's OpenAPI description
(:mod:`.validation`); violations and requests to routes not emulated are recorded in
``state.violations`` (unknown routes get GitHub's 404). Writes need a registered token
with ``write`` permission: none gives 401, a ``read`` token (a fork PR's GITHUB_TOKEN)
gives 403 "Resource not accessible by integration"; writes that need a named permission
(storing an attestation: ``attestations: write``) look at the token's ``scopes`` instead. Tests can program faults (the next N
matching requests answer a given status) and, to prove validation bites, tamper with
response bodies.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import unquote

from werkzeug.datastructures import Headers

from tests.support.lifecycle import Running, serve_in_thread

from . import attestations, scanning  # noqa: F401  (imported to register their routes)
from .routes import HANDLERS, SCOPES, ApiError, Call, Reply
from .spec import EMULATED, Spec, load_spec
from .state import Fault, RequestRecord, State, Token
from .validation import ApiRequest, ApiResponse, Violation, check_request, check_response

DOCS = "https://docs.github.com/rest"
SECONDARY_RATE_LIMIT = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try "
    "again. If you reach out to GitHub Support for help, please include the request ID {}."
)
SECONDARY_RATE_LIMIT_DOCS = (
    "https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api"
    "#about-secondary-rate-limits"
)
NOT_ACCESSIBLE = "Resource not accessible by integration"
WRITES = frozenset({"POST", "PATCH", "PUT", "DELETE"})
_ROUTES = [
    (
        method,
        template,
        re.compile("^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template)) + "$"),
    )
    for method, template in EMULATED
]


@dataclass
class Tamper:
    """Test-only: rewrite the JSON body of the next ``times`` matching responses."""

    method: str
    path_regex: str
    rewrite: Callable[[Any], Any]
    times: int = 1


@dataclass(frozen=True)
class Answer:
    """What goes on the wire."""

    status: int
    headers: dict[str, str]
    data: bytes


def error(status: int, message: str, docs: str = DOCS, **extra: Any) -> Reply:
    """Return GitHub's error answer."""
    return Reply(
        status, {"message": message, **extra, "documentation_url": docs, "status": str(status)}
    )


def _token(headers: dict[str, str]) -> str | None:
    value = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
    scheme, _, token = value.strip().partition(" ")
    return token.strip() if scheme.lower() in ("token", "bearer") and token.strip() else None


class StandIn(Running):
    """One stand-in server with its own :class:`State`; use as a context manager."""

    def __init__(
        self,
        state: State | None = None,
        spec: Spec | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        on_change: Callable[[StandIn], None] | None = None,
    ) -> None:
        self.state = state or State()
        self.spec = spec or load_spec()
        self.lock = threading.RLock()
        self.tampers: list[Tamper] = []
        self.on_change = on_change
        self._address = (host, port)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Base URL of the API (use as GITHUB_API_URL)."""
        assert self._server is not None, "StandIn not started"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> Self:
        """Bind and serve in a background thread."""
        self._server = _Server(self._address, _Handler)
        self._server.standin = self
        self._thread = serve_in_thread(self._server)
        return self

    def stop(self) -> None:
        """Stop serving and release the port."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def inject(self, fault: Fault) -> None:
        """Answer the next ``fault.times`` matching requests with ``fault``."""
        with self.lock:
            self.state.faults.append(fault)

    def tamper(self, tamper: Tamper) -> None:
        """Test-only: corrupt matching responses (to check validation catches it)."""
        with self.lock:
            self.tampers.append(tamper)

    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Answer:
        """Answer one request, validating both directions and recording everything."""
        path, _, query = target.partition("?")
        request = ApiRequest(method, path, query, headers, body or None)
        host = next((v for k, v in headers.items() if k.lower() == "host"), None)
        api = f"http://{host}" if host else self.url
        with self.lock:
            violation = check_request(self.spec, request)
            if violation is not None:
                self.state.violations.append(violation)
            token_text = _token(headers)
            token = self.state.tokens.get(token_text) if token_text else None
            if path != "/rate_limit":
                self.state.spend_rate(token)
            fault = next((f for f in self.state.faults if f.matches(method, path)), None)
            if fault is not None:
                reply = self._fault_reply(fault)
            else:
                reply = self._dispatch(request, api, violation, token_text, token)
            answer = self._finish(request, reply, token, lenient=fault is not None)
            self.state.requests.append(
                RequestRecord(
                    method, path, query, answer.status, token_text, dict(headers), _decoded(body)
                )
            )
            if self.on_change is not None:
                self.on_change(self)
        return answer

    def _fault_reply(self, fault: Fault) -> Reply:
        fault.times -= 1
        if fault.times <= 0:
            self.state.faults.remove(fault)
        body = fault.body
        if body is None and fault.status in (403, 429):
            message = SECONDARY_RATE_LIMIT.format(uuid.uuid4().hex[:16].upper())
            body = error(fault.status, message, SECONDARY_RATE_LIMIT_DOCS).body
        elif body is None:
            body = error(fault.status, HTTPStatus(fault.status).phrase).body
        return Reply(fault.status, body, dict(fault.headers))

    def _dispatch(
        self,
        request: ApiRequest,
        api: str,
        violation: Violation | None,
        token_text: str | None,
        token: Token | None,
    ) -> Reply:
        method, path = request.method.upper(), request.path
        found = next(((t, m) for v, t, r in _ROUTES if v == method and (m := r.match(path))), None)
        if found is None:
            return error(404, "Not Found")
        template, match = found
        docs = self.spec.document["paths"][template][method.lower()]["externalDocs"]["url"]
        if violation is not None:
            return error(422, f"Invalid request.\n\n{violation.message}", docs)
        if token_text is not None and token is None:
            return error(401, "Bad credentials", docs)
        if method in WRITES and token is None:
            return error(401, "Requires authentication", docs)
        scope = SCOPES.get((method, template), "")
        if method in WRITES and token is not None and scope:
            if token.scopes.get(scope) != "write":
                return error(403, NOT_ACCESSIBLE, docs)
        elif method in WRITES and token is not None and token.permission != "write":
            return error(403, NOT_ACCESSIBLE, docs)
        limit, used, _ = self.state.rate_budget(token)
        if used > limit and path != "/rate_limit":
            return error(403, "API rate limit exceeded.", docs)
        params = {k: unquote(v) for k, v in match.groupdict().items()}
        call = Call(
            self.state,
            self.spec,
            api,
            path,
            request.query,
            params,
            _decoded(request.body or b""),
            token,
        )
        try:
            return HANDLERS[(method, template)](call)
        except ApiError as exc:
            return error(exc.status, exc.message, docs, **exc.extra)

    def _finish(
        self, request: ApiRequest, reply: Reply, token: Token | None, lenient: bool
    ) -> Answer:
        body = reply.body
        for tamper in list(self.tampers):
            if tamper.method in ("*", request.method.upper()) and re.search(
                tamper.path_regex, request.path
            ):
                body = tamper.rewrite(body)
                tamper.times -= 1
                if tamper.times <= 0:
                    self.tampers.remove(tamper)
        limit, used, reset = self.state.rate_budget(token)
        headers = {
            "X-GitHub-Media-Type": "github.v3; format=json",
            "X-GitHub-Api-Version-Selected": "2022-11-28",
            "X-GitHub-Request-Id": uuid.uuid4().hex[:20].upper(),
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": str(max(limit - used, 0)),
            "X-RateLimit-Reset": str(reset),
            "X-RateLimit-Used": str(used),
            "X-RateLimit-Resource": "core",
        }
        if isinstance(body, str):
            data, content_type = body.encode(), "text/plain; charset=utf-8"
        else:
            data = b"" if body is None else json.dumps(body).encode()
            content_type = "application/json; charset=utf-8"
        if body is not None:
            headers["Content-Type"] = content_type
        headers.update(reply.headers)
        response = ApiResponse(
            reply.status,
            data or None,
            Headers(list(headers.items())),
            content_type if body is not None else "",
        )
        violation = check_response(self.spec, request, response, lenient=lenient)
        if violation is not None:
            self.state.violations.append(violation)
        return Answer(reply.status, headers, data)


def _decoded(body: bytes) -> Any:
    if not body:
        return None
    try:
        return json.loads(body)
    except ValueError:
        return body.decode("utf-8", "replace")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    standin: StandIn


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as PyGithub's and requests' sessions expect
    server: _Server

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        answer = self.server.standin.handle(
            self.command, self.path, dict(self.headers.items()), body
        )
        self.send_response(answer.status)
        for name, value in answer.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer.data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(answer.data)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = do_HEAD = _serve

    def version_string(self) -> str:
        return "github.com"

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: the request log is in ``state.requests``."""
