"""The request handler of regfront: one thread per client connection.

It answers control requests, applies the down switch and the faults, and hands the rest
to its :class:`~.forward.BackendLink` (its own keep-alive backend connection). Manifest
requests (``/v2/<name>/manifests/<ref>``) hold the server's manifest lock while they are
forwarded, because distribution 2.8 rewrites a tag's link file in place and Docker pushes
an index's manifests in parallel (HTTP 500 "invalid checksum digest format", see
/work/shared/ENVIRONMENT.md, "Registry"). Everything else passes concurrently.
"""

from __future__ import annotations

import contextlib
import io
import logging
import re
import socket
import struct
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, cast

from . import control, wire
from .faults import DownMode, FaultKind, FaultRule
from .forward import BackendLink

if TYPE_CHECKING:
    from .server import FrontServer

LOG = logging.getLogger("regfront")
MANIFEST_PATH = re.compile(r"^/v2/.+/manifests/[^/?]+(\?.*)?$")
BLOB_GET = re.compile(r"/v2/.+/blobs/(sha256:[0-9a-f]{64})")


class FrontHandler(BaseHTTPRequestHandler):
    """Serve one client connection: control requests, faults, or forwarding."""

    protocol_version = "HTTP/1.1"
    server: FrontServer
    timeout = 300  # idle keep-alive connections are closed after this many seconds

    def setup(self) -> None:
        """Wrap the connection in TLS (handshake in this thread) and start tracking it."""
        self.expect_continue = False
        self.link = BackendLink(self.server.backend, self.server.backend_timeout)
        self._tls = self.server.ssl_context is not None
        # Replies go out as headers, then body: without NODELAY, Nagle holds the body back
        # until the client's delayed ACK (40 ms) on every reused keep-alive connection.
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self.server.ssl_context is not None:
            # The plain socket is detached into the TLS one, which socketserver never sees.
            self.request = self.server.ssl_context.wrap_socket(self.request, server_side=True)
        self.server.track(self.request, add=True)
        super().setup()

    def finish(self) -> None:
        """Close the backend connection and stop tracking this one."""
        self.link.close()
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
        blob = BLOB_GET.search(self.path) if self.command == "GET" else None
        if blob is not None:
            stats.read_blob(blob.group(1))
        down = self.server.plan.down
        if down is not None:
            stats.add("refused_down")
            if down is DownMode.DROP:
                self.drop_connection()
            else:
                self.answer(503, wire.error_body(503, "regfront: down"), retry_after=1)
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
                self.link.forward(self, reset=reset)
        else:
            self.link.forward(self, reset=reset)

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
        self.answer(status, wire.error_body(status, "regfront: injected fault"), retry_after=retry)
