"""The one retry policy: which failures are worth another attempt, how long to wait before it,
and when to stop, for every service Slipway talks to.

What differs between services is data, a `Policy`: the answers and the connection failures
that are transient, the back-off, the cap on a server's ``Retry-After``, the attempts per call
and the budget. The decisions (`wait`, `decide`, `retry_after`, `failure_of`) are pure; the
loop (`Retries`, `Attempts`, `send`) sleeps through an injected ``sleep`` and measures on an
injected ``clock``, so tests wait for nothing.

The rules, for every policy, checked in this order after a failed attempt:

1. at most ``attempts`` attempts per call (0: the budget alone bounds them);
2. a ``Retry-After`` longer than ``retry_after_cap`` ends the retries at once: waiting less
   than asked is pointless, and waiting that long costs the run more than the retry is worth;
3. the wait is the back-off (``backoff``, doubled after each failed attempt of the call, at
   most ``max_backoff``), or the server's ``Retry-After`` when that is longer: never sooner
   than the server asks (RFC 9110 section 10.2.3), and a ``Retry-After: 0`` cannot make a
   tight loop;
4. the wait must fit the budget, shared by every call (and thread) of one `Retries`: either
   the seconds waited in all (``streak=False``), or the time since the current run of
   consecutive failures began, measured on ``clock`` (``streak=True``; a success ends the
   run, so only a service that stays down exhausts it).

Who uses it, with which policy: the registries (`slipway.tools.registry_http`: streak of
`registry-timeout` seconds), Amazon's APIs for ECR logins (`slipway.tools.aws`), GitHub's
cache service (`slipway.tools.cache_http`), the GitHub API (`slipway.github.client`) and the
Trivy DB download (`slipway.tools.trivy_db`).
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

import requests
import urllib3

from slipway.core.numbers import NumberError, parse_int
from slipway.runner import cancel

# What distribution, the Azure SDKs and actions/toolkit's cacheTwirpClient.ts retry.
TRANSIENT_STATUS = frozenset({408, 429, 500, 502, 503, 504})
SERVER_ERRORS = frozenset(range(500, 600))

STOP_ATTEMPTS = " ({attempts} attempts)"
STOP_ASKED = "; asked to retry after {asked:g} s, more than Slipway waits ({cap:g} s)"
STOP_BUDGET = "; the run's {budget:g} s for retries is used up"
STOP_STREAK = "; still failing after {budget:g} s of retries"

_DIGITS = re.compile(r"[0-9]+")


class Failure(StrEnum):
    """How a request failed without an answer (`failure_of` tells which)."""

    CONNECT = "connect"  # no connection was made: refused, no such host, connect timeout
    TLS = "tls"  # the TLS handshake failed
    SILENT = "silent"  # connected, but no answer within the read timeout
    DROPPED = "dropped"  # the connection broke after it was made
    OTHER = "other"  # the request itself is wrong (its URL, its redirects, ...)


EVERY_FAILURE = frozenset(Failure)


@dataclass(frozen=True)
class Policy:
    """What one service retries, and for how long (see the module docstring for the rules)."""

    statuses: frozenset[int] = TRANSIENT_STATUS  # answers worth another attempt
    failures: frozenset[Failure] = frozenset({Failure.DROPPED})  # likewise, without an answer
    attempts: int = 0  # per call, the first included; 0: the budget alone bounds them
    backoff: float = 1.0  # the wait after a call's first failure, doubled after each further
    max_backoff: float = 8.0
    retry_after_cap: float = math.inf  # a longer Retry-After ends the retries at once
    budget: float = math.inf  # seconds: waited in all, or (streak) since failures began
    streak: bool = False

    def retries(self, error: requests.RequestException) -> bool:
        """True when a request that failed with ``error`` is worth another attempt."""
        return failure_of(error) in self.failures


@dataclass(frozen=True)
class Decision:
    """After a failed attempt: seconds to wait before the next, or None and why not."""

    wait: float | None
    stop: str = ""  # a suffix for the caller's message, e.g. " (4 attempts)"


def backoff(policy: Policy, attempt: int) -> float:
    """The back-off after the call's ``attempt``-th failed attempt (1 = the first)."""
    doublings = min(max(attempt - 1, 0), 64)  # 2**64 back-offs are past any cap already
    return min(policy.backoff * 2.0**doublings, policy.max_backoff)


def wait(policy: Policy, attempt: int, asked: float | None) -> float | None:
    """Seconds to wait after the ``attempt``-th failed attempt when the server ``asked`` for
    a Retry-After (None: it did not); None when it asked for longer than the policy waits."""
    if asked is not None and asked > policy.retry_after_cap:
        return None
    return max(asked or 0.0, backoff(policy, attempt))


def decide(policy: Policy, attempt: int, asked: float | None, spent: float) -> Decision:
    """What to do after the call's ``attempt``-th failed attempt, with ``spent`` seconds of
    the budget used (waited so far, or since the failures began)."""
    if policy.attempts and attempt >= policy.attempts:
        return Decision(None, STOP_ATTEMPTS.format(attempts=policy.attempts))
    seconds = wait(policy, attempt, asked)
    if seconds is None:
        return Decision(None, STOP_ASKED.format(asked=asked, cap=policy.retry_after_cap))
    if spent + seconds > policy.budget:
        used = STOP_STREAK if policy.streak else STOP_BUDGET
        return Decision(None, used.format(budget=policy.budget))
    return Decision(seconds)


def retry_after(header: str | None) -> float | None:
    """Seconds a ``Retry-After: <delta-seconds>`` header asks for (ASCII digits, spaces
    around allowed); None when absent or in another form (an HTTP date, a sign, a fraction,
    another script's digits: the back-off applies then); a number of more digits than
    `slipway.core.numbers` reads is infinite (longer than any cap: the retries end)."""
    text = (header or "").strip(" \t")
    try:
        return float(parse_int(text))
    except NumberError:
        return math.inf if _DIGITS.fullmatch(text) else None


# requests' own exceptions, most specific first (SSLError and ConnectTimeout are
# ConnectionErrors too; ReadTimeout is a Timeout).
_KINDS: tuple[tuple[type[requests.RequestException], Failure], ...] = (
    (requests.exceptions.SSLError, Failure.TLS),
    (requests.ConnectTimeout, Failure.CONNECT),
    (requests.Timeout, Failure.SILENT),
    (requests.exceptions.ChunkedEncodingError, Failure.DROPPED),  # broke while the body came
)
# What urllib3 says stopped a ConnectionError (requests keeps it in args[0], or in a
# MaxRetryError's reason); any other reason is a connection that broke once made.
_REASONS: tuple[tuple[type[Exception], Failure], ...] = (
    (urllib3.exceptions.NewConnectionError, Failure.CONNECT),  # refused, no such host
    (urllib3.exceptions.ReadTimeoutError, Failure.SILENT),  # while streaming a body
)


def failure_of(error: requests.RequestException) -> Failure:
    """Which kind of failure ``error`` is."""
    for kind, failure in _KINDS:
        if isinstance(error, kind):
            return failure
    if not isinstance(error, requests.ConnectionError):
        return Failure.OTHER
    reason = error.args[0] if error.args else None
    reason = getattr(reason, "reason", reason)
    return next((f for kind, f in _REASONS if isinstance(reason, kind)), Failure.DROPPED)


class Retries:
    """One service's retries for a run: its policy and the budget spent so far, shared by
    every call and thread; waits go through ``sleep``, the streak is measured on ``clock``."""

    def __init__(
        self,
        policy: Policy,
        *,
        sleep: Callable[[float], None] = cancel.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.policy = policy
        self._sleep = sleep
        self._clock = clock
        self._lock = threading.Lock()
        self._waits: list[float] = []
        self._failing_since: float | None = None

    @property
    def waits(self) -> list[float]:
        """Every wait so far, in order."""
        with self._lock:
            return list(self._waits)

    @property
    def waited(self) -> float:
        """Seconds waited so far."""
        with self._lock:
            return sum(self._waits)

    def attempts(self) -> Attempts:
        """The attempts of one call."""
        return Attempts(self)

    def succeeded(self) -> None:
        """An answer that is not transient: a run of consecutive failures ends."""
        with self._lock:
            self._failing_since = None

    def pause(self, attempt: int, asked: float | None) -> Decision:
        """`decide` against the budget after the call's ``attempt``-th failed attempt; the
        wait is booked at once (threads share the budget), then slept."""
        with self._lock:
            if self.policy.streak:
                now = self._clock()
                if self._failing_since is None:
                    self._failing_since = now
                spent = now - self._failing_since
            else:
                spent = sum(self._waits)
            decision = decide(self.policy, attempt, asked, spent)
            if decision.wait is not None:
                self._waits.append(decision.wait)
        if decision.wait is not None:
            self._sleep(decision.wait)
        return decision


class Attempts:
    """The attempts of one call: after each failed one, `again` waits and says whether to
    make another; ``stopped`` then says why not (a suffix for the caller's message)."""

    def __init__(self, retries: Retries) -> None:
        self._retries = retries
        self.failed = 0
        self.stopped = ""

    def again(self, asked: float | None = None) -> bool:
        """After a transient failure (``asked``: the server's Retry-After, if any): wait
        and return True, or return False when the policy says stop."""
        self.failed += 1
        decision = self._retries.pause(self.failed, asked)
        self.stopped = decision.stop
        return decision.wait is not None


def send(retries: Retries, attempt: Callable[[], requests.Response]) -> requests.Response:
    """``attempt()`` (a request, or several answering with the last one's response) until its
    answer is not transient, or the policy stops the retries: then the last answer. A request
    error the policy does not retry, or the last one, is raised."""
    attempts = retries.attempts()
    while True:
        try:
            response = attempt()
        except requests.RequestException as error:
            if retries.policy.retries(error) and attempts.again():
                continue
            raise
        if response.status_code not in retries.policy.statuses:
            retries.succeeded()
            return response
        if not attempts.again(retry_after(response.headers.get("Retry-After"))):
            return response
