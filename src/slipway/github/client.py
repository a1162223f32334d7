"""The GitHub REST API for reporting: one PyGithub client shape and one retry policy.

Rate limits (403/429 with ``Retry-After`` or ``x-ratelimit-reset``, primary and secondary)
are waited out, 5xx and connection errors backed off, within one bounded budget; the
comment, the check run and the SARIF upload share it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import requests
from github import Auth, Github, GithubException

from slipway.numbers import is_int

TIMEOUT_SECONDS = 15
T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """How long to keep trying: ``attempts`` per call, ``budget`` seconds of waiting in all."""

    attempts: int = 4
    budget: float = 90.0
    backoff: float = 1.0  # the first wait after a 5xx or a connection error, then doubled
    max_wait: float = 60.0  # a longer Retry-After or rate-limit reset is not waited for


@dataclass
class Retrier:
    """Retries GitHub API calls: rate limits (403/429 with ``Retry-After`` or
    ``x-ratelimit-reset``, primary and secondary), 5xx and connection errors with backoff;
    everything else at once. ``sleep`` and ``clock`` (epoch seconds) are injectable."""

    policy: RetryPolicy = field(default_factory=RetryPolicy)
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.time
    waited: float = 0.0
    waits: list[float] = field(default_factory=list)

    def call(self, action: Callable[[], T]) -> T:
        """``action()``, retried while the policy allows; the last error is raised."""
        for attempt in range(1, max(self.policy.attempts, 1) + 1):
            try:
                return action()
            except (GithubException, requests.RequestException) as error:
                wait = self.wait_for(error, attempt)
                last = attempt == self.policy.attempts
                if wait is None or last or self.waited + wait > self.policy.budget:
                    raise
            self.sleep(wait)
            self.waited += wait
            self.waits.append(wait)
        raise AssertionError("unreachable")  # pragma: no cover

    def wait_for(self, error: Exception, attempt: int) -> float | None:
        """Seconds to wait before trying again, or None when retrying cannot help."""
        backoff = min(self.policy.backoff * 2.0 ** (attempt - 1), self.policy.max_wait)
        if not isinstance(error, GithubException) or error.status >= 500:
            return backoff
        if error.status not in (403, 429):
            return None
        headers = {k.lower(): v for k, v in (error.headers or {}).items()}
        wait = _rate_limit_wait(error, headers, self.clock())
        return wait if wait is not None and wait <= self.policy.max_wait else None


def _rate_limit_wait(error: GithubException, headers: dict[str, str], now: float) -> float | None:
    # https://docs.github.com/en/rest/using-the-rest-api/best-practices-for-using-the-rest-api
    # #handle-rate-limit-errors-appropriately: Retry-After first, then x-ratelimit-reset
    # when nothing remains, else (secondary limit without headers) at least a minute.
    if is_int(headers.get("retry-after", "").strip()):
        return float(headers["retry-after"])
    if headers.get("x-ratelimit-remaining") == "0" and is_int(headers.get("x-ratelimit-reset", "")):
        return max(float(headers["x-ratelimit-reset"]) - now, 0.0) + 1.0
    data: Any = error.data
    message = str(data.get("message", "")) if isinstance(data, dict) else ""
    return 60.0 if "rate limit" in message.lower() else None


def make_client(api_url: str, token: str) -> Github:
    """A PyGithub client without its own retries or sleeps: `Retrier` decides."""
    return Github(
        base_url=api_url.rstrip("/"),
        auth=Auth.Token(token) if token else None,
        timeout=TIMEOUT_SECONDS,
        retry=None,
        per_page=100,
        seconds_between_requests=None,
        seconds_between_writes=None,
        lazy=True,
    )


def reason(error: Exception) -> str:
    """A short reason for a log line (never the token: only status and GitHub's message)."""
    if isinstance(error, GithubException):
        data: Any = error.data
        message = data.get("message") if isinstance(data, dict) else None
        return f"HTTP {error.status}" + (f": {str(message)[:200]}" if message else "")
    return type(error).__name__


def is_forbidden(error: Exception) -> bool:
    """A 403 that is not a rate limit: the token may not write here."""
    if not isinstance(error, GithubException) or error.status != 403:
        return False
    data: Any = error.data
    return "rate limit" not in str(data.get("message", "") if isinstance(data, dict) else "")
