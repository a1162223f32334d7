"""A pass-through HTTP front before Azurite's blob endpoint that can inject faults.

The cache service hands out signed blob URLs; with ``GhaCacheStandin(..., blob_front=True)``
they point here instead of at Azurite, and every request is forwarded as it came (method,
path with the SAS query, headers, body). A SAS signs the account, container and blob path,
not the host, so Azurite checks the forwarded signatures as it would the direct ones.

Faults (:mod:`.faults`) target a blob operation: ``put-blob``, ``put-block``,
``put-block-list``, ``get-blob``, ``get-properties``, or ``*``. A status fault is answered
here with an Azure Storage error body; ``truncate`` / ``corrupt`` / ``stall`` fetch the real
answer and damage it (the full ``Content-Length`` is promised, then fewer or different bytes
follow, or nothing for ``stall`` seconds).
``requests`` records every request without its query string (signatures stay out of logs).
"""

from __future__ import annotations

import http.client
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

from tests.support.lifecycle import Running, serve_in_thread

from .faults import Fault, Faults
from .serving import TrackedHandler, TrackingServer

HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "host"}
)
AZURE_CODES = {500: "InternalError", 503: "ServerBusy", 403: "AuthenticationFailed"}
UPSTREAM_TIMEOUT = 120.0


@dataclass(frozen=True)
class BlobRecord:
    """One request through the front: the operation, the path (no query) and the status
    sent back (0 for a dropped connection)."""

    method: str
    operation: str
    path: str
    status: int
    fault: bool


def blob_operation(method: str, path: str, headers: dict[str, str]) -> str:
    """Name the Blob service operation of a request (Azure REST reference names)."""
    query = parse_qs(urlsplit(path).query)
    comp = query.get("comp", [""])[0]
    lowered = {k.lower() for k in headers}
    if method == "PUT" and comp == "block":
        return "put-block"
    if method == "PUT" and comp == "blocklist":
        return "put-block-list"
    if method == "PUT" and "x-ms-blob-type" in lowered and not comp:
        return "put-blob"
    if method == "GET" and not comp and "restype" not in query:
        return "get-blob"
    if method == "HEAD" and not comp:
        return "get-properties"
    return f"{method.lower()}-{comp or 'other'}"


class _FrontHandler(TrackedHandler):
    protocol_version = "HTTP/1.1"
    server: _FrontServer

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: ``front.requests`` is the log."""

    def do_GET(self) -> None:
        """Forward (or fault) one request."""
        self.server.front.serve(self)

    do_PUT = do_HEAD = do_DELETE = do_POST = do_GET


class _FrontServer(TrackingServer):
    front: BlobFront


class BlobFront(Running):
    """The front; ``account_url`` replaces Azurite's in the blob URLs handed out."""

    def __init__(self, upstream_account_url: str, host: str = "127.0.0.1") -> None:
        parts = urlsplit(upstream_account_url)
        self.upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.account_path = parts.path.rstrip("/")
        self.faults = Faults()
        self._host = host
        self._lock = threading.Lock()
        self._records: list[BlobRecord] = []
        self._server: _FrontServer | None = None
        self._url = ""

    def start(self) -> Self:
        """Serve on a free port."""
        self._server = _FrontServer((self._host, 0), _FrontHandler)
        self._server.front = self
        host, port = self._server.server_address[:2]
        self._url = f"http://{host!s}:{port}"
        serve_in_thread(self._server)
        return self

    def stop(self) -> None:
        """Stop serving."""
        if self._server is not None:
            self._server.close()
            self._server = None

    @property
    def account_url(self) -> str:
        """``http://127.0.0.1:PORT/<account>``, as Azurite's account URL but through here."""
        return self._url + self.account_path

    @property
    def requests(self) -> list[BlobRecord]:
        """Every request so far, in order."""
        with self._lock:
            return list(self._records)

    def fail_next(self, operation: str, status: int = 503, **options: Any) -> None:
        """Make the next ``operation`` fail (options: retry_after, drop, truncate, corrupt,
        stall, body, times)."""
        self.faults.add(Fault(operation, status, **options))

    # -- serving -------------------------------------------------------------------------
    def serve(self, handler: BaseHTTPRequestHandler) -> None:
        """Answer one request: a fault, or Azurite's answer (possibly damaged)."""
        headers = dict(handler.headers.items())
        body = _read_body(handler)
        operation = blob_operation(handler.command, handler.path, headers)
        fault = self.faults.take(operation)
        if fault is not None and fault.drop:
            self._record(handler, operation, 0, fault)
            handler.close_connection = True
        elif fault is not None and not fault.alters_answer:
            self._record(handler, operation, fault.status, fault)
            data = fault.body or _azure_error(fault.status)
            _reply(handler, fault.status, _error_headers(fault), data)
        else:
            status, answer_headers, data = self._forward(handler, headers, body)
            self._record(handler, operation, status, fault)
            _reply(handler, status, answer_headers, data, fault)

    def _record(
        self, handler: BaseHTTPRequestHandler, operation: str, status: int, fault: Fault | None
    ) -> None:
        """Log a request before its answer goes out (a client with an answer finds it)."""
        record = BlobRecord(
            handler.command, operation, urlsplit(handler.path).path, status, fault is not None
        )
        with self._lock:
            self._records.append(record)

    def _forward(
        self, handler: BaseHTTPRequestHandler, headers: dict[str, str], body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        """The request as it came, to Azurite; its answer read whole."""
        connection = http.client.HTTPConnection(*self.upstream, timeout=UPSTREAM_TIMEOUT)
        try:
            sent = {k: v for k, v in headers.items() if k.lower() not in HOP_BY_HOP}
            sent["Host"] = f"{self.upstream[0]}:{self.upstream[1]}"
            if body or handler.command in ("PUT", "POST"):
                sent["Content-Length"] = str(len(body))
            connection.request(handler.command, handler.path, body=body or None, headers=sent)
            response = connection.getresponse()
            data = response.read()
            kept = [(k, v) for k, v in response.getheaders() if k.lower() not in HOP_BY_HOP]
            return response.status, kept, data
        finally:
            connection.close()


def _read_body(handler: BaseHTTPRequestHandler) -> bytes:
    """The request body (Content-Length or chunked)."""
    if handler.headers.get("Transfer-Encoding", "").lower() == "chunked":
        chunks = []
        while size := int(handler.rfile.readline().split(b";")[0].strip() or b"0", 16):
            chunks.append(handler.rfile.read(size))
            handler.rfile.readline()
        while handler.rfile.readline() not in (b"\r\n", b"\n", b""):
            pass
        return b"".join(chunks)
    return handler.rfile.read(int(handler.headers.get("Content-Length") or 0))


def _reply(
    handler: BaseHTTPRequestHandler,
    status: int,
    headers: list[tuple[str, str]],
    data: bytes,
    fault: Fault | None = None,
) -> None:
    """Send an answer; a truncating fault promises all of ``data`` and sends part of it."""
    if fault is not None and fault.corrupt and data:
        data = bytes([data[0] ^ 0xFF]) + data[1:]
    handler.send_response(status)
    length = next((v for k, v in headers if k.lower() == "content-length"), None)
    for name, value in headers:
        if name.lower() != "content-length":
            handler.send_header(name, value)
    if handler.command == "HEAD" and length is not None:
        handler.send_header("Content-Length", length)  # HEAD: the blob's size, no body
    else:
        handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    if handler.command == "HEAD":
        return
    if fault is not None and (fault.truncate is not None or fault.stall):
        handler.wfile.write(data[: fault.truncate or 0])
        handler.wfile.flush()
        time.sleep(fault.stall)  # silence mid-answer, then the connection closes
        handler.close_connection = True
        return
    handler.wfile.write(data)


def _error_headers(fault: Fault) -> list[tuple[str, str]]:
    """Headers of an injected Azure error answer."""
    headers = [("Content-Type", "application/xml"), ("x-ms-version", "2023-08-03")]
    if fault.retry_after is not None:
        headers.append(("Retry-After", fault.retry_after))
    return headers


def _azure_error(status: int) -> bytes:
    """An Azure Storage error body for an injected status."""
    code = AZURE_CODES.get(status, "InjectedFault")
    return (
        '<?xml version="1.0" encoding="utf-8"?><Error>'
        f"<Code>{code}</Code><Message>injected by the test</Message></Error>"
    ).encode()
