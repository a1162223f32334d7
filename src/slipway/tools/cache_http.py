"""HTTP for the cache service and its blob storage: timeouts on every request, bounded retries
of what is transient, and one budget of waiting for the whole run, as the cache service's
policy of :mod:`slipway.tools.retry` (`Limits.policy`).

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

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import requests

from slipway.cache.wire import host_of
from slipway.tools.retry import TRANSIENT_STATUS, Failure, Policy, Retries, failure_of, retry_after

T = TypeVar("T")
FAILURES = frozenset({Failure.DROPPED})  # retried without an answer: see the docstring

NO_CONNECTION = "{what}: no connection to {host} within {seconds:g} s"
FAILED = {
    Failure.CONNECT: "{what}: cannot connect to {host}",
    Failure.TLS: "{what}: TLS with {host} failed",
    Failure.SILENT: "{what}: {host} sent nothing for {seconds:g} s",
    Failure.DROPPED: "{what}: the connection to {host} broke",
    Failure.OTHER: "{what}: request to {host} failed ({kind})",
}


@dataclass(frozen=True)
class Limits:
    """How long and how often the client tries (see the module docstring for the bound)."""

    timeout: float = 30.0  # seconds without a byte from the server
    connect_timeout: float = 10.0
    attempts: int = 4  # requests per call, the first included
    backoff: float = 1.0  # first wait without Retry-After; doubles each attempt (1, 2, 4 s)
    retry_after_cap: float = 10.0
    sleep_budget: float = 30.0  # seconds of waiting between attempts, whole run

    @property
    def policy(self) -> Policy:
        """These limits as the cache service's retry policy."""
        return Policy(
            statuses=TRANSIENT_STATUS,
            failures=FAILURES,
            attempts=self.attempts,
            backoff=self.backoff,
            max_backoff=self.retry_after_cap,  # the back-off stays within what a server may ask
            retry_after_cap=self.retry_after_cap,
            budget=self.sleep_budget,
        )


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
        self._retries = Retries(limits.policy, sleep=sleep)

    @property
    def slept(self) -> float:
        """Seconds waited between attempts so far."""
        return self._retries.waited

    def request(self, what: str, method: str, url: str, **kwargs: Any) -> requests.Response:
        """One request with the timeouts; a broken connection is Transient, no service GiveUp."""
        timeouts = (min(self.limits.connect_timeout, self.limits.timeout), self.limits.timeout)
        try:
            return self.session.request(
                method, url, timeout=timeouts, allow_redirects=False, **kwargs
            )
        except requests.RequestException as exc:
            failure = failure_of(exc)
            template = (
                NO_CONNECTION if isinstance(exc, requests.ConnectTimeout) else FAILED[failure]
            )
            seconds = timeouts[0] if failure is Failure.CONNECT else timeouts[1]
            reason = template.format(
                what=what, host=host_of(url), seconds=seconds, kind=type(exc).__name__
            )
            if failure in self._retries.policy.failures:
                raise Transient(reason) from None
            raise GiveUp(reason) from None

    def retrying(self, what: str, attempt: Callable[[], T]) -> T:
        """``attempt()`` until it returns, at most ``attempts`` times; Transient waits between,
        within the run's budget; GiveUp (with the last failure and why) when retries stop."""
        del what  # each Transient names what failed
        attempts = self._retries.attempts()
        while True:
            try:
                return attempt()
            except Transient as exc:
                if not attempts.again(exc.wait):
                    raise GiveUp(exc.reason + attempts.stopped) from None


def raise_for_retry(response: requests.Response, what: str, detail: str = "") -> None:
    """Raise Transient for a status worth another attempt (with the server's Retry-After)."""
    if response.status_code in TRANSIENT_STATUS:
        label = "rate limited" if response.status_code == 429 else "temporarily failing"
        suffix = f" {detail}" if detail else ""
        raise Transient(
            f"{what}: {label} (HTTP {response.status_code}{suffix})",
            retry_after(response.headers.get("Retry-After")),
        )


def monotonic() -> float:
    """The clock transfer deadlines are measured on."""
    return time.monotonic()
