"""The backend side of regfront: send a request on, stream the answer back.

One :class:`BackendLink` per client connection, holding one keep-alive connection to the
backend. Bodies move in pieces both ways (see :mod:`.wire`); hop-by-hop headers are
dropped and the framing is redone; Location headers naming the backend are pointed at
the front.
"""

from __future__ import annotations

import logging
import select
import socket
from http.client import HTTPConnection, HTTPException, HTTPResponse
from typing import TYPE_CHECKING

from . import wire

if TYPE_CHECKING:
    from .proxy import FrontHandler

LOG = logging.getLogger("regfront")


class ClientGone(Exception):
    """The client closed or broke its connection mid-request."""


def _write(handler: FrontHandler, data: bytes) -> None:
    try:
        handler.wfile.write(data)
    except OSError as error:
        raise ClientGone(str(error)) from error


class _NoDelayConnection(HTTPConnection):
    """A backend connection that sends each write at once (headers and body are separate
    writes: with Nagle, the body waits for the backend's delayed ACK, 40 ms)."""

    def connect(self) -> None:
        super().connect()
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class BackendLink:
    """A client connection's link to the backend registry (plain HTTP)."""

    def __init__(self, backend: tuple[str, int], timeout: float) -> None:
        self.backend = backend
        self.timeout = timeout
        self._conn: HTTPConnection | None = None

    def close(self) -> None:
        """Close the backend connection (a new one is opened when needed)."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _backend_connection(self) -> tuple[HTTPConnection, bool]:
        """The backend connection to use, and whether it is a reused keep-alive one."""
        conn = self._conn
        if conn is not None and conn.sock is not None:
            # An idle keep-alive connection that is readable has been closed by the backend.
            readable, _, _ = select.select([conn.sock], [], [], 0)
            if readable:
                self.close()
        if self._conn is None:
            self._conn = _NoDelayConnection(*self.backend, timeout=self.timeout)
        return self._conn, self._conn.sock is not None

    def _send_request(self, handler: FrontHandler, conn: HTTPConnection) -> bool:
        """Send the request line, headers and body; False if the backend broke mid-body."""
        chunked = wire.is_chunked(handler.headers)
        conn.putrequest(handler.command, handler.path, skip_host=True, skip_accept_encoding=True)
        headers = wire.end_to_end(handler.headers.items())
        if chunked:  # RFC 9112 section 6.3: Transfer-Encoding overrides Content-Length
            headers = [(n, v) for n, v in headers if n.lower() != "content-length"]
        for name, value in headers:
            conn.putheader(name, value)
        if "Host" not in handler.headers:
            conn.putheader("Host", "{}:{}".format(*self.backend))
        if handler.server.ssl_context is not None:
            conn.putheader("X-Forwarded-Proto", "https")  # distribution builds URLs from it
        if chunked:
            conn.putheader("Transfer-Encoding", "chunked")
        conn.endheaders()
        if not wire.has_request_body(handler.headers):
            return True
        handler.send_continue()
        pieces = wire.iter_request_body(handler.rfile, handler.headers)
        while True:
            try:
                piece = next(pieces, None)
            except (OSError, ValueError) as error:
                raise ClientGone(str(error)) from error
            try:
                if piece is None:
                    if chunked:
                        conn.send(wire.encode_chunk(b""))
                    return True
                conn.send(wire.encode_chunk(piece) if chunked else piece)
            except OSError:
                # The backend may have answered early and closed; try to read that answer.
                handler.close_connection = True
                return False
            handler.server.stats.add("bytes_up", len(piece))

    def forward(self, handler: FrontHandler, *, reset: bool = False) -> None:
        """Pass the request to the backend and relay its answer (cut short if ``reset``)."""
        bodiless = not wire.has_request_body(handler.headers)
        for _attempt in range(2):
            conn, reused = self._backend_connection()
            try:
                self._send_request(handler, conn)
                response = conn.getresponse()
            except ClientGone:
                handler.server.stats.add("client_errors")
                self.close()
                handler.drop_connection()
                return
            except (OSError, HTTPException) as error:
                self.close()
                if reused and bodiless:
                    continue  # a stale keep-alive connection: safe to replay once
                LOG.warning("backend failed on %s %s: %s", handler.command, handler.path, error)
                handler.server.stats.add("backend_errors")
                message = f"regfront: backend failed: {error}"
                handler.answer(502, wire.error_body(502, message), drain=bodiless)
                return
            break
        else:
            handler.server.stats.add("backend_errors")
            handler.answer(502, wire.error_body(502, "regfront: backend closed the connection"))
            return
        handler.server.stats.add("forwarded")
        self._relay(handler, response, reset=reset)

    def _relay(self, handler: FrontHandler, response: HTTPResponse, *, reset: bool) -> None:
        """Send the backend's answer to the client, streaming its body."""
        front_base = (
            f"{handler.server.scheme}://{handler.headers.get('Host', handler.server.address)}"
        )
        backend = "{}:{}".format(*self.backend)
        headers = [
            (n, wire.rewrite_location(v, backend, front_base) if n.lower() == "location" else v)
            for n, v in wire.end_to_end(response.getheaders())
        ]
        LOG.debug("%s %s -> %d", handler.command, handler.path, response.status)
        bodiless = handler.command == "HEAD" or response.status in (204, 304)
        chunked = not bodiless and response.length is None
        if chunked:
            headers.append(("Transfer-Encoding", "chunked"))
        if handler.close_connection:
            headers.append(("Connection", "close"))
        if reset and (bodiless or response.length == 0):
            self.close()
            handler.drop_connection(abort=True)  # the answer is lost, after the backend acted
            return
        try:
            _write(handler, wire.status_bytes(response.status, response.reason, headers))
            if not bodiless:
                self._relay_body(handler, response, chunked=chunked, reset=reset)
        except ClientGone as error:
            LOG.info("client left during %s %s: %s", handler.command, handler.path, error)
            handler.server.stats.add("client_errors")
            reset = True
        except (OSError, HTTPException) as error:
            LOG.warning("backend broke during %s %s: %s", handler.command, handler.path, error)
            handler.server.stats.add("backend_errors")
            reset = True
        if reset:
            self.close()
            handler.drop_connection(abort=True)
        elif response.will_close:
            self.close()
        else:
            # read1() does not mark an exhausted Content-Length body (or HEAD) as done;
            # without close() the next request on this connection is CannotSendRequest.
            response.close()

    def _relay_body(
        self, handler: FrontHandler, response: HTTPResponse, *, chunked: bool, reset: bool
    ) -> None:
        """Copy the body piece by piece; with ``reset``, stop after about half of it."""
        budget = (response.length or wire.PIECE) // 2 if reset else None
        while True:
            piece = response.read1(wire.PIECE)
            if budget is not None:
                piece = piece[: max(budget, 1)]
                budget -= len(piece)
            _write(handler, wire.encode_chunk(piece) if chunked else piece)
            handler.server.stats.add("bytes_down", len(piece))
            if not piece or (budget is not None and budget <= 0):
                return
