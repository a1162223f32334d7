"""The three methods of ``github.actions.results.api.v1.CacheService``, over the store.

Behaviour the clients depend on (go-actions-cache ``cache_v2.go``, actions/toolkit
``cache.ts``):

- CreateCacheEntry for a scope/key/version that exists answers Twirp ``already_exists``
  (HTTP 409, "cache entry with the same key, version, and scope already exists", the text
  GitHub's service sends); go-actions-cache maps that code to ``os.ErrExist``.
- GetCacheEntryDownloadURL for a miss answers HTTP 200 ``{"ok": false}``: both clients
  treat ``!ok`` as a miss, while any non-2xx status (a 404) is an error to go-actions-cache
  (``loadV2`` fails, and with it BuildKit's export).
- Responses carry every field, proto names, int64 as a decimal string (protojson with
  EmitUnpopulated, as Twirp's Go servers write); go-actions-cache decodes ``entry_id``
  into a Go string and would fail on a JSON number.

Requests that break the contract (finalizing an entry never created, or before its blob is
uploaded, or with a size that is not the blob's) are answered as errors and recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from .azure import BlobAccount
from .store import Store, Violation
from .tokens import Scope

ALREADY_EXISTS = "cache entry with the same key, version, and scope already exists"
WRITE_DENIED = "cache write denied: token has no writable scopes"
MAX_KEY_LENGTH = 512  # actions/toolkit cache.ts checkKey

# Twirp error codes and their HTTP statuses (Twirp wire protocol, "Error codes").
TWIRP_STATUS = {
    "canceled": 408,
    "unknown": 500,
    "invalid_argument": 400,
    "malformed": 400,
    "deadline_exceeded": 408,
    "not_found": 404,
    "bad_route": 404,
    "already_exists": 409,
    "permission_denied": 403,
    "unauthenticated": 401,
    "resource_exhausted": 429,
    "failed_precondition": 412,
    "aborted": 409,
    "out_of_range": 400,
    "unimplemented": 501,
    "internal": 500,
    "unavailable": 503,
    "dataloss": 500,
}


class TwirpError(Exception):
    """A Twirp error answer; ``violation`` says whether the client broke the contract."""

    def __init__(self, code: str, msg: str, violation: bool = True) -> None:
        super().__init__(f"{code}: {msg}")
        self.code = code
        self.msg = msg
        self.violation = violation

    @property
    def status(self) -> int:
        """The HTTP status Twirp uses for this code."""
        return TWIRP_STATUS[self.code]

    def body(self) -> dict[str, str]:
        """The Twirp JSON error body."""
        return {"code": self.code, "msg": self.msg}


@dataclass
class CacheService:
    """Method implementations; callers hold ``store.lock``."""

    store: Store
    blobs: BlobAccount
    container: str
    scopes: tuple[Scope, ...]
    sas_ttl: timedelta

    @property
    def write_scope(self) -> str | None:
        """The scope new entries go to: the token's first writable scope."""
        return next((s.scope for s in self.scopes if s.writable), None)

    def call(self, method: str, request: dict[str, Any]) -> dict[str, Any]:
        """Run ``method`` on a decoded request; return the response message."""
        _check_keys(request)
        handlers = {
            "CreateCacheEntry": self.create,
            "FinalizeCacheEntryUpload": self.finalize,
            "GetCacheEntryDownloadURL": self.download_url,
        }
        return handlers[method](request)

    def create(self, request: dict[str, Any]) -> dict[str, Any]:
        """CreateCacheEntry: reserve the entry, hand out a signed upload URL."""
        scope = self.write_scope
        if scope is None:
            return {"ok": False, "signed_upload_url": "", "message": WRITE_DENIED}
        key, version = request["key"], request["version"]
        if self.store.find(scope, key, version) is not None:
            raise TwirpError("already_exists", ALREADY_EXISTS, violation=False)
        entry = self.store.create(scope, key, version, request["metadata"])
        url = self.blobs.blob_url(self.container, entry.blob_name, "cw", self.sas_ttl)
        return {"ok": True, "signed_upload_url": url, "message": ""}

    def finalize(self, request: dict[str, Any]) -> dict[str, Any]:
        """FinalizeCacheEntryUpload: check the uploaded blob, make the entry restorable."""
        key, version, size = request["key"], request["version"], request["size_bytes"]
        entry = self.store.find(self.write_scope or "", key, version)
        if entry is None:
            raise TwirpError("not_found", f"no cache entry for key {key!r} version {version}")
        if entry.finalized:
            raise TwirpError("already_exists", f"cache entry {key!r} is already finalized")
        actual = self.blobs.blob_size(self.container, entry.blob_name)
        problem = ""
        if actual is None:
            problem = f"finalized {key!r} before its blob was uploaded (committed)"
        elif actual != size:
            problem = f"size_bytes {size} for {key!r} but the uploaded blob has {actual} bytes"
        if problem:
            self.store.violations.append(
                Violation("FinalizeCacheEntryUpload", "failed_precondition", problem)
            )
            return {"ok": False, "entry_id": "0", "message": problem}
        entry.finalized = True
        entry.size_bytes = size
        return {"ok": True, "entry_id": str(entry.id), "message": ""}

    def download_url(self, request: dict[str, Any]) -> dict[str, Any]:
        """GetCacheEntryDownloadURL: the matching entry's signed URL, or ok=false (a miss)."""
        entry = self.store.lookup(
            self.scopes, request["key"], request["restore_keys"], request["version"]
        )
        if entry is None:
            return {"ok": False, "signed_download_url": "", "matched_key": ""}
        url = self.blobs.blob_url(self.container, entry.blob_name, "r", self.sas_ttl)
        return {"ok": True, "signed_download_url": url, "matched_key": entry.key}


def _check_keys(request: dict[str, Any]) -> None:
    """Refuse keys the toolkit's checkKey refuses (longer than 512 characters)."""
    for key in [request["key"], *request.get("restore_keys", [])]:
        if len(key) > MAX_KEY_LENGTH:
            raise TwirpError("invalid_argument", f"key longer than {MAX_KEY_LENGTH}: {key[:40]}...")
