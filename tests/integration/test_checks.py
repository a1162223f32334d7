"""Check run and SARIF upload against the GitHub API stand-in (OpenAPI-validated)."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from slipway.core.context import Context, read_context
from slipway.core.severity import Level
from slipway.github.client import Retrier
from slipway.github.reports import CheckOutput, create_check_run, upload_sarif
from slipway.report.annotations import Annotation
from slipway.runner.workflow import Workflow
from tests.support.payloads import load_event, runner_env
from tests.support.pytest_github import GitHubStandIn

WRITE, READ = "ghs_checks_write_01", "ghs_checks_read_02"
OWNER, REPO = "Codertocat", "Hello-World"
SARIF: dict[str, Any] = {
    "version": "2.1.0",
    "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
    "runs": [{"tool": {"driver": {"name": "Trivy", "rules": []}}, "results": []}],
}


def _context(github: GitHubStandIn, tmp_path: Path) -> Context:
    github.add_token(WRITE, "write")
    github.add_token(READ, "read")
    github.seed_repo(OWNER, REPO, pulls=[{"number": 2}])
    payload = load_event("pull_request", "opened")
    event = tmp_path / "event.json"
    event.write_text(json.dumps(payload), encoding="utf-8")
    return read_context(runner_env("pull_request", payload, event, github.url), payload)


def _annotations(count: int) -> list[Annotation]:
    levels = (Level.ERROR, Level.WARNING, Level.NOTICE)
    return [
        Annotation(
            levels[n % 3],
            f"pkg-{n} x%0A::error::pwned <img src=x onerror=alert(1)> @everyone",
            title=f"CVE-2024-{n:04d}",
            file="Dockerfile",
            line=1 + n % 30,
            rank=n % 5,
            key=str(n),
        )
        for n in range(count)
    ]


OUTPUT = CheckOutput("Slipway", "Gate failed", "**3 critical**", "failure", text="details")


def test_check_run_with_120_annotations_takes_3_batches(
    github: GitHubStandIn, tmp_path: Path
) -> None:
    context = _context(github, tmp_path)
    log = io.StringIO()
    result = create_check_run(
        Workflow({}, log),
        context,
        token=WRITE,
        output=OUTPUT,
        annotations=_annotations(120),
        retrier=Retrier(sleep=lambda _: None),
    )
    assert result.status == "created"
    assert result.requests == 3
    (run,) = github.check_runs
    assert len(run.annotations) == 120
    assert run.fields["conclusion"] == "failure"
    assert run.fields["status"] == "completed"
    assert run.fields["head_sha"] == context.payload["pull_request"]["head"]["sha"]
    assert run.annotations[0]["annotation_level"] == "failure"  # the most important first
    writes = [r for r in github.requests if r.method in ("POST", "PATCH")]
    assert [len(r.body["output"]["annotations"]) for r in writes] == [50, 50, 20]
    assert log.getvalue() == ""


def test_check_run_without_permission_is_one_warning(github: GitHubStandIn, tmp_path: Path) -> None:
    context = _context(github, tmp_path)
    log = io.StringIO()
    result = create_check_run(
        Workflow({}, log),
        context,
        token=READ,
        output=OUTPUT,
        annotations=_annotations(3),
        retrier=Retrier(sleep=lambda _: None),
    )
    assert result.status == "failed"
    lines = log.getvalue().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("::warning::")
    assert "checks: write" in lines[0]
    assert github.check_runs == []


def test_sarif_upload_is_stored_decoded(github: GitHubStandIn, tmp_path: Path) -> None:
    context = _context(github, tmp_path)
    result = upload_sarif(
        Workflow({}, io.StringIO()),
        context,
        token=WRITE,
        sarif=SARIF,
        retrier=Retrier(sleep=lambda _: None),
    )
    assert result.status == "uploaded"
    (upload,) = github.sarifs
    assert upload.sarif == SARIF
    assert (upload.commit_sha, upload.ref) == (context.sha, context.ref)
    assert result.id == upload.id


def test_sarif_upload_without_permission_names_it(github: GitHubStandIn, tmp_path: Path) -> None:
    context = _context(github, tmp_path)
    log = io.StringIO()
    result = upload_sarif(
        Workflow({}, log),
        context,
        token=READ,
        sarif=json.dumps(SARIF),
        retrier=Retrier(sleep=lambda _: None),
    )
    assert result.status == "failed"
    assert "security-events: write" in log.getvalue()
    assert github.sarifs == []


def test_sarif_upload_retries_a_server_error(github: GitHubStandIn, tmp_path: Path) -> None:
    context = _context(github, tmp_path)
    github.inject("POST", r"/code-scanning/sarifs$", 502)
    sleeps: list[float] = []
    result = upload_sarif(
        Workflow({}, io.StringIO()),
        context,
        token=WRITE,
        sarif=SARIF,
        retrier=Retrier(sleep=sleeps.append),
    )
    assert result.status == "uploaded"
    assert sleeps == [1.0]
    assert len(github.sarifs) == 1
