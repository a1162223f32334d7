"""The request handler of regfront: one thread per client connection, streaming both ways.

Each client connection gets its own keep-alive connection to the backend. Manifest
requests (``/v2/<name>/manifests/<ref>``) hold the server's manifest lock while they are
forwarded, because distribution 2.8 rewrites a tag's link file in place and Docker pushes
an index's manifests in parallel (HTTP 500 "invalid checksum digest format", see
/work/shared/ENVIRONMENT.md, "Registry"). Everything else passes concurrently.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import re
import select
import socket
import struct
from http.client import HTTPConnection, HTTPException, HTTPResponse
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, cast

from . import control, wire
from .faults import DownMode, FaultKind, FaultRule

if TYPE_CHECKING:
    from .server import FrontServer

LOG = logging.getLogger("regfront")
MANIFEST_PATH = re.compile(r"^/v2/.+/manifests/[^/?]+(\?.*)?$")
_ERROR_CODES = {429: "TOOMANYREQUESTS", 500: "UNKNOWN", 502: "UNAVAILABLE", 503: "UNAVAILABLE"}


class _ClientGone(Exception):
    """The client closed or broke its connection mid-request."""


def error_body(status: int, message: str) -> bytes:
    """A registry-style (distribution spec) error document."""
    code = _ERROR_CODES.get(status, "UNKNOWN")
    return json.dumps({"errors": [{"code": code, "message": message, "detail": None}]}).encode()


class FrontHandler(BaseHTTPRequestHandler):
    """Serve one client connection: control requests, faults, or forwarding."""

    protocol_version = "HTTP/1.1"
    server: FrontServer
    timeout = 300  # idle keep-alive connections are closed after this many seconds

    def setup(self) -> None:
        """Wrap the connection in TLS (handshake in this thread) and start tracking it."""
        self.expect_continue = False
        self._backend: HTTPConnection | None = None
        self._tls = self.server.ssl_context is not None
        if self.server.ssl_context is not None:
            # The plain socket is detached into the TLS one, which socketserver never sees.
            self.request = self.server.ssl_context.wrap_socket(self.request, server_side=True)
        self.server.track(self.request, add=True)
        super().setup()

    def finish(self) -> None:
        """Close the backend connection and stop tracking this one."""
        self._close_backend()
        self.server.track(self.request, add=False)
        with contextlib.suppress(OSError):
            super().finish()
        if self._tls:
            self.request.close()

    def log_message(self, format: str, *args: object) -> None:
        """Route http.server's access log to the ``regfront`` logger."""
        LOG.debug("%s " + format, self.address_string(), *args)

    def handle_one_request(self) -> None:
        """Serve one request; answer a TLS ClientHello on a plain port with an HTTP 400.

        Docker tries HTTPS first even for insecure registries and falls back to plain
        HTTP only when the answer starts with "HTTP/" (Go's "server gave HTTP response
        to HTTPS client"); http.server would wait for a newline and then answer without
        a status line.
        """
        try:
            first = cast(io.BufferedReader, self.rfile).peek(1)[:1]
        except OSError:
            self.close_connection = True
            return
        if first == b"\x16" and self.server.ssl_context is None:
            body = b"Client sent an HTTPS request to an HTTP server.\n"
            wire.reply(self.wfile, 400, body, content_type="text/plain", close=True)
            self.close_connection = True
            return
        super().handle_one_request()

    def parse_request(self) -> bool:
        """Parse the next request; Expect: 100-continue is answered later, see below."""
        self.expect_continue = False
        return super().parse_request()

    def handle_expect_100(self) -> bool:
        """Defer "100 Continue" until the request is really forwarded (not faulted)."""
        self.expect_continue = True
        return True

    def send_continue(self) -> None:
        """Tell a client waiting on Expect: 100-continue to send its body (once)."""
        if self.expect_continue:
            self.expect_continue = False
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")

    def do_any(self) -> None:
        """Handle any method: control endpoint, down switch, faults, then forward."""
        if self.path == "/_regfront" or self.path.startswith("/_regfront/"):
            control.handle(self)
            return
        stats = self.server.stats
        stats.add("requests")
        down = self.server.plan.down
        if down is not None:
            stats.add("refused_down")
            if down is DownMode.DROP:
                self.drop_connection()
            else:
                self.answer(503, error_body(503, "regfront: down"), retry_after=1)
            return
        rule = self.server.plan.decide(self.command, self.path)
        if rule is not None:
            stats.add_fault(rule.kind.value)
            LOG.info("fault %s on %s %s", rule.kind.value, self.command, self.path)
            if rule.kind is FaultKind.DROP:
                self.drop_connection()
                return
            if rule.kind.status is not None:
                self.answer_fault(rule)
                return
        reset = rule is not None and rule.kind is FaultKind.RESET
        if self.server.serialise_manifests and MANIFEST_PATH.match(self.path):
            with self.server.manifest_lock:
                stats.add("manifests")
                self.forward(reset=reset)
        else:
            self.forward(reset=reset)

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_any

    def drop_connection(self, *, abort: bool = False) -> None:
        """Close the client connection without an answer (``abort``: with a TCP RST)."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            if abort:
                # Linger 0: close() sends RST. The descriptor really closes once finish()
                # has closed rfile/wfile; socketserver's later shutdown() then fails quietly.
                self.request.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                )
                self.request.close()
            else:
                self.request.shutdown(socket.SHUT_RDWR)

    def answer(
        self, status: int, body: bytes, *, retry_after: int | None = None, drain: bool = True
    ) -> None:
        """Answer the request from the front itself, after discarding any request body.

        Without ``drain`` (or when the client still waits for "100 Continue") the body is
        left unread and the connection is closed after the answer.
        """
        headers = [("Docker-Distribution-API-Version", "registry/2.0")]
        if retry_after is not None:
            headers.append(("Retry-After", str(retry_after)))
        if self.expect_continue or not drain:
            self.close_connection = True  # body not read: cannot reuse the connection
        else:
            try:
                for _ in wire.iter_request_body(self.rfile, self.headers):
                    pass
            except (OSError, ValueError):
                self.server.stats.add("client_errors")
                self.close_connection = True
                return
        wire.reply(self.wfile, status, body, headers=headers, close=self.close_connection)

    def answer_fault(self, rule: FaultRule) -> None:
        """Answer with the fault's status (and Retry-After for 429 and 503)."""
        status = rule.kind.status or 500
        retry = rule.retry_after if status in (429, 503) else None
        self.answer(status, error_body(status, "regfront: injected fault"), retry_after=retry)

    def _close_backend(self) -> None:
        if self._backend is not None:
            self._backend.close()
            self._backend = None

    def _backend_connection(self) -> tuple[HTTPConnection, bool]:
        """The backend connection to use, and whether it is a reused keep-alive one."""
        conn = self._backend
        if conn is not None and conn.sock is not None:
            # An idle keep-alive connection that is readable has been closed by the backend.
            readable, _, _ = select.select([conn.sock], [], [], 0)
            if readable:
                self._close_backend()
        if self._backend is None:
            host, port = self.server.backend
            self._backend = HTTPConnection(host, port, timeout=self.server.backend_timeout)
        return self._backend, self._backend.sock is not None

    def _send_request(self, conn: HTTPConnection) -> bool:
        """Send the request line, headers and body; False if the backend broke mid-body."""
        chunked = wire.is_chunked(self.headers)
        conn.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
        for name, value in wire.end_to_end(self.headers.items()):
            conn.putheader(name, value)
        if self.server.ssl_context is not None:
            conn.putheader("X-Forwarded-Proto", "https")  # distribution builds URLs from it
        if chunked:
            conn.putheader("Transfer-Encoding", "chunked")
        conn.endheaders()
        if not wire.has_request_body(self.headers):
            return True
        self.send_continue()
        pieces = wire.iter_request_body(self.rfile, self.headers)
        while True:
            try:
                piece = next(pieces, None)
            except (OSError, ValueError) as error:
                raise _ClientGone(str(error)) from error
            try:
                if piece is None:
                    if chunked:
                        conn.send(wire.encode_chunk(b""))
                    return True
                conn.send(wire.encode_chunk(piece) if chunked else piece)
            except OSError:
                # The backend may have answered early and closed; try to read that answer.
                self.close_connection = True
                return False
            self.server.stats.add("bytes_up", len(piece))

    def forward(self, *, reset: bool = False) -> None:
        """Pass the request to the backend and relay its answer (cut short if ``reset``)."""
        bodiless = not wire.has_request_body(self.headers)
        for _attempt in range(2):
            conn, reused = self._backend_connection()
            try:
                self._send_request(conn)
                response = conn.getresponse()
            except _ClientGone:
                self.server.stats.add("client_errors")
                self._close_backend()
                self.drop_connection()
                return
            except (OSError, HTTPException) as error:
                self._close_backend()
                if reused and bodiless:
                    continue  # a stale keep-alive connection: safe to replay once
                LOG.warning("backend failed on %s %s: %s", self.command, self.path, error)
                self.server.stats.add("backend_errors")
                message = f"regfront: backend failed: {error}"
                self.answer(502, error_body(502, message), drain=bodiless)
                return
            break
        else:
            self.server.stats.add("backend_errors")
            self.answer(502, error_body(502, "regfront: backend closed the connection"))
            return
        self.server.stats.add("forwarded")
        self.relay(response, reset=reset)

    def relay(self, response: HTTPResponse, *, reset: bool) -> None:
        """Send the backend's answer to the client, streaming its body."""
        front_base = f"{self.server.scheme}://{self.headers.get('Host', self.server.address)}"
        backend = "{}:{}".format(*self.server.backend)
        headers = [
            (n, wire.rewrite_location(v, backend, front_base) if n.lower() == "location" else v)
            for n, v in wire.end_to_end(response.getheaders())
        ]
        LOG.debug(
            "%s %s (%s) -> %d %s",
            self.command,
            self.path,
            "chunked" if wire.is_chunked(self.headers) else self.headers.get("Content-Length"),
            response.status,
            response.getheader("Content-Length", "chunked"),
        )
        bodiless = self.command == "HEAD" or response.status in (204, 304)
        chunked = not bodiless and response.length is None
        if chunked:
            headers.append(("Transfer-Encoding", "chunked"))
        if self.close_connection:
            headers.append(("Connection", "close"))
        if reset and (bodiless or response.length == 0):
            self._close_backend()
            self.drop_connection(abort=True)  # the answer is lost, after the backend acted
            return
        try:
            self.wfile.write(wire.status_bytes(response.status, response.reason, headers))
            if not bodiless:
                self._relay_body(response, chunked=chunked, reset=reset)
        except _ClientGone as error:
            LOG.info("client left during %s %s: %s", self.command, self.path, error)
            self.server.stats.add("client_errors")
            reset = True
        except (OSError, HTTPException) as error:
            LOG.warning("backend broke during %s %s: %s", self.command, self.path, error)
            self.server.stats.add("backend_errors")
            reset = True
        if reset:
            self._close_backend()
            self.drop_connection(abort=True)
        elif response.will_close:
            self._close_backend()
        else:
            # read1() does not mark an exhausted Content-Length body (or HEAD) as done;
            # without close() the next request on this connection is CannotSendRequest.
            response.close()

    def _relay_body(self, response: HTTPResponse, *, chunked: bool, reset: bool) -> None:
        """Copy the body piece by piece; with ``reset``, stop after about half of it."""
        budget = (response.length or wire.PIECE) // 2 if reset else None
        while True:
            piece = response.read1(wire.PIECE)
            if budget is not None:
                piece = piece[: max(budget, 1)]
                budget -= len(piece)
            try:
                self.wfile.write(wire.encode_chunk(piece) if chunked else piece)
            except OSError as error:
                raise _ClientGone(str(error)) from error
            self.server.stats.add("bytes_down", len(piece))
            if not piece or (budget is not None and budget <= 0):
                return
