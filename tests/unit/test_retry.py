"""slipway.tools.retry: the one retry policy, as tables (decisions, Retry-After, failure kinds),
and its loop driven by fake attempts, a recorded ``sleep`` and a fake ``clock`` (no waiting,
no sockets)."""

from __future__ import annotations

import http.client
import math
import threading

import pytest
import requests
import urllib3

from slipway.github.client import RetryPolicy
from slipway.scan.options import ScanOptions
from slipway.tools import aws, registry_http, retry, trivy_db
from slipway.tools.cache_http import Limits
from slipway.tools.retry import Decision, Failure, Policy, Retries, decide, failure_of, retry_after

DOUBLING = Policy(attempts=5, backoff=1.0, max_backoff=4.0, retry_after_cap=10.0, budget=20.0)
TOO_LONG = Decision(None, "; asked to retry after 11 s, more than Slipway waits (10 s)")
ENDLESS = Decision(None, "; asked to retry after inf s, more than Slipway waits (10 s)")


@pytest.mark.parametrize(
    ("attempt", "asked", "spent", "expected"),
    [
        (1, None, 0.0, Decision(1.0)),
        (2, None, 0.0, Decision(2.0)),
        (3, None, 0.0, Decision(4.0)),
        (4, None, 0.0, Decision(4.0)),  # the back-off stops growing at max_backoff
        (1, 3.0, 0.0, Decision(3.0)),  # the server asks for longer: its wait
        (3, 1.0, 0.0, Decision(4.0)),  # for less: the back-off (never sooner than either)
        (1, 0.0, 0.0, Decision(1.0)),  # Retry-After: 0 makes no tight loop
        (1, 10.0, 0.0, Decision(10.0)),  # the cap itself is waited
        (1, 11.0, 0.0, TOO_LONG),  # longer than the cap: the retries end without a wait
        (1, math.inf, 0.0, ENDLESS),
        (5, None, 0.0, Decision(None, " (5 attempts)")),  # the last attempt: no wait after it
        (5, 99.0, 0.0, Decision(None, " (5 attempts)")),  # attempts are checked first
        (2, None, 18.0, Decision(2.0)),  # 18 + 2 fits the 20 s budget exactly
        (2, None, 18.5, Decision(None, "; the run's 20 s for retries is used up")),
        (1, 11.0, 19.5, TOO_LONG),  # the cap is checked before the budget
    ],
)
def test_decide(attempt: int, asked: float | None, spent: float, expected: Decision) -> None:
    assert decide(DOUBLING, attempt, asked, spent) == expected


def test_a_streak_budget_says_so() -> None:
    streak = Policy(budget=60.0, streak=True)
    assert decide(streak, 1, None, 59.5) == Decision(None, "; still failing after 60 s of retries")


def test_without_limits_only_the_back_off_grows() -> None:
    endless = Policy(backoff=0.5, max_backoff=math.inf)
    waits = [decide(endless, n, None, 1e9).wait for n in (1, 2, 3, 200)]
    assert waits == [0.5, 1.0, 2.0, 0.5 * 2.0**64]


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("7", 7.0),
        (" 7\t", 7.0),  # optional whitespace around the value (RFC 9110)
        ("0", 0.0),
        ("007", 7.0),
        ("9" * 30, float("9" * 30)),
        ("9" * 31, math.inf),  # more digits than any wait: longer than every cap
        ("1" + "0" * 4000, math.inf),  # int() of it would raise; read without converting
        (None, None),
        ("", None),
        ("Wed, 21 Oct 2026 07:28:00 GMT", None),  # the HTTP-date form: the back-off applies
        ("-1", None),
        ("+5", None),
        ("1.5", None),
        ("1e3", None),
        ("1_000", None),
        ("nan", None),
        ("inf", None),
        ("\u0665", None),  # Arabic-Indic five: int() reads it, HTTP does not
        ("\uff17", None),  # fullwidth seven
        ("\u00b2", None),  # superscript two: isdigit() says yes, int() raises
        ("7 7", None),
        ("0x10", None),
    ],
)
def test_retry_after(header: str | None, seconds: float | None) -> None:
    assert retry_after(header) == seconds


def _refused() -> requests.ConnectionError:
    reason = urllib3.exceptions.NewConnectionError(None, "Connection refused")  # type: ignore[arg-type]
    return requests.ConnectionError(urllib3.exceptions.MaxRetryError(None, "/v2/", reason))  # type: ignore[arg-type]


def _read_timeout_while_streaming() -> requests.ConnectionError:
    return requests.ConnectionError(urllib3.exceptions.ReadTimeoutError(None, "/b", "timed out"))  # type: ignore[arg-type]


def _aborted() -> requests.ConnectionError:
    cause = http.client.RemoteDisconnected("Remote end closed connection without response")
    return requests.ConnectionError(urllib3.exceptions.ProtocolError("Connection aborted.", cause))


@pytest.mark.parametrize(
    ("error", "failure"),
    [
        (requests.exceptions.SSLError("certificate verify failed"), Failure.TLS),
        (requests.ConnectTimeout("connect timed out"), Failure.CONNECT),
        (_refused(), Failure.CONNECT),
        (requests.ReadTimeout("read timed out"), Failure.SILENT),
        (_read_timeout_while_streaming(), Failure.SILENT),
        (_aborted(), Failure.DROPPED),
        (requests.ConnectionError("Connection reset by peer"), Failure.DROPPED),
        (requests.exceptions.ChunkedEncodingError("IncompleteRead"), Failure.DROPPED),
        (requests.exceptions.InvalidURL("bad"), Failure.OTHER),
        (requests.TooManyRedirects("30 redirects"), Failure.OTHER),
    ],
)
def test_failure_of(error: requests.RequestException, failure: Failure) -> None:
    assert failure_of(error) is failure


class FakeClock:
    """A monotonic clock that only ``sleep`` moves (and ``advance``, for request time)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def retries(self, policy: Policy) -> Retries:
        return Retries(policy, sleep=self.sleep, clock=self)


def test_one_call_waits_as_decided_and_says_why_it_stopped() -> None:
    clock = FakeClock()
    attempts = clock.retries(DOUBLING).attempts()
    assert [attempts.again() for _ in range(5)] == [True, True, True, True, False]
    assert (clock.sleeps, attempts.stopped) == ([1.0, 2.0, 4.0, 4.0], " (5 attempts)")


def test_a_wait_budget_is_shared_by_every_call_and_never_refilled() -> None:
    clock = FakeClock()
    retries = clock.retries(Policy(attempts=4, budget=5.0))
    first = retries.attempts()
    assert first.again(3.0)
    retries.succeeded()  # a success between calls gives nothing back
    second = retries.attempts()
    assert not second.again(3.0)
    assert second.stopped == "; the run's 5 s for retries is used up"
    assert (clock.sleeps, retries.waits, retries.waited) == ([3.0], [3.0], 3.0)


def test_a_streak_budget_counts_time_since_the_failures_began_and_a_success_ends_it() -> None:
    clock = FakeClock()
    retries = clock.retries(Policy(backoff=1.0, max_backoff=8.0, budget=10.0, streak=True))
    attempts = retries.attempts()
    assert attempts.again()  # the streak starts now; waits 1
    clock.now += 5.0  # a slow request counts too
    assert attempts.again()  # 6 s in, waits 2
    assert not attempts.again()  # 8 s in, 4 more would pass 10
    assert attempts.stopped == "; still failing after 10 s of retries"
    clock.now += 2.0
    later = retries.attempts()
    assert not later.again()  # still the same streak: a registry that stays down fails fast
    retries.succeeded()
    assert retries.attempts().again()  # a new streak
    assert clock.sleeps == [1.0, 2.0, 1.0]


def test_threads_share_one_budget() -> None:
    clock = FakeClock()
    lock = threading.Lock()
    retries = Retries(Policy(attempts=2, budget=10.0), sleep=lambda s: None, clock=clock)
    results: list[bool] = []

    def call() -> None:
        outcome = retries.attempts().again(2.0)
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=call) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 3 + [True] * 5
    assert retries.waited == 10.0


def answer(status: int, retry_after_header: str | None = None) -> requests.Response:
    response = requests.Response()
    response.status_code, response._content = status, b""
    if retry_after_header is not None:
        response.headers["Retry-After"] = retry_after_header
    return response


class Script:
    """Attempts that fail as scripted (an answer or an exception each), then answer 200."""

    def __init__(self, *outcomes: requests.Response | Exception) -> None:
        self.outcomes = list(outcomes)
        self.calls = 0

    def __call__(self) -> requests.Response:
        self.calls += 1
        outcome = self.outcomes.pop(0) if self.outcomes else answer(200)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome


def test_send_retries_transient_answers_and_dropped_connections() -> None:
    clock = FakeClock()
    script = Script(answer(503), _aborted(), answer(429, "3"), answer(502))
    assert retry.send(clock.retries(Policy(budget=60.0)), script).status_code == 200
    assert (script.calls, clock.sleeps) == (5, [1.0, 2.0, 4.0, 8.0])


@pytest.mark.parametrize(
    "outcome",
    [answer(404), answer(401), answer(200), answer(501)],
    ids=lambda r: str(r.status_code),
)
def test_send_returns_what_is_not_transient_at_once(outcome: requests.Response) -> None:
    clock = FakeClock()
    script = Script(outcome)
    assert retry.send(clock.retries(Policy()), script) is outcome
    assert (script.calls, clock.sleeps) == (1, [])


def test_send_raises_a_failure_the_policy_does_not_retry() -> None:
    clock = FakeClock()
    script = Script(_refused())
    with pytest.raises(requests.ConnectionError):
        retry.send(clock.retries(Policy(failures=frozenset({Failure.DROPPED}))), script)
    assert (script.calls, clock.sleeps) == (1, [])


def test_send_gives_the_last_answer_or_failure_when_the_policy_stops() -> None:
    clock = FakeClock()
    script = Script(*[answer(503)] * 3)
    last = retry.send(clock.retries(Policy(attempts=3)), script)
    assert (last.status_code, script.calls, clock.sleeps) == (503, 3, [1.0, 2.0])
    script = Script(answer(429, "3600"))  # longer than the cap: no wait at all
    assert retry.send(clock.retries(Policy(retry_after_cap=60.0)), script).status_code == 429
    script = Script(*[_aborted()] * 3)
    with pytest.raises(requests.ConnectionError):
        retry.send(clock.retries(Policy(attempts=3)), script)
    assert script.calls == 3


# --- each service's policy, as data: what is transient, the waits until it stops -----------

REGISTRY = registry_http.policy(60.0)
CACHE = Limits().policy
GITHUB = RetryPolicy().general
TRIVY_DB = trivy_db.db_policy(ScanOptions())


@pytest.mark.parametrize(
    ("policy", "status", "transient"),
    [
        (REGISTRY, 429, True),
        (REGISTRY, 503, True),
        (REGISTRY, 501, False),  # not implemented: no retry changes that
        (REGISTRY, 401, False),
        (CACHE, 408, True),
        (CACHE, 504, True),
        (CACHE, 404, False),
        (GITHUB, 501, True),  # every 5xx (rate limits are judged from the headers)
        (GITHUB, 429, False),
        (aws.POLICY, 500, True),
        (aws.POLICY, 599, True),
        (aws.POLICY, 429, False),  # AWS throttles with 400 ThrottlingException: not retried
    ],
)
def test_which_answers_are_transient(policy: Policy, status: int, transient: bool) -> None:
    assert (status in policy.statuses) is transient


CANNOT_CONNECT = {Failure.CONNECT, Failure.TLS, Failure.SILENT}


@pytest.mark.parametrize(
    ("policy", "retried"),
    [
        (REGISTRY, {Failure.DROPPED} | CANNOT_CONNECT),  # a registry restarting: wait for it
        (CACHE, {Failure.DROPPED}),  # no service there: do not wait again (cache_http)
        (GITHUB, set(Failure)),
        (aws.POLICY, set(Failure)),
    ],
    ids=["registry", "cache", "github", "aws"],
)
def test_which_failures_without_an_answer_are_retried(
    policy: Policy, retried: set[Failure]
) -> None:
    assert policy.failures == retried


def waits_until_stopped(policy: Policy, asked: float | None = None) -> tuple[list[float], str]:
    """The waits of one call failing for ever with ``asked`` as its Retry-After (a fake
    clock: the streak is the time waited)."""
    clock = FakeClock()
    attempts = clock.retries(policy).attempts()
    while attempts.again(asked):
        pass
    return clock.sleeps, attempts.stopped


@pytest.mark.parametrize(
    ("policy", "asked", "waits", "stopped"),
    [
        (REGISTRY, None, [0.5, 1, 2, 4, 8, 8, 8, 8, 8, 8], "; still failing after 60 s of retries"),
        (REGISTRY, 30.0, [30.0, 30.0], "; still failing after 60 s of retries"),
        (REGISTRY, 61.0, [], "; still failing after 60 s of retries"),
        (CACHE, None, [1, 2, 4], " (4 attempts)"),
        (CACHE, 5.0, [5, 5, 5], " (4 attempts)"),
        (CACHE, 11.0, [], "; asked to retry after 11 s, more than Slipway waits (10 s)"),
        (GITHUB, None, [1, 2, 4], " (4 attempts)"),
        (GITHUB, 60.0, [60.0], "; the run's 90 s for retries is used up"),
        (GITHUB, 61.0, [], "; asked to retry after 61 s, more than Slipway waits (60 s)"),
        (aws.POLICY, None, [1, 2], " (3 attempts)"),
        (TRIVY_DB, None, [2, 4], " (3 attempts)"),
    ],
)
def test_how_long_each_service_waits_before_it_stops(
    policy: Policy, asked: float | None, waits: list[float], stopped: str
) -> None:
    assert waits_until_stopped(policy, asked) == (waits, stopped)
