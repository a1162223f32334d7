"""Slipway's client of GitHub Actions' cache service v2: look up, download, save.

The service's Twirp calls are :mod:`slipway.tools.cache_twirp`'s; the blobs travel between this
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
  an unexpected error inside the client is treated the same way;
* keys the service refuses (over 512 characters, a comma, more than 10 keys; toolkit
  ``checkKey``) are refused before any call, as a problem.

Time a run can lose to the service, with the defaults (:class:`slipway.tools.cache_http.Limits`):
a refused connection costs one attempt (no retry), a silent one 10 s to connect or 30 s without
a byte (no retry); 429s and 5xx cost at most 4 requests per call and 30 s of waiting per run in
all (a Retry-After over 10 s is not waited for); a blob transfer is abandoned once it takes
longer than 60 s plus 1 s per MiB. After that failure, nothing more is asked.

No message, ``repr`` or exception here carries the runtime token or a signed URL: messages
name the method, the host and the status, and pass through :func:`slipway.cache.wire.shown_line`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import requests

from slipway.cache.config import ServiceConfig
from slipway.cache.wire import (
    QUOTA_MARK,
    WRITE_DENIED_MARK,
    MalformedAnswer,
    key_problem,
    parse_create,
    parse_download,
    parse_finalize,
    service_message,
    shown_key,
    shown_line,
)
from slipway.runner import cancel
from slipway.tools import cache_blobs
from slipway.tools.cache_http import GiveUp, Limits, Transport
from slipway.tools.cache_twirp import Refused, TwirpClient, describe

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
CANNOT_READ = "cannot read {name} to save it: {error}"
CANNOT_WRITE = "download: cannot write {name}: {error}"
UNEXPECTED = "{what}: unexpected {kind} in Slipway's cache client (a bug: please report it)"


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
        """True when the primary key matched (not a prefix match)."""
        return self.key == self.matched_key


class CacheService:
    """The cache service for one run; thread-safe. See the module docstring for behaviour.

    ``limits`` overrides ``timeout``; ``sleep`` receives every wait between retries.
    """

    def __init__(
        self,
        config: ServiceConfig,
        *,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = cancel.sleep,
        timeout: float = 30.0,
        block_size: int = BLOCK_SIZE,
        workers: int = WORKERS,
        limits: Limits | None = None,
    ) -> None:
        self.config = config
        limits = limits or Limits(timeout=timeout, connect_timeout=min(10.0, timeout))
        self._transport = Transport(session or requests.Session(), limits, sleep)
        self._twirp = TwirpClient(self._transport, config.results_url, config.token)
        self._block_size = max(1, block_size)
        self._workers = max(1, workers)
        self._lock = threading.Lock()
        self._problems: list[str] = []
        self._notices: list[str] = []
        self._down = ""  # why the service is unavailable ("" while it is not)
        self._saves_off: SaveResult | None = None  # what every later save answers

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
        """The entry of this ``version`` that GitHub's matching finds: ``key`` exactly, else
        the newest entry whose key starts with ``key``, else with each restore key in order.
        None on a miss, when reads are off, or on any failure."""
        try:
            return self._lookup(key, restore_keys, version)
        except Exception as exc:  # noqa: BLE001 - a bug here must not fail the run (optional cache)
            self._fail(UNEXPECTED.format(what="lookup", kind=type(exc).__name__))
            return None

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
            reason = self._redact(CANNOT_WRITE.format(name=dest.name, error=exc.strerror))
            self._record(self._problems, reason)
        except Exception as exc:  # noqa: BLE001 - as in lookup
            reason = self._fail(UNEXPECTED.format(what="download", kind=type(exc).__name__))
        raise CacheUnavailable(reason)

    def save(self, key: str, version: str, source: Path) -> SaveResult:
        """CreateCacheEntry, upload ``source``, FinalizeCacheEntryUpload with its exact size."""
        try:
            return self._save_skipped(key, version, source) or self._save(key, version, source)
        except Exception as exc:  # noqa: BLE001 - as in lookup
            reason = self._fail(UNEXPECTED.format(what="save", kind=type(exc).__name__))
            return SaveResult(SaveOutcome.UNAVAILABLE, reason)

    # -- internals -----------------------------------------------------------------------
    def _lookup(self, key: str, restore_keys: Sequence[str], version: str) -> Hit | None:
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
            found = parse_download(self._twirp.call(method, payload))
        except (GiveUp, Refused, MalformedAnswer) as exc:
            self._fail(describe(method, exc))
            return None
        return None if found is None else Hit(key, found[0], found[1])

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
        if saves_off is not None:
            return saves_off
        if down:
            return SaveResult(SaveOutcome.UNAVAILABLE, down)
        return None

    def _save(self, key: str, version: str, source: Path) -> SaveResult:
        step = "CreateCacheEntry"
        try:
            created = parse_create(self._twirp.call(step, {"key": key, "version": version}))
            if not created.ok:
                return self._not_created(key, created.message)
            step = "upload"
            size = cache_blobs.upload(
                self._transport, created.upload_url, source, self._block_size, self._workers
            )
            step = "FinalizeCacheEntryUpload"
            payload = {"key": key, "version": version, "size_bytes": str(size)}
            finalized = parse_finalize(self._twirp.call(step, payload))
        except (Refused, GiveUp, MalformedAnswer, OSError) as exc:
            return self._save_failed(step, exc, source)
        if not finalized.ok:
            message = service_message(finalized.message or "ok is false")
            problem = self._redact(NOT_FINALIZED.format(key=shown_key(key), message=message))
            self._record(self._problems, problem)
            return SaveResult(SaveOutcome.REFUSED, problem)
        return SaveResult(SaveOutcome.SAVED, "", size)

    def _save_failed(self, step: str, exc: Exception, source: Path) -> SaveResult:
        """The result of a save that failed at ``step``."""
        if isinstance(exc, Refused) and (
            exc.code == "already_exists" or (step == "CreateCacheEntry" and exc.status == 409)
        ):
            return SaveResult(SaveOutcome.EXISTS, ALREADY_SAVED)
        if isinstance(exc, OSError):  # the local file, not the service
            problem = self._redact(CANNOT_READ.format(name=source.name, error=exc.strerror))
            self._record(self._problems, problem)
            return SaveResult(SaveOutcome.REFUSED, problem)
        return SaveResult(SaveOutcome.UNAVAILABLE, self._fail(describe(step, exc)))

    def _not_created(self, key: str, message: str) -> SaveResult:
        """CreateCacheEntry answered ok=false: a read-only token, a full cache, or else."""
        if WRITE_DENIED_MARK in message:
            denied = SaveResult(SaveOutcome.DENIED, WRITE_DENIED)
            with self._lock:
                self._saves_off = denied
            self._record(self._notices, WRITE_DENIED)
            return denied
        shown = service_message(message or "ok is false")
        if QUOTA_MARK in message:
            full = SaveResult(SaveOutcome.REFUSED, self._redact(QUOTA_FULL.format(message=shown)))
            with self._lock:
                self._saves_off = full
            self._record(self._problems, full.reason)
            return full
        problem = self._redact(NOT_CREATED.format(key=shown_key(key), message=shown))
        self._record(self._problems, problem)
        return SaveResult(SaveOutcome.REFUSED, problem)

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
        return shown_line(text, [self.config.token])
