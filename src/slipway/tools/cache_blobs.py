"""Blob transfers through the signed (SAS) URLs the cache service hands out, with ``requests``
alone (no Azure SDK: the action image stays small).

Upload, as Azure's REST reference and actions/toolkit ``uploadUtils.ts`` (the Azure SDK's
``uploadFile``) do it: a file of at most one block goes up in one "Put Blob"
(``x-ms-blob-type: BlockBlob``); a larger one in fixed-size "Put Block" requests
(``comp=block&blockid=<base64>``) on a few threads, then one "Put Block List" committing them
in order. Each request carries ``Content-MD5`` so the storage checks what it received, and the
block list sets the blob's MD5 (``x-ms-blob-content-md5``) so a download can check it too.

Download: one streamed "Get Blob" into a temporary file next to the destination, renamed only
when every byte of ``Content-Length`` arrived and the MD5 (when the blob has one) matches; a
truncated or corrupt download is an error, never a partial restore.

Every request sends ``x-ms-version: 2023-08-03`` (the SAS version the service signs with;
Azurite 3.37 accepts it). Transfers also have a deadline: 60 s plus one second per MiB, so a
trickle cannot hold the run; it is checked between chunks and between blocks.
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any
from urllib.parse import quote

import requests
import urllib3

from slipway.cache.wire import azure_error_code, block_ids, block_list_xml, blocks
from slipway.core.numbers import is_int
from slipway.tools.cache_http import GiveUp, Transient, Transport, monotonic, raise_for_retry

AZURE_VERSION = "2023-08-03"
CHUNK = 1024 * 1024
GRACE = 60.0  # seconds every transfer gets, plus one per MiB
MIN_RATE = 1024 * 1024  # bytes per second below which a transfer is abandoned


class NoAuth(requests.auth.AuthBase):
    """No credentials for blob URLs (the SAS is the credential; keeps ~/.netrc out of it)."""

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        return request


class FileRange:
    """``length`` bytes of a file from ``offset``, as a request body streamed from disk."""

    def __init__(self, path: Path, offset: int, length: int) -> None:
        self._file = path.open("rb")
        self._file.seek(offset)
        self._left = length

    def __len__(self) -> int:
        return self._left

    def read(self, size: int = -1) -> bytes:
        """Up to ``size`` bytes (all that is left for -1), b"" at the end of the range."""
        wanted = self._left if size is None or size < 0 else min(size, self._left)
        data = self._file.read(wanted)
        self._left -= len(data)
        return data

    def close(self) -> None:
        """Close the file."""
        self._file.close()


def file_md5(path: Path, offset: int = 0, length: int | None = None) -> str:
    """Base64 MD5 of a file or of a range of it (Azure's Content-MD5 form)."""
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as source:
        source.seek(offset)
        left = length
        while left is None or left > 0:
            chunk = source.read(CHUNK if left is None else min(CHUNK, left))
            if not chunk:
                break
            digest.update(chunk)
            if left is not None:
                left -= len(chunk)
    return base64.b64encode(digest.digest()).decode()


def deadline(size: int) -> float:
    """When a transfer of ``size`` bytes started now must be over (monotonic clock)."""
    return monotonic() + GRACE + size / MIN_RATE


def check_status(response: requests.Response, what: str, expected: int) -> None:
    """Return on ``expected``; Transient for a retried status; GiveUp for anything else."""
    if response.status_code == expected:
        return
    code = azure_error_code(response.content)
    raise_for_retry(response, what, code)
    raise GiveUp(f"{what}: the blob storage answered HTTP {response.status_code} {code}".rstrip())


def download(transport: Transport, url: str, dest: Path) -> int:
    """Get the blob at ``url`` into ``dest`` (atomically); return its size. Raises GiveUp."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(f".{dest.name}.{uuid.uuid4().hex[:12]}.part")
    started = monotonic()  # one deadline for every attempt
    try:
        size = transport.retrying("download", lambda: _get(transport, url, part, started))
        part.replace(dest)
        return size
    finally:
        part.unlink(missing_ok=True)


def _get(transport: Transport, url: str, part: Path, started: float) -> int:
    """One Get Blob attempt into ``part``; Transient when it broke off or does not match."""
    headers = {"x-ms-version": AZURE_VERSION, "Accept-Encoding": "identity"}
    response = transport.request(
        "download", "GET", url, headers=headers, stream=True, auth=NoAuth()
    )
    with response:
        check_status(response, "download", 200)
        length = response.headers.get("Content-Length", "")
        if not is_int(length):  # ASCII digits only (str.isdigit takes "²", int() does not)
            raise GiveUp("download: the blob storage sent no Content-Length")
        expected, written = int(length), 0
        digest = hashlib.md5(usedforsecurity=False)
        until = started + GRACE + expected / MIN_RATE
        with part.open("wb") as out:
            try:
                for chunk in response.iter_content(CHUNK):
                    out.write(chunk)
                    digest.update(chunk)
                    written += len(chunk)
                    if monotonic() > until:
                        raise GiveUp("download: slower than 1 MiB/s, abandoned")
            except requests.RequestException as exc:
                if _timed_out(exc):
                    raise GiveUp(
                        f"download: the blob storage sent nothing for {transport.limits.timeout:g} s"
                    ) from None
                raise Transient(
                    f"download: the connection broke before all {expected} bytes arrived"
                ) from None
        if written != expected:
            raise Transient(f"download: truncated, {written} of {expected} bytes arrived")
        stored = response.headers.get("Content-MD5")
        if stored and stored != base64.b64encode(digest.digest()).decode():
            raise Transient("download: the bytes do not match the blob's MD5")
        return written


def _with_query(url: str, query: str) -> str:
    """``url`` with ``query`` appended to its query string (the SAS stays as it is)."""
    return f"{url}{'&' if '?' in url else '?'}{query}"


def _timed_out(exc: requests.RequestException) -> bool:
    """True for a read timeout while streaming (requests wraps it in a ConnectionError)."""
    cause = exc.args[0] if exc.args else None
    return isinstance(exc, requests.Timeout) or isinstance(
        cause, urllib3.exceptions.ReadTimeoutError
    )


def upload(transport: Transport, url: str, source: Path, block_size: int, workers: int) -> int:
    """Put ``source`` at ``url`` (one Put Blob, or blocks and a block list); return its size."""
    size = source.stat().st_size
    md5 = file_md5(source)
    if size <= block_size:
        headers = {"x-ms-blob-type": "BlockBlob", "Content-MD5": md5}
        transport.retrying(
            "upload",
            lambda: _put(
                transport, url, source=source, offset=0, length=size, headers=headers, what="upload"
            ),
        )
        return size
    parts = blocks(size, block_size)
    ids = block_ids(uuid.uuid4().hex, len(parts))
    until = deadline(size)
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(parts)))) as pool:
        futures = [
            pool.submit(
                _put_block,
                transport,
                url,
                source=source,
                block_id=block_id,
                offset=offset,
                length=length,
                until=until,
            )
            for block_id, (offset, length) in zip(ids, parts, strict=True)
        ]
        done, _ = wait(futures, return_when=FIRST_EXCEPTION)
        failed = [f for f in done if f.exception() is not None]
        if failed:
            for future in futures:
                future.cancel()
            failed[0].result()  # raises the first failure
    headers = {"x-ms-blob-content-md5": md5, "Content-Type": "application/xml"}
    body = block_list_xml(ids)
    commit = _with_query(url, "comp=blocklist")
    transport.retrying(
        "upload (block list)",
        lambda: _send(transport, commit, body, headers, "upload (block list)"),
    )
    return size


def _put_block(
    transport: Transport,
    url: str,
    *,
    source: Path,
    block_id: str,
    offset: int,
    length: int,
    until: float,
) -> None:
    """Put Block, retried; GiveUp once the transfer's deadline has passed."""
    if monotonic() > until:
        raise GiveUp("upload: slower than 1 MiB/s, abandoned")
    headers = {"Content-MD5": file_md5(source, offset, length)}
    block_url = _with_query(url, f"comp=block&blockid={quote(block_id, safe='')}")
    transport.retrying(
        "upload (block)",
        lambda: _put(
            transport,
            block_url,
            source=source,
            offset=offset,
            length=length,
            headers=headers,
            what="upload (block)",
        ),
    )


def _put(
    transport: Transport,
    url: str,
    *,
    source: Path,
    offset: int,
    length: int,
    headers: dict[str, str],
    what: str,
) -> None:
    """One PUT of a file range (streamed from disk)."""
    body = FileRange(source, offset, length) if length else None
    try:
        _send(transport, url, body if body is not None else b"", headers, what)
    finally:
        if body is not None:
            body.close()


def _send(transport: Transport, url: str, body: Any, headers: dict[str, str], what: str) -> None:
    """PUT ``body``, expecting 201 Created."""
    sent = {"x-ms-version": AZURE_VERSION, "Content-Length": str(len(body)), **headers}
    response = transport.request(what, "PUT", url, data=body, headers=sent, auth=NoAuth())
    with response:
        check_status(response, what, 201)
