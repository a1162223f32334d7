"""The wire formats of GitHub's cache service v2 and of Azure Blob Storage, read and written
without I/O (pure): key rules, Twirp answers, block ids and block lists, and how
a message about them is made fit to show (Slipway's one redaction, then escapes).

Sources: actions/toolkit ``packages/cache/src/cache.ts`` (``checkKey``, at most 10 keys),
``generated/results/api/v1/cache.ts`` (field names; int64 travels as a JSON string, and a
protojson server may spell fields in lowerCamelCase or leave defaults out), the Twirp wire
protocol (error bodies ``{"code", "msg"}``), and Azure's REST reference for Put Block /
Put Block List (block ids: base64, all of one length, at most 64 bytes before encoding).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from slipway.core.redact import redact

MAX_KEY_LENGTH = 512  # cache.ts checkKey
MAX_KEYS = 10  # cache.ts restoreCacheV2: "Keys are limited to a maximum of 10."
MESSAGE_LIMIT = 300  # characters of a service's own message that a problem line keeps

KEY_TOO_LONG = "cache key {key} is longer than 512 characters (the service refuses it)"
KEY_COMMA = "cache key {key} contains a comma (the service refuses it)"
KEY_EMPTY = "a cache key is empty (the service refuses it)"
TOO_MANY_KEYS = "{count} cache keys given, the service takes at most 10 (key and restore keys)"
NO_VERSION = "a cache version is empty (the service refuses it)"

# Substrings of the service's messages (CreateCacheEntry ok=false): a token without writable
# scopes, and the repository's cache storage quota (toolkit errors.ts UsageError).
WRITE_DENIED_MARK = "no writable scopes"
QUOTA_MARK = "insufficient usage"

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069]")
_AZURE_CODE = re.compile(r"<Code>([A-Za-z0-9]{1,80})</Code>")


class MalformedAnswer(ValueError):
    """A service answer that is not the message it should be (types, missing URL)."""


@dataclass(frozen=True)
class CreateAnswer:
    """CreateCacheEntryResponse: ``ok``, the signed upload URL, the service's message."""

    ok: bool
    upload_url: str
    message: str


@dataclass(frozen=True)
class FinalizeAnswer:
    """FinalizeCacheEntryUploadResponse."""

    ok: bool
    entry_id: int
    message: str


def key_problem(keys: Sequence[str], version: str) -> str:
    """The first reason the service would refuse these keys (or this version), or ""."""
    if len(keys) > MAX_KEYS:
        return TOO_MANY_KEYS.format(count=len(keys))
    for key in keys:
        if not key:
            return KEY_EMPTY
        if len(key) > MAX_KEY_LENGTH:
            return KEY_TOO_LONG.format(key=shown_key(key))
        if "," in key:
            return KEY_COMMA.format(key=shown_key(key))
    return "" if version else NO_VERSION


def shown_key(key: str) -> str:
    """A key as a message shows it: escaped, at most 60 characters."""
    return ascii(key if len(key) <= 60 else key[:57] + "...")


def shown_line(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` as one line fit to show: :func:`slipway.core.redact.redact` (the given secrets, a
    signed URL's ``sig=`` and other credentials hidden), then control and bidi characters
    escaped (a service's message must not break the line or reorder it)."""
    hidden = redact(text, sorted((s for s in secrets if s), key=len, reverse=True))
    return _CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", hidden)


def service_message(text: object) -> str:
    """A message the service wrote, shortened for a problem line (shown_line() still runs)."""
    words = str(text).strip()
    return words if len(words) <= MESSAGE_LIMIT else words[: MESSAGE_LIMIT - 3] + "..."


def host_of(url: str) -> str:
    """``host[:port]`` of a URL, without user info or anything after it (for messages)."""
    try:
        netloc = urlsplit(url).netloc
    except ValueError:
        return "?"
    return netloc.rpartition("@")[2] or "?"


def _field(body: Mapping[str, Any], name: str) -> Any:
    """A field by its proto name or its lowerCamelCase JSON name (protojson reads both)."""
    if name in body:
        return body[name]
    head, *rest = name.split("_")
    return body.get(head + "".join(part.title() for part in rest))


def _string(body: Mapping[str, Any], name: str) -> str:
    value = _field(body, name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise MalformedAnswer(f"{name} is not a string")
    return value


def _bool(body: Mapping[str, Any], name: str) -> bool:
    value = _field(body, name)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise MalformedAnswer(f"{name} is not true or false")
    return value


def _int64(body: Mapping[str, Any], name: str) -> int:
    value = _field(body, name)
    if value is None:
        return 0
    if isinstance(value, str) and re.fullmatch(r"-?[0-9]{1,19}", value):
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise MalformedAnswer(f"{name} is not an int64")


def _signed_url(body: Mapping[str, Any], name: str) -> str:
    url = _string(body, name)
    try:
        parts = urlsplit(url)
    except ValueError:
        raise MalformedAnswer(f"{name} is not a URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise MalformedAnswer(f"{name} is not an http(s) URL")
    return url


def parse_download(body: Mapping[str, Any]) -> tuple[str, str] | None:
    """GetCacheEntryDownloadURLResponse: ``(matched_key, signed_download_url)``, None on a miss."""
    if not _bool(body, "ok"):
        return None
    matched = _string(body, "matched_key")
    if not matched:
        raise MalformedAnswer("matched_key is empty on a hit")
    return matched, _signed_url(body, "signed_download_url")


def parse_create(body: Mapping[str, Any]) -> CreateAnswer:
    """CreateCacheEntryResponse."""
    ok = _bool(body, "ok")
    url = _signed_url(body, "signed_upload_url") if ok else ""
    return CreateAnswer(ok, url, _string(body, "message"))


def parse_finalize(body: Mapping[str, Any]) -> FinalizeAnswer:
    """FinalizeCacheEntryUploadResponse."""
    return FinalizeAnswer(_bool(body, "ok"), _int64(body, "entry_id"), _string(body, "message"))


def twirp_error(body: Any) -> tuple[str, str]:
    """``(code, msg)`` of a Twirp error body; ``("", "")`` when it is not one (a gateway's)."""
    if isinstance(body, dict) and isinstance(body.get("code"), str):
        return body["code"], str(body.get("msg", ""))
    return "", ""


def azure_error_code(body: bytes) -> str:
    """The ``<Code>`` of an Azure Storage error body (e.g. ``AuthenticationFailed``), or ""."""
    found = _AZURE_CODE.search(body[:4096].decode("utf-8", "replace"))
    return found.group(1) if found else ""


def block_ids(prefix: str, count: int) -> list[str]:
    """Put Block ids: base64 of ``<prefix>-<number>``, all of one length (Azure's rule)."""
    return [base64.b64encode(f"{prefix}-{n:06d}".encode()).decode() for n in range(count)]


def block_list_xml(ids: Sequence[str]) -> bytes:
    """The Put Block List body committing ``ids`` in order (each as ``<Latest>``)."""
    items = "".join(f"<Latest>{block_id}</Latest>" for block_id in ids)
    return f'<?xml version="1.0" encoding="utf-8"?><BlockList>{items}</BlockList>'.encode()


def blocks(size: int, block_size: int) -> list[tuple[int, int]]:
    """``(offset, length)`` of each block of a ``size``-byte file."""
    return [(start, min(block_size, size - start)) for start in range(0, size, block_size)]
