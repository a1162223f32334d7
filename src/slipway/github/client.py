"""The GitHub REST API for reporting: one PyGithub client shape and GitHub's retry policy.

Rate limits (403/429 with ``Retry-After`` or ``x-ratelimit-reset``, primary and secondary)
are waited out, 5xx and connection errors backed off, within one bounded budget; the
comment, the check run and the SARIF upload share it. The loop and the rules are
:mod:`slipway.tools.retry`'s; what is GitHub's own is reading a rate limit's wait.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import requests
from github import Auth, Github, GithubException

from slipway.core.numbers import is_int
from slipway.runner import cancel
from slipway.tools.retry import EVERY_FAILURE, SERVER_ERRORS, Policy, Retries, retry_after, wait

TIMEOUT_SECONDS = 15
RATE_LIMITED = (403, 429)
T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """How long to keep trying: ``attempts`` per call, ``budget`` seconds of waiting in all."""

    attempts: int = 4
    budget: float = 90.0
    backoff: float = 1.0  # the first wait after a 5xx or a connection error, then doubled
    max_wait: float = 60.0  # a longer Retry-After or rate-limit reset is not waited for

    @property
    def general(self) -> Policy:
        """As :mod:`slipway.tools.retry` takes it: 5xx and every connection failure are
        transient (rate limits are judged by `Retrier`), no wait over ``max_wait``."""
        return Policy(
            statuses=SERVER_ERRORS,
            failures=EVERY_FAILURE,
            attempts=self.attempts,
            backoff=self.backoff,
            max_backoff=self.max_wait,
            retry_after_cap=self.max_wait,
            budget=self.budget,
        )


@dataclass
class Retrier:
    """Retries GitHub API calls: rate limits (403/429 with ``Retry-After`` or
    ``x-ratelimit-reset``, primary and secondary), 5xx and connection errors with backoff;
    everything else at once. ``sleep`` and ``clock`` (epoch seconds) are injectable."""

    policy: RetryPolicy = field(default_factory=RetryPolicy)
    sleep: Callable[[float], None] = cancel.sleep
    clock: Callable[[], float] = time.time
    _retries: Retries = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # The budget counts seconds waited; ``clock`` only dates x-ratelimit-reset.
        self._retries = Retries(self.policy.general, sleep=self.sleep)

    @property
    def waited(self) -> float:
        """Seconds waited so far, for every call of the run."""
        return self._retries.waited

    @property
    def waits(self) -> list[float]:
        """Every wait so far, in order."""
        return self._retries.waits

    def call(self, action: Callable[[], T]) -> T:
        """``action()``, retried while the policy allows; the last error is raised."""
        attempts = self._retries.attempts()
        while True:
            try:
                return action()
            except (GithubException, requests.RequestException) as error:
                transient, asked = self._judge(error)
                if not (transient and attempts.again(asked)):
                    raise

    def wait_for(self, error: Exception, attempt: int) -> float | None:
        """Seconds to wait before trying again, or None when retrying cannot help."""
        transient, asked = self._judge(error)
        return wait(self._retries.policy, attempt, asked) if transient else None

    def _judge(self, error: Exception) -> tuple[bool, float | None]:
        """Whether ``error`` is worth another attempt, and the wait GitHub asked for."""
        if isinstance(error, requests.RequestException):
            return self._retries.policy.retries(error), None
        if not isinstance(error, GithubException) or error.status in self._retries.policy.statuses:
            return True, None
        if error.status not in RATE_LIMITED:
            return False, None
        headers = {k.lower(): v for k, v in (error.headers or {}).items()}
        asked = _rate_limit_wait(error, headers, self.clock())
        return asked is not None, asked


def _rate_limit_wait(error: GithubException, headers: dict[str, str], now: float) -> float | None:
    # https://docs.github.com/en/rest/using-the-rest-api/best-practices-for-using-the-rest-api
    # #handle-rate-limit-errors-appropriately: Retry-After first, then x-ratelimit-reset
    # when nothing remains, else (secondary limit without headers) at least a minute.
    asked = retry_after(headers.get("retry-after"))
    if asked is not None:
        return asked
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
