"""HTTP/1.1 wire helpers for regfront: body framing, hop-by-hop headers, Location rewrite.

Bodies are moved in pieces of at most :data:`PIECE` bytes so a 500 MB layer never sits
in memory whole (RFC 9112 sections 6 and 7 for the framing rules used here).
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Iterator
from email.message import Message
from http import HTTPStatus
from typing import Protocol
from urllib.parse import urlsplit, urlunsplit

PIECE = 64 * 1024
_MAX_LINE = 8 * 1024

# RFC 9110 section 7.6.1: meaningful for one connection only, never forwarded.
HOP_BY_HOP = frozenset(
    (
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "expect",
    )
)


class Reader(Protocol):
    """The part of a buffered binary stream the body readers use."""

    def read1(self, size: int = ..., /) -> bytes: ...

    def readline(self, size: int | None = ..., /) -> bytes: ...


class BodyError(ConnectionError):
    """The peer broke the framing or closed the connection inside a body."""


def is_chunked(headers: Message) -> bool:
    """Whether the message body uses chunked transfer coding (the final coding wins)."""
    codings = [
        c.strip().lower() for v in headers.get_all("Transfer-Encoding", []) for c in v.split(",")
    ]
    return bool(codings) and codings[-1] == "chunked"


def content_length(headers: Message) -> int | None:
    """The declared Content-Length, None if absent; ValueError if malformed."""
    value = headers.get("Content-Length")
    if value is None:
        return None
    length = int(value.split(",")[0].strip())
    if length < 0:
        raise ValueError(f"negative Content-Length {value!r}")
    return length


def has_request_body(headers: Message) -> bool:
    """Whether a request carries a body (RFC 9112 section 6.3: TE or Content-Length)."""
    return is_chunked(headers) or (content_length(headers) or 0) > 0


def iter_exact(reader: Reader, length: int) -> Iterator[bytes]:
    """Yield exactly ``length`` bytes from ``reader`` in pieces."""
    left = length
    while left > 0:
        piece = reader.read1(min(left, PIECE))
        if not piece:
            raise BodyError(f"connection closed with {left} of {length} body bytes unread")
        left -= len(piece)
        yield piece


def iter_chunked(reader: Reader) -> Iterator[bytes]:
    """Yield the decoded data of a chunked body; trailers are read and dropped."""
    while True:
        line = reader.readline(_MAX_LINE)
        if not line.endswith(b"\n"):
            raise BodyError("connection closed inside a chunk-size line")
        try:
            size = int(line.split(b";", 1)[0].strip(), 16)
        except ValueError as error:
            raise BodyError(f"bad chunk-size line {line[:40]!r}") from error
        if size == 0:
            break
        yield from iter_exact(reader, size)
        if reader.readline(_MAX_LINE).strip():
            raise BodyError("chunk data not followed by CRLF")
    while True:  # trailer section, up to the empty line
        line = reader.readline(_MAX_LINE)
        if not line.endswith(b"\n"):
            raise BodyError("connection closed inside the chunked trailer")
        if not line.strip():
            return


def iter_request_body(reader: Reader, headers: Message) -> Iterator[bytes]:
    """Yield a request's body as framed by its headers (nothing if it has none)."""
    if is_chunked(headers):
        return iter_chunked(reader)
    return iter_exact(reader, content_length(headers) or 0)


def encode_chunk(data: bytes) -> bytes:
    """One chunk of chunked transfer coding (empty data gives the last chunk)."""
    if not data:
        return b"0\r\n\r\n"
    return b"%x\r\n%b\r\n" % (len(data), data)


def end_to_end(headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """The headers with hop-by-hop ones removed, including any named in Connection."""
    pairs = list(headers)
    named = {
        token.strip().lower()
        for name, value in pairs
        if name.lower() == "connection"
        for token in value.split(",")
    }
    return [(n, v) for n, v in pairs if n.lower() not in HOP_BY_HOP and n.lower() not in named]


def rewrite_location(value: str, backend: str, front_base: str) -> str:
    """Point an absolute URL at ``backend`` (host:port) to ``front_base`` (scheme://host:port).

    Relative URLs and URLs for other hosts are returned unchanged.
    """
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or parts.netloc.lower() != backend.lower():
        return value
    front = urlsplit(front_base)
    return urlunsplit((front.scheme, front.netloc, parts.path, parts.query, parts.fragment))


def status_bytes(status: int, reason: str, headers: Iterable[tuple[str, str]]) -> bytes:
    """A serialised HTTP/1.1 status line and header section."""
    out = io.StringIO()
    out.write(f"HTTP/1.1 {status} {reason}\r\n")
    for name, value in headers:
        out.write(f"{name}: {value}\r\n")
    out.write("\r\n")
    return out.getvalue().encode("latin-1")


class Writer(Protocol):
    """The part of a binary stream :func:`reply` writes to."""

    def write(self, data: bytes, /) -> int: ...


def reply(
    out: Writer,
    status: int,
    body: bytes,
    *,
    content_type: str = "application/json",
    headers: Iterable[tuple[str, str]] = (),
    close: bool = False,
) -> None:
    """Write a complete small response (status, headers, body) made by the front itself."""
    pairs = [("Content-Type", content_type), ("Content-Length", str(len(body))), *headers]
    if close:
        pairs.append(("Connection", "close"))
    out.write(status_bytes(status, HTTPStatus(status).phrase, pairs) + body)


_ERROR_CODES = {
    403: "DENIED",
    429: "TOOMANYREQUESTS",
    500: "UNKNOWN",
    502: "UNAVAILABLE",
    503: "UNAVAILABLE",
}


def error_body(status: int, message: str) -> bytes:
    """A registry-style error document (OCI distribution spec, "Error Codes")."""
    code = _ERROR_CODES.get(status, "UNKNOWN")
    return json.dumps({"errors": [{"code": code, "message": message, "detail": None}]}).encode()
