"""The sticky pull-request comment against the GitHub API stand-in (OpenAPI-validated)."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from slipway.core.context import Context, read_context
from slipway.github.client import Retrier, RetryPolicy
from slipway.github.comment import (
    READ_ONLY_NOTICE,
    CommentBody,
    CommentError,
    CommentOutcome,
    history_line,
    marker_for,
    post_comment,
)
from slipway.inputs.report import CommentMode, ReportOptions
from slipway.report.fit import Block
from slipway.runner.workflow import Workflow
from tests.support.payloads import load_event, runner_env
from tests.support.pytest_github import GitHubStandIn

WRITE, READ = "ghs_write_token_0001", "ghs_read_token_0002"
OWNER, REPO, PR = "Codertocat", "Hello-World", 2
IMAGE = "ghcr.io/codertocat/hello-world"
MARKER = marker_for(IMAGE)

pytestmark = pytest.mark.no_engine


def sections(report: str) -> tuple[Block]:
    """A report of one section, as the report stage hands it over."""
    return (Block("report", (report,), required=True),)


class Run:
    """One Slipway run's reporting step: a context, a log, a fake clock."""

    def __init__(self, github: GitHubStandIn, tmp_path: Path, payload: dict[str, Any]) -> None:
        self.github, self.base = github, tmp_path
        event = tmp_path / "event.json"
        event.write_text(json.dumps(payload), encoding="utf-8")
        env = runner_env("pull_request", payload, event, github.url)
        self.context: Context = read_context(env, payload)
        self.log = io.StringIO()
        self.sleeps: list[float] = []

    def post(
        self, report: str, token: str = WRITE, failed: bool = False, **options: Any
    ) -> CommentOutcome:
        retrier = Retrier(RetryPolicy(attempts=3, budget=10.0), self.sleeps.append, lambda: 0.0)
        return post_comment(
            Workflow({}, self.log),
            self.context,
            ReportOptions(**options),
            token=token,
            body=CommentBody(IMAGE, sections(report), failed),
            base=self.base,
            retrier=retrier,
        )

    def notices(self) -> list[str]:
        return [line for line in self.log.getvalue().splitlines() if line.startswith("::notice")]

    def warnings(self) -> list[str]:
        return [line for line in self.log.getvalue().splitlines() if line.startswith("::warning")]


def _seed(github: GitHubStandIn) -> None:
    github.add_token(WRITE, "write")
    github.add_token(READ, "read")
    github.seed_repo(OWNER, REPO, pulls=[{"number": PR, "head_ref": "changes", "base_ref": "main"}])


@pytest.fixture
def run(github: GitHubStandIn, tmp_path: Path) -> Run:
    _seed(github)
    return Run(github, tmp_path, load_event("pull_request", "opened"))


def _ours(github: GitHubStandIn) -> list[str]:
    return [c.body for c in github.comments(OWNER, REPO, PR) if c.body.startswith(MARKER)]


def test_first_run_creates_exactly_one_comment_and_writes_the_file(
    run: Run, github: GitHubStandIn, tmp_path: Path
) -> None:
    outcome = run.post("## Slipway\n\nGate passed.")
    assert outcome.status == "created"
    comments = github.comments(OWNER, REPO, PR)
    assert len(comments) == 1
    assert comments[0].body.startswith(MARKER + "\n\n## Slipway")
    assert comments[0].user == "github-actions[bot]"
    record = json.loads((tmp_path / outcome.file).read_text(encoding="utf-8"))
    assert record == {"pr_number": PR, "marker": MARKER, "body": comments[0].body}
    assert (tmp_path / "comment.md").read_text(encoding="utf-8") == record["body"]
    assert WRITE not in run.log.getvalue()


def test_rerun_updates_the_comment_in_place(run: Run, github: GitHubStandIn) -> None:
    first = run.post("first report")
    second = run.post("second report")
    assert (first.status, second.status) == ("created", "updated")
    assert first.comment_id == second.comment_id
    assert _ours(github) == [f"{MARKER}\n\nsecond report\n"]
    assert [r.method for r in github.requests if r.path.endswith("/comments")].count("POST") == 1


def test_marker_is_found_among_150_comments(run: Run, github: GitHubStandIn) -> None:
    github.add_comments(OWNER, REPO, PR, [f"comment {n}" for n in range(140)])
    # Someone else's comment carrying the marker is not ours: never edited.
    github.add_comments(OWNER, REPO, PR, [MARKER + "\nfake"], user="mallory")
    github.add_comments(OWNER, REPO, PR, [MARKER + "\nold"], user="github-actions[bot]")
    github.add_comments(OWNER, REPO, PR, [f"later {n}" for n in range(9)])
    outcome = run.post("new report")
    assert outcome.status == "updated"
    bodies = [c.body for c in github.comments(OWNER, REPO, PR)]
    assert len(bodies) == 151
    assert bodies[140] == MARKER + "\nfake"
    assert bodies[141] == f"{MARKER}\n\nnew report\n"
    pages = [r.query for r in github.requests if r.path.endswith(f"/issues/{PR}/comments")]
    assert any("page=2" in query for query in pages)


def test_fork_pull_request_skips_with_one_notice_and_writes_the_file(
    github: GitHubStandIn, tmp_path: Path
) -> None:
    _seed(github)
    payload = load_event("pull_request", "opened")
    payload["pull_request"]["head"]["repo"]["full_name"] = "mallory/Hello-World"
    run = Run(github, tmp_path, payload)
    outcome = run.post("report", token=READ)
    assert outcome.status == "skipped"
    assert github.comments(OWNER, REPO, PR) == []
    assert not [r for r in github.requests if "/comments" in r.path]
    assert len(run.notices()) == 1
    assert "workflow_run" in run.notices()[0]
    assert json.loads((tmp_path / outcome.file).read_text(encoding="utf-8"))["pr_number"] == PR


def test_read_only_token_403_skips_with_one_notice(run: Run, github: GitHubStandIn) -> None:
    outcome = run.post("report", token=READ)
    assert outcome.status == "failed"
    assert github.comments(OWNER, REPO, PR) == []
    assert len(run.notices()) == 1
    assert run.notices()[0].startswith("::notice::" + READ_ONLY_NOTICE[:40])
    assert run.warnings() == []
    assert READ not in run.log.getvalue()


def test_read_only_token_with_always_fails_the_run(run: Run) -> None:
    with pytest.raises(CommentError, match=r"pull request #2.*HTTP 403"):
        run.post("report", token=READ, pr_comment=CommentMode.ALWAYS)


def test_no_token_asks_github_nothing_and_says_so(run: Run, github: GitHubStandIn) -> None:
    """``github-token: ''``: GitHub takes no comment without one, so nothing is asked (no
    anonymous request, no retries); a notice names the input, and the file is written."""
    outcome = run.post("report", token="")
    assert (outcome.status, outcome.reason) == ("skipped", "no github-token")
    assert github.requests == []
    assert run.sleeps == []
    assert [n for n in run.notices() if "`github-token` is empty" in n] == run.notices()
    assert len(run.notices()) == 1
    assert json.loads((run.base / outcome.file).read_text(encoding="utf-8"))["pr_number"] == PR


def test_no_token_with_always_fails_the_run_naming_the_input(run: Run) -> None:
    with pytest.raises(CommentError, match=r"pull request #2: `github-token` is empty"):
        run.post("report", token="", pr_comment=CommentMode.ALWAYS)


def test_secondary_rate_limit_is_retried_after_retry_after(run: Run, github: GitHubStandIn) -> None:
    github.inject("POST", rf"/issues/{PR}/comments$", 403, headers={"Retry-After": "1"})
    outcome = run.post("report")
    assert outcome.status == "created"
    assert run.sleeps == [1.0]
    assert len(github.comments(OWNER, REPO, PR)) == 1


def test_primary_rate_limit_waits_for_the_reset(run: Run, github: GitHubStandIn) -> None:
    headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "3"}
    github.inject("GET", rf"/issues/{PR}/comments$", 429, headers=headers)
    assert run.post("report").status == "created"
    assert run.sleeps == [4.0]  # reset (3) - now (0) + 1 s margin


def test_server_errors_back_off_within_the_budget(run: Run, github: GitHubStandIn) -> None:
    github.inject("*", rf"/issues/{PR}/comments$", 502, times=100)
    outcome = run.post("report")
    assert outcome.status == "failed"
    assert run.sleeps == [1.0, 2.0]  # three attempts
    assert len(run.warnings()) == 1
    assert github.comments(OWNER, REPO, PR) == []


def test_server_error_then_success_keeps_one_comment(run: Run, github: GitHubStandIn) -> None:
    github.inject("POST", rf"/issues/{PR}/comments$", 503)
    assert run.post("report").status == "created"
    assert len(github.comments(OWNER, REPO, PR)) == 1


def test_on_failure_creates_only_on_failure_but_always_updates(
    run: Run, github: GitHubStandIn
) -> None:
    mode = CommentMode.ON_FAILURE
    assert run.post("green", pr_comment=mode).status == "skipped"
    assert github.comments(OWNER, REPO, PR) == []
    assert run.post("red", failed=True, pr_comment=mode).status == "created"
    assert run.post("green again", pr_comment=mode).status == "updated"
    assert _ours(github) == [f"{MARKER}\n\ngreen again\n"]


def test_never_writes_the_file_but_no_comment(run: Run, github: GitHubStandIn) -> None:
    outcome = run.post("report", pr_comment=CommentMode.NEVER)
    assert outcome.status == "skipped"
    assert outcome.file
    assert github.requests == []


def test_history_keeps_earlier_runs(github: GitHubStandIn, tmp_path: Path) -> None:
    _seed(github)
    run = Run(github, tmp_path, load_event("pull_request", "opened"))
    url = "https://github.com/Codertocat/Hello-World/actions/runs/"
    for number, verdict in ((1, "failed"), (2, "failed"), (2, "passed")):  # 2 re-run
        line = history_line(
            verdict, str(number), f"{url}{number}", "abcdef0" * 6, "2026-01-02 03:04 UTC"
        )
        post_comment(
            Workflow({}, run.log),
            run.context,
            ReportOptions(comment_history=True),
            token=WRITE,
            body=CommentBody(IMAGE, sections(f"report {number}"), False, history=line),
            base=tmp_path,
            retrier=Retrier(sleep=run.sleeps.append),
        )
    (body,) = _ours(github)
    assert "report 2" in body
    assert body.index("- passed · run [#2]") < body.index("- failed · run [#1]")
    assert body.count("run [#2]") == 1


def test_merge_group_comments_on_the_queued_pull_request(
    github: GitHubStandIn, tmp_path: Path
) -> None:
    github.add_token(WRITE, "write")
    github.seed_repo("octo-org", "octo-repo", pulls=[{"number": 104}])
    payload = load_event("merge_group")
    event = tmp_path / "event.json"
    event.write_text(json.dumps(payload), encoding="utf-8")
    context = read_context(runner_env("merge_group", payload, event, github.url), payload)
    outcome = post_comment(
        Workflow({}, io.StringIO()),
        context,
        ReportOptions(),
        token=WRITE,
        body=CommentBody(IMAGE, sections("queued"), False),
        base=tmp_path,
        retrier=Retrier(sleep=lambda _: None),
    )
    assert outcome.status == "created"
    assert len(github.comments("octo-org", "octo-repo", 104)) == 1


def test_an_unwritable_comment_file_is_a_warning(run: Run, tmp_path: Path) -> None:
    (tmp_path / "comment.json").mkdir()  # a folder where the file should go
    outcome = run.post("report", pr_comment=CommentMode.NEVER)
    assert (outcome.status, outcome.file) == ("skipped", "")
    assert len(run.warnings()) == 1
