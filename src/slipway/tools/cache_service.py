"""Slipway's client of GitHub Actions' cache service v2: look up, download, save.

The service is Twirp JSON at ``<ACTIONS_RESULTS_URL>/twirp/github.actions.results.api.v1.
CacheService/<Method>`` with ``Authorization: Bearer <ACTIONS_RUNTIME_TOKEN>`` (actions/toolkit
``cacheTwirpClient.ts``; requests carry proto field names, int64 as a string, no default values,
as the toolkit's generated ``cache.twirp-client.ts`` sends them). The blobs travel between this
client and Azure Blob Storage through signed URLs (:mod:`slipway.tools.cache_blobs`).

The cache is an optimisation, so nothing here is an error the caller must handle:

* a miss is ``None``; a key that exists already, a read-only token (a fork's pull request) and
  ``ACTIONS_CACHE_MODE`` are normal outcomes of ``save`` (``SaveResult``), said once as a
  ``notice``, with no call to the service when the token or mode already tells;
* a failure of the service or of the storage (unreachable, 5xx or 429 after the retries of
  :mod:`slipway.tools.cache_http`, a malformed answer, a broken transfer) is recorded once in
  ``problems`` (for the caller's one warning line), and the client then answers every later
  call at once without the network: ``lookup`` gives None, ``save`` an UNAVAILABLE result,
  ``download`` raises :class:`CacheUnavailable` (its one exception, so the caller can go cold);
* keys the service refuses (over 512 characters, a comma, more than 10 keys; toolkit
  ``checkKey``) are refused before any call, as a problem.

Time a run can lose to the service, with the defaults (:class:`slipway.tools.cache_http.Limits`):
a refused connection costs one attempt (no retry), a silent one 10 s to connect or 30 s without
a byte (no retry); 429s and 5xx cost at most 4 requests per call and 30 s of waiting per run in
all (a Retry-After over 10 s is not waited for); a blob transfer is abandoned once it takes
longer than 60 s plus 1 s per MiB. After that failure, nothing more is asked.

No message, ``repr`` or exception here carries the runtime token or a signed URL: messages
name the method, the host and the status, and pass through :func:`slipway.cache_wire.redact`.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import requests

from slipway import __version__
from slipway.cache_config import ServiceConfig
from slipway.cache_wire import (
    QUOTA_MARK,
    WRITE_DENIED_MARK,
    MalformedAnswer,
    key_problem,
    parse_create,
    parse_download,
    parse_finalize,
    redact,
    service_message,
    shown_key,
    twirp_error,
)
from slipway.tools import cache_blobs
from slipway.tools.cache_http import GiveUp, Limits, Transport, raise_for_retry

SERVICE = "github.actions.results.api.v1.CacheService"
BLOCK_SIZE = 32 * 1024 * 1024  # larger files go up in blocks of this size
WORKERS = 4  # blocks in flight at once (network-bound: fine on a 2-core runner)

ALREADY_SAVED = "an entry with this key and version exists already (saved by an earlier run)"
WRITE_DENIED = (
    "the cache service refused to save: the runtime token may not write to the cache "
    "(as on a pull request from a fork), so nothing is saved"
)
QUOTA_FULL = (
    "the repository's cache storage is full (the service said: {message}), so nothing more is saved"
)
NOT_CREATED = "CreateCacheEntry for {key} was refused: {message}"
NOT_FINALIZED = "FinalizeCacheEntryUpload for {key} was refused: {message}"
REFUSED = "{method}: the service answered HTTP {status} {code}: {message}"
MALFORMED = "{method}: the service's answer is malformed ({detail})"
CANNOT_READ = "cannot read {name} to save it: {error}"


class CacheUnavailable(Exception):
    """A download failed (or the service had already failed); the run goes on cold.

    The message is redacted: no token, no signed URL.
    """


class SaveOutcome(StrEnum):
    """What became of a save."""

    SAVED = "saved"
    EXISTS = "exists"  # the key and version are there already: nothing to do
    SKIPPED = "skipped"  # ACTIONS_CACHE_MODE or the token's scopes: no call made
    DENIED = "denied"  # the service said the token may not write
    REFUSED = "refused"  # a key the service refuses, a full cache, an ok=false answer
    UNAVAILABLE = "unavailable"  # the service or the storage failed (see problems)


@dataclass(frozen=True)
class SaveResult:
    """The outcome of :meth:`CacheService.save`; ``reason`` says why it was not saved."""

    outcome: SaveOutcome
    reason: str = ""
    size: int = 0

    @property
    def saved(self) -> bool:
        """True when the entry was created, uploaded and finalized."""
        return self.outcome is SaveOutcome.SAVED


@dataclass(frozen=True)
class Hit:
    """A lookup that found an entry; ``url`` is secret-bearing (SAS) and never shown."""

    key: str
    matched_key: str
    url: str = field(repr=False)

    @property
    def exact(self) -> bool:
        """True when the primary key matched (not a restore-key prefix)."""
        return self.key == self.matched_key


class _Bearer(requests.auth.AuthBase):
    """``Authorization: Bearer <token>`` (an auth object, so ~/.netrc cannot replace it)."""

    def __init__(self, token: str) -> None:
        self._token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self._token}"
        return request

    def __repr__(self) -> str:
        return "_Bearer(***)"


class _Refused(Exception):
    """A Twirp error answer that no retry changes (already_exists, unauthenticated, ...)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(code)
        self.status, self.code, self.message = status, code, message


class CacheService:
    """The cache service for one run; thread-safe. See the module docstring for behaviour."""

    def __init__(
        self,
        config: ServiceConfig,
        *,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        timeout: float = 30.0,
        block_size: int = BLOCK_SIZE,
        workers: int = WORKERS,
        limits: Limits | None = None,
    ) -> None:
        self.config = config
        limits = limits or Limits(timeout=timeout, connect_timeout=min(10.0, timeout))
        self._transport = Transport(session or requests.Session(), limits, sleep)
        self._block_size = max(1, block_size)
        self._workers = max(1, workers)
        self._lock = threading.Lock()
        self._problems: list[str] = []
        self._notices: list[str] = []
        self._down = ""  # why the service is unavailable ("" while it is not)
        self._saves_off = ""  # why the service will not take saves this run
        self._headers = {
            "Content-Type": "application/json",
            "Accept": "application/json",
            "User-Agent": f"slipway/{__version__}",
        }

    def __repr__(self) -> str:
        return f"CacheService(available={self.available}, mode={self.config.mode.value})"

    # -- what the caller reports ---------------------------------------------------------
    @property
    def problems(self) -> list[str]:
        """What went wrong, each redacted, for the caller's one warning line."""
        with self._lock:
            return list(self._problems)

    @property
    def notices(self) -> list[str]:
        """Normal outcomes worth one line each (saves off for a read-only token, ...)."""
        with self._lock:
            return list(self._notices)

    @property
    def available(self) -> bool:
        """False once the service or the storage failed this run."""
        with self._lock:
            return not self._down

    @property
    def slept(self) -> float:
        """Seconds spent waiting between retries so far."""
        return self._transport.slept

    def close(self) -> None:
        """Close the HTTP session."""
        self._transport.session.close()

    # -- the three operations ------------------------------------------------------------
    def lookup(self, key: str, restore_keys: Sequence[str], version: str) -> Hit | None:
        """The entry for ``key`` (else the newest whose key starts with a restore key, in
        order) of this ``version``; None on a miss, when reads are off, or on any failure."""
        problem = key_problem([key, *restore_keys], version)
        if problem:
            self._record(self._problems, problem)
            return None
        if not self.config.can_read:
            self._record(self._notices, self.config.reads_off)
            return None
        if not self.available:
            return None
        payload: dict[str, Any] = {"key": key, "version": version}
        if restore_keys:
            payload["restore_keys"] = list(restore_keys)
        method = "GetCacheEntryDownloadURL"
        try:
            found = parse_download(self._twirp(method, payload))
        except (GiveUp, _Refused, MalformedAnswer) as exc:
            self._fail(self._reason(method, exc))
            return None
        return None if found is None else Hit(key, found[0], found[1])

    def download(self, hit: Hit, dest: Path) -> int:
        """Stream ``hit``'s blob into ``dest`` (replaced only when whole); return its size.

        Raises CacheUnavailable (redacted) when it fails or the service already failed.
        """
        with self._lock:
            down = self._down
        if down:
            raise CacheUnavailable(down)
        try:
            return cache_blobs.download(self._transport, hit.url, dest)
        except GiveUp as exc:
            reason = self._fail(exc.reason)
        except OSError as exc:  # the local disk, not the service: no reason to stop using it
            reason = self._redact(f"download: cannot write {dest.name}: {exc.strerror}")
            self._record(self._problems, reason)
        raise CacheUnavailable(reason)

    def save(self, key: str, version: str, source: Path) -> SaveResult:
        """CreateCacheEntry, upload ``source``, FinalizeCacheEntryUpload with its exact size."""
        skipped = self._save_skipped(key, version, source)
        if skipped is not None:
            return skipped
        step = "CreateCacheEntry"
        try:
            created = parse_create(self._twirp(step, {"key": key, "version": version}))
            if not created.ok:
                return self._not_created(key, created.message)
            step = "upload"
            size = cache_blobs.upload(
                self._transport, created.upload_url, source, self._block_size, self._workers
            )
            step = "FinalizeCacheEntryUpload"
            payload = {"key": key, "version": version, "size_bytes": str(size)}
            finalized = parse_finalize(self._twirp(step, payload))
        except (_Refused, GiveUp, MalformedAnswer, OSError) as exc:
            return self._save_failed(step, exc, source)
        if not finalized.ok:
            message = service_message(finalized.message or "ok is false")
            problem = self._redact(NOT_FINALIZED.format(key=shown_key(key), message=message))
            self._record(self._problems, problem)
            return SaveResult(SaveOutcome.REFUSED, problem)
        return SaveResult(SaveOutcome.SAVED, "", size)

    # -- internals -----------------------------------------------------------------------
    def _save_skipped(self, key: str, version: str, source: Path) -> SaveResult | None:
        """The result of a save that makes no call (bad key, mode, token, earlier failure)."""
        problem = key_problem([key], version)
        if not problem and not source.is_file():
            problem = CANNOT_READ.format(name=source.name, error="not a file")
        if problem:
            problem = self._redact(problem)
            self._record(self._problems, problem)
            return SaveResult(SaveOutcome.REFUSED, problem)
        if not self.config.can_write:
            self._record(self._notices, self.config.saves_off)
            return SaveResult(SaveOutcome.SKIPPED, self.config.saves_off)
        with self._lock:
            down, saves_off = self._down, self._saves_off
        if saves_off:
            return SaveResult(SaveOutcome.DENIED, saves_off)
        if down:
            return SaveResult(SaveOutcome.UNAVAILABLE, down)
        return None

    def _save_failed(self, step: str, exc: Exception, source: Path) -> SaveResult:
        """The result of a save that failed at ``step``."""
        if isinstance(exc, _Refused) and (
            exc.code == "already_exists" or (step == "CreateCacheEntry" and exc.status == 409)
        ):
            return SaveResult(SaveOutcome.EXISTS, ALREADY_SAVED)
        if isinstance(exc, OSError):  # the local file, not the service
            problem = self._redact(CANNOT_READ.format(name=source.name, error=exc.strerror))
            self._record(self._problems, problem)
            return SaveResult(SaveOutcome.REFUSED, problem)
        return SaveResult(SaveOutcome.UNAVAILABLE, self._fail(self._reason(step, exc)))

    def _not_created(self, key: str, message: str) -> SaveResult:
        """CreateCacheEntry answered ok=false: a read-only token, a full cache, or else."""
        if WRITE_DENIED_MARK in message:
            with self._lock:
                self._saves_off = WRITE_DENIED
            self._record(self._notices, WRITE_DENIED)
            return SaveResult(SaveOutcome.DENIED, WRITE_DENIED)
        shown = service_message(message or "ok is false")
        if QUOTA_MARK in message:
            problem = self._redact(QUOTA_FULL.format(message=shown))
            with self._lock:
                self._saves_off = problem
        else:
            problem = self._redact(NOT_CREATED.format(key=shown_key(key), message=shown))
        self._record(self._problems, problem)
        return SaveResult(SaveOutcome.REFUSED, problem)

    def _twirp(self, method: str, payload: dict[str, Any]) -> dict[str, Any]:
        """One Twirp call with retries; the decoded answer, or _Refused / GiveUp."""
        url = urljoin(self.config.results_url, f"/twirp/{SERVICE}/{method}")
        data = json.dumps(payload).encode()
        auth = _Bearer(self.config.token)

        def attempt() -> dict[str, Any]:
            response = self._transport.request(
                method, "POST", url, data=data, headers=self._headers, auth=auth
            )
            with response:
                try:
                    body: Any = response.json()
                except ValueError:
                    body = None
                code, message = twirp_error(body)
                raise_for_retry(response, method, code)
                if response.status_code != 200:
                    raise _Refused(response.status_code, code, message)
                if not isinstance(body, dict):
                    raise MalformedAnswer("not a JSON object")
                return body

        return self._transport.retrying(method, attempt)

    def _reason(self, method: str, exc: Exception) -> str:
        """A one-line reason for a failure of ``method``."""
        if isinstance(exc, GiveUp):
            return exc.reason
        if isinstance(exc, _Refused):
            message = service_message(exc.message) or "(no message)"
            code = exc.code or "(not a Twirp error)"
            return REFUSED.format(method=method, status=exc.status, code=code, message=message)
        return MALFORMED.format(method=method, detail=exc)

    def _fail(self, reason: str) -> str:
        """Mark the service unavailable for the rest of the run; return the redacted reason."""
        text = self._redact(reason)
        with self._lock:
            if not self._down:
                self._down = text
                self._problems.append(text)
        return text

    def _record(self, lines: list[str], text: str) -> None:
        """Append ``text`` (redacted) to problems or notices unless it is there already."""
        text = self._redact(text)
        with self._lock:
            if text and text not in lines:
                lines.append(text)

    def _redact(self, text: str) -> str:
        return redact(text, [self.config.token])
