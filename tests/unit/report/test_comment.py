"""The sticky comment's pure parts: target, marker, history, body limit, retry waits."""

from __future__ import annotations

from typing import Any

import pytest
from github import GithubException

from slipway.core.context import Context
from slipway.github.client import Retrier, RetryPolicy, is_forbidden
from slipway.github.comment import (
    CommentTarget,
    compose_body,
    earlier_history,
    history_line,
    marker_for,
    merge_queue_pr,
    resolve_target,
)
from slipway.inputs.report import ReportOptions
from slipway.report.fit import COMMENT, Block, Rows

SHA = "929f8209d40f77f4abc622a499c93a83babdbe64"
URL = "https://github.com/o/r/actions/runs/"


def _pr(head: str | None, base: str = "o/r", number: int = 7) -> dict[str, Any]:
    return {
        "number": number,
        "pull_request": {
            "number": number,
            "head": {"repo": {"full_name": head} if head else None},
            "base": {"repo": {"full_name": base}},
        },
    }


@pytest.mark.parametrize(
    ("event", "payload", "options", "actor", "expected"),
    [
        ("pull_request", _pr("o/r"), ReportOptions(), "me", CommentTarget(7)),
        ("pull_request", _pr("fork/r"), ReportOptions(), "me", CommentTarget(7, read_only=True)),
        ("pull_request", _pr(None), ReportOptions(), "me", CommentTarget(7, read_only=True)),
        ("pull_request", _pr("o/r"), ReportOptions(), "dependabot[bot]", CommentTarget(7, True)),
        ("pull_request_target", _pr("fork/r"), ReportOptions(), "me", CommentTarget(7)),
        (
            "merge_group",
            {"merge_group": {"head_ref": f"refs/heads/gh-readonly-queue/main/pr-104-{SHA}"}},
            ReportOptions(),
            "me",
            CommentTarget(104),
        ),
        ("push", {}, ReportOptions(), "me", None),
        ("push", {}, ReportOptions(pr_number=12), "me", CommentTarget(12)),
        (
            "merge_group",
            {"merge_group": {"head_ref": "refs/heads/main"}},
            ReportOptions(),
            "",
            None,
        ),
    ],
)
def test_resolve_target(
    event: str,
    payload: dict[str, Any],
    options: ReportOptions,
    actor: str,
    expected: CommentTarget | None,
) -> None:
    context = Context(event_name=event, repository="o/r", actor=actor, payload=payload)
    assert resolve_target(context, options) == expected


def test_merge_queue_ref() -> None:
    assert merge_queue_pr(f"refs/heads/gh-readonly-queue/release/1.x/pr-5-{SHA}") == 5
    assert merge_queue_pr("refs/heads/gh-readonly-queue/main/pr-5-short") is None


@pytest.mark.parametrize(
    ("key", "marker"),
    [
        ("ghcr.io/o/app", "<!-- slipway:report:ghcr.io/o/app -->"),
        ("x --> <script>alert(1)</script>", "<!-- slipway:report:x-script-alert-1-/script -->"),
        ("--", "<!-- slipway:report:default -->"),
    ],
)
def test_marker_is_inert(key: str, marker: str) -> None:
    assert marker_for(key) == marker


def test_history_lines_are_revalidated() -> None:
    good = history_line("failed", "41", f"{URL}9", SHA, "2026-01-02 03:04 UTC")
    assert good
    assert history_line("@everyone", "41", f"{URL}9", SHA, "2026-01-02 03:04 UTC") == ""
    assert history_line("ok", "41", "javascript:alert(1)//actions/runs/1", SHA, "x") == ""
    lines = [
        "<!-- slipway:history -->",
        good,
        "- passed · run [#1](javascript:alert(1)) · `abcdef0` · 2026-01-02 03:04 UTC",
        "- @everyone <img src=x onerror=alert(1)>",
        "<!-- /slipway:history -->",
    ]
    assert earlier_history("\n".join(lines)) == [good]
    assert earlier_history(None) == []


def test_body_stays_within_the_comment_limit() -> None:
    marker = marker_for("img")
    history = [
        history_line("passed", str(n), f"{URL}{n}", SHA, "2026-01-02 03:04 UTC") for n in range(30)
    ]
    verdict = Block("verdict", ("**Gate failed**",), required=True)
    table = Rows("vulnerability table", tuple(f"| CVE-{n} | {'r' * 60} |" for n in range(2000)))
    body = compose_body(marker, [verdict, table], history)
    assert len(body) <= COMMENT.size
    assert body.startswith(marker + "\n\n**Gate failed**")
    assert body.count("- passed · run") <= 1  # the report first: the history gets what is left
    assert f"more in {COMMENT.where}._" in body  # the table lost rows from the bottom
    bigger = Block("required", ("r" * 70_000,), required=True)
    over = compose_body(marker, [verdict, bigger], history)
    assert len(over) <= COMMENT.size
    assert "- passed · run" not in over  # nothing is left: the history went first
    assert "_… the report was cut here to fit GitHub's 65,536-character comment" in over
    assert over.endswith(f"comment: history. The whole report is in {COMMENT.where}._\n")
    small = compose_body(marker, [verdict], history)
    assert small.count("- passed · run") == 20
    assert "Left out" not in small


def _error(
    status: int, headers: dict[str, str] | None = None, message: str = "x"
) -> GithubException:
    return GithubException(status, {"message": message}, headers or {})


@pytest.mark.parametrize(
    ("error", "attempt", "wait"),
    [
        (_error(403, message="Resource not accessible by integration"), 1, None),
        (_error(403, {"Retry-After": "1"}), 1, 1.0),
        (_error(429, {"retry-after": "120"}), 1, None),  # longer than max_wait: give up
        (_error(403, {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1010"}), 1, 11.0),
        (_error(403, message="You have exceeded a secondary rate limit."), 1, 60.0),
        (_error(502), 1, 1.0),
        (_error(503), 3, 4.0),
        (_error(404), 1, None),
        (_error(422), 1, None),
    ],
)
def test_retry_waits(error: GithubException, attempt: int, wait: float | None) -> None:
    assert Retrier(RetryPolicy(), lambda _: None, lambda: 1000.0).wait_for(error, attempt) == wait


def test_retries_are_bounded_by_the_budget() -> None:
    sleeps: list[float] = []
    retrier = Retrier(RetryPolicy(attempts=10, budget=5.0), sleeps.append, lambda: 0.0)

    def fail() -> None:
        raise _error(500)

    with pytest.raises(GithubException):
        retrier.call(fail)
    assert sleeps == [1.0, 2.0]  # the next wait (4 s) would pass the 5 s budget


def test_forbidden_is_not_a_rate_limit() -> None:
    assert is_forbidden(_error(403, message="Resource not accessible by integration"))
    assert not is_forbidden(_error(403, message="API rate limit exceeded"))
    assert not is_forbidden(_error(404))
