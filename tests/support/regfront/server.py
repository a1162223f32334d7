"""The regfront server and its in-process handle, :class:`RegFront`."""

from __future__ import annotations

import contextlib
import logging
import socket
import ssl
import sys
import threading
from collections.abc import Mapping, Sequence
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self

from tests.support.lifecycle import Running

from .faults import DownMode, FaultPlan, FaultRule, parse_faults
from .proxy import FrontHandler
from .stats import Stats, StatsCounter

LOG = logging.getLogger("regfront")


def split_address(address: str, default_host: str = "127.0.0.1") -> tuple[str, int]:
    """``"host:port"``, ``":port"`` or ``"http://host:port"`` -> (host, port)."""
    address = address.removeprefix("http://").rstrip("/")
    host, sep, port = address.rpartition(":")
    if not sep or not port.isdigit():
        raise ValueError(f"expected HOST:PORT, got {address!r}")
    return host.strip("[]") or default_host, int(port)


class FrontServer(ThreadingHTTPServer):
    """A threading HTTP server that holds the front's state for its handlers."""

    daemon_threads = True
    block_on_close = False  # stop() closes client connections itself, see close_clients()
    request_queue_size = 128  # Docker opens many connections at once

    def __init__(
        self,
        listen: tuple[str, int],
        backend: tuple[str, int],
        *,
        ssl_context: ssl.SSLContext | None = None,
        serialise_manifests: bool = True,
        backend_timeout: float = 120.0,
    ) -> None:
        self.backend = backend
        self.ssl_context = ssl_context
        self.serialise_manifests = serialise_manifests
        self.backend_timeout = backend_timeout
        self.plan = FaultPlan()
        self.stats = StatsCounter()
        self.manifest_lock = threading.Lock()
        self._clients: set[socket.socket] = set()
        self._clients_lock = threading.Lock()
        super().__init__(listen, FrontHandler)

    @property
    def scheme(self) -> str:
        """``https`` when the front terminates TLS, else ``http``."""
        return "http" if self.ssl_context is None else "https"

    @property
    def address(self) -> str:
        """The bound ``host:port``."""
        host, port = self.server_address[:2]
        return f"{host!s}:{port}"

    def track(self, client: socket.socket, *, add: bool) -> None:
        """Remember (or forget) an open client connection."""
        with self._clients_lock:
            if add:
                self._clients.add(client)
            else:
                self._clients.discard(client)

    def close_clients(self) -> None:
        """Shut every open client connection, so handler threads end."""
        with self._clients_lock:
            clients = list(self._clients)
        for client in clients:
            with contextlib.suppress(OSError):
                client.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Log handler failures (TLS handshakes, resets) instead of printing tracebacks."""
        LOG.debug("connection from %s failed: %r", client_address, sys.exc_info()[1])


def make_ssl_context(cert: str | Path, key: str | Path) -> ssl.SSLContext:
    """A server-side TLS context from a PEM certificate (chain) and key."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(cert), str(key))
    return context


class RegFront(Running):
    """A regfront running in a background thread of this process.

    >>> with RegFront("127.0.0.1:5101") as front:          # doctest: +SKIP
    ...     front.set_faults([FaultRule(FaultKind.UNAVAILABLE, path="/blobs/", rate=0.3)])
    ...     push_to(f"{front.address}/repo:tag"); print(front.stats.faults)
    """

    def __init__(
        self,
        backend: str,
        *,
        listen: str = "127.0.0.1:0",
        tls_cert: str | Path | None = None,
        tls_key: str | Path | None = None,
        serialise_manifests: bool = True,
        backend_timeout: float = 120.0,
    ) -> None:
        context = None
        if tls_cert is not None or tls_key is not None:
            if tls_cert is None or tls_key is None:
                raise ValueError("TLS needs both a certificate and a key")
            context = make_ssl_context(tls_cert, tls_key)
        self._server = FrontServer(
            split_address(listen),
            split_address(backend),
            ssl_context=context,
            serialise_manifests=serialise_manifests,
            backend_timeout=backend_timeout,
        )
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        """The port the front listens on."""
        return int(self._server.server_address[1])

    @property
    def address(self) -> str:
        """``host:port`` of the front, as used in image references."""
        return self._server.address

    @property
    def url(self) -> str:
        """``http(s)://host:port`` of the front."""
        return f"{self._server.scheme}://{self.address}"

    def start(self) -> Self:
        """Serve in a daemon thread; returns self."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                args=(0.05,),
                name=f"regfront:{self.port}",
                daemon=True,
            )
            self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in this thread until :meth:`stop` is called from another."""
        self._server.serve_forever()

    def stop(self) -> None:
        """Stop accepting, close open connections and the listening socket."""
        if self._thread is not None:  # shutdown() would wait forever on a server not started
            self._server.shutdown()
            self._thread.join(timeout=10)
            self._thread = None
        self._server.close_clients()
        self._server.server_close()

    def set_faults(
        self, rules: Sequence[FaultRule] | Mapping[str, Any], seed: int | None = 0
    ) -> None:
        """Replace the fault rules (objects, or the JSON form with its own seed)."""
        if isinstance(rules, Mapping):
            parsed, json_seed = parse_faults(rules)
            self._server.plan.set_rules(parsed, seed if json_seed is None else json_seed)
        else:
            self._server.plan.set_rules(list(rules), seed)

    def clear_faults(self) -> None:
        """Remove every fault rule."""
        self._server.plan.set_rules([])

    @property
    def faults(self) -> dict[str, Any]:
        """Armed rules (with firings ``left``) and the down switch, as JSON-ready data."""
        return self._server.plan.to_json()

    def set_down(self, down: bool = True, mode: DownMode | str = DownMode.UNAVAILABLE) -> None:
        """Refuse every request (503 answers, or ``mode="drop"``) until set_down(False)."""
        self._server.plan.set_down(DownMode(mode) if down else None)

    @property
    def stats(self) -> Stats:
        """A snapshot of the counters."""
        return self._server.stats.snapshot()

    def reset_stats(self) -> None:
        """Zero the counters."""
        self._server.stats.reset()
