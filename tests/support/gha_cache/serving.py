"""An HTTP server whose ``close`` also cuts the keep-alive connections it is serving.

``ThreadingHTTPServer.shutdown()`` stops accepting, but a handler thread on a kept-alive
connection goes on answering that client: a "stopped" stand-in would still serve the
client that used it last. A stopped service must be unreachable for everyone, so the
server remembers its open connections and shuts them down when it closes.
"""

from __future__ import annotations

import contextlib
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class TrackingServer(ThreadingHTTPServer):
    """A threading HTTP server that knows its open connections."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__(address, handler)
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()

    def opened(self, connection: socket.socket) -> None:
        """A handler started on ``connection``."""
        with self._open_lock:
            self._open.add(connection)

    def closed(self, connection: socket.socket) -> None:
        """A handler finished with ``connection``."""
        with self._open_lock:
            self._open.discard(connection)

    def handle_error(self, request: object, client_address: object) -> None:
        """Stay quiet about clients that went away (a stalled answer, a cut connection)."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]

    def close(self) -> None:
        """Stop serving and cut every open connection."""
        self.shutdown()
        self.server_close()
        with self._open_lock:
            open_now, self._open = self._open, set()
        for connection in open_now:
            with contextlib.suppress(OSError):  # already gone
                connection.shutdown(socket.SHUT_RDWR)


class TrackedHandler(BaseHTTPRequestHandler):
    """A request handler that registers its connection with a :class:`TrackingServer`."""

    server: TrackingServer

    def setup(self) -> None:
        super().setup()
        self.server.opened(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.closed(self.connection)
