"""HTTP for the cache service and its blob storage: timeouts on every request, bounded retries
of what is transient, and one budget of waiting for the whole run.

What is retried (as actions/toolkit ``cacheTwirpClient.ts`` retries 500/502/503/504, and as
the Azure SDKs retry throttling): HTTP 408, 429 (or Twirp ``resource_exhausted``), 500, 502,
503, 504, and a connection that breaks after it was made. A ``Retry-After: <seconds>`` header
is honoured up to ``retry_after_cap``; a longer one ends the retries at once (waiting less than
asked is pointless). What is not retried: a connection that cannot be made (refused, no such
host, connect timeout), a TLS failure, and a request that gets no answer within the read
timeout: the service is not there, and waiting again would only cost the run more.

Bound: every wait between attempts comes out of ``sleep_budget`` (30 s by default) shared by
every call of one client, and each call makes at most ``attempts`` requests; so before the
client gives up, a failing service costs a run at most the budget plus the requests of one
call (each bounded by the connect and read timeouts). ``Retry-After`` and back-off waits go
through the injected ``sleep``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import requests
import urllib3

from slipway.cache_wire import host_of, retry_after

T = TypeVar("T")
RETRIED_STATUS = frozenset({408, 429, 500, 502, 503, 504})


@dataclass(frozen=True)
class Limits:
    """How long and how often the client tries (see the module docstring for the bound)."""

    timeout: float = 30.0  # seconds without a byte from the server
    connect_timeout: float = 10.0
    attempts: int = 4  # requests per call, the first included
    backoff: float = 1.0  # first wait without Retry-After; doubles each attempt (1, 2, 4 s)
    retry_after_cap: float = 10.0
    sleep_budget: float = 30.0  # seconds of waiting between attempts, whole run


class GiveUp(Exception):  # a signal inside the adapter, never raised to its callers
    """The service or storage failed for good; ``reason`` is a message, not yet redacted."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Transient(Exception):  # likewise
    """One attempt failed in a way worth another; ``wait`` is the server's Retry-After."""

    def __init__(self, reason: str, wait: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.wait = wait


class Transport:
    """One session, the limits, and the run's budget of waiting (thread-safe)."""

    def __init__(
        self, session: requests.Session, limits: Limits, sleep: Callable[[float], None]
    ) -> None:
        self.session = session
        self.limits = limits
        self._sleep = sleep
        self._lock = threading.Lock()
        self._slept = 0.0

    @property
    def slept(self) -> float:
        """Seconds waited between attempts so far."""
        with self._lock:
            return self._slept

    def request(self, what: str, method: str, url: str, **kwargs: Any) -> requests.Response:
        """One request with the timeouts; a broken connection is Transient, no service GiveUp."""
        timeouts = (min(self.limits.connect_timeout, self.limits.timeout), self.limits.timeout)
        host = host_of(url)
        try:
            return self.session.request(
                method, url, timeout=timeouts, allow_redirects=False, **kwargs
            )
        except requests.ConnectTimeout:
            raise GiveUp(f"{what}: no connection to {host} within {timeouts[0]:g} s") from None
        except requests.Timeout:
            raise GiveUp(f"{what}: {host} sent nothing for {timeouts[1]:g} s") from None
        except requests.exceptions.SSLError:
            raise GiveUp(f"{what}: TLS with {host} failed") from None
        except requests.ConnectionError as exc:
            if _cannot_connect(exc):
                raise GiveUp(f"{what}: cannot connect to {host}") from None
            raise Transient(f"{what}: the connection to {host} broke") from None
        except requests.RequestException as exc:
            raise GiveUp(f"{what}: request to {host} failed ({type(exc).__name__})") from None

    def retrying(self, what: str, attempt: Callable[[], T]) -> T:
        """``attempt()`` until it returns, at most ``attempts`` times; Transient waits between."""
        failure = what
        for number in range(self.limits.attempts):
            try:
                return attempt()
            except Transient as exc:
                failure = exc.reason
                if number + 1 == self.limits.attempts:
                    break
                self._wait(failure, exc.wait, number)
        raise GiveUp(f"{failure} ({self.limits.attempts} attempts)")

    def _wait(self, failure: str, asked: float | None, number: int) -> None:
        """Sleep before the next attempt, or GiveUp when the wait is too long for the run."""
        seconds = self.limits.backoff * 2**number if asked is None else asked
        if seconds > self.limits.retry_after_cap:
            raise GiveUp(
                f"{failure}; asked to retry after {seconds:g} s, more than Slipway waits "
                f"({self.limits.retry_after_cap:g} s)"
            )
        with self._lock:
            if self._slept + seconds > self.limits.sleep_budget:
                raise GiveUp(
                    f"{failure}; the run's {self.limits.sleep_budget:g} s for retries is used up"
                )
            self._slept += seconds
        self._sleep(seconds)


def raise_for_retry(response: requests.Response, what: str, detail: str = "") -> None:
    """Raise Transient for a status worth another attempt (with the server's Retry-After)."""
    if response.status_code in RETRIED_STATUS:
        label = "rate limited" if response.status_code == 429 else "temporarily failing"
        suffix = f" {detail}" if detail else ""
        raise Transient(
            f"{what}: {label} (HTTP {response.status_code}{suffix})",
            retry_after(response.headers.get("Retry-After")),
        )


def _cannot_connect(exc: requests.ConnectionError) -> bool:
    """True when no connection was made at all (refused, unresolvable, unreachable)."""
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, urllib3.exceptions.NewConnectionError)


def monotonic() -> float:
    """The clock transfer deadlines are measured on."""
    return time.monotonic()
