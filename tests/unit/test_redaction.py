"""The one redaction (slipway.core.redact.redact), used by everything the run prints or writes: the
workflow (log, annotations, outputs, summary, files), the terminal, command lines."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from slipway.core.context import Context
from slipway.core.redact import HIDDEN, argv_for_log, redact
from slipway.github.client import Retrier
from slipway.github.comment import CommentBody, post_comment
from slipway.inputs.report import CommentMode, ReportOptions
from slipway.report.fit import Block
from slipway.runner.workflow import Workflow
from slipway.terminal.workflow import TerminalWorkflow

TOKEN = "ghp_" + "a1B2" * 9


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        (
            "https://x-access-token:s3cr3t@github.com/o/r.git#main",
            "https://***@github.com/o/r.git#main",
        ),
        ("git+https://TOKENVALUE@github.com/o/r", "git+https://***@github.com/o/r"),
        ("lib=https://u:p@h/x and more", "lib=https://***@h/x and more"),
        (
            "type=s3,bucket=b,secret_access_key=abc,session_token=def,region=r",
            "type=s3,bucket=b,secret_access_key=***,session_token=***,region=r",
        ),
        (
            "'--driver-opt' 'env.AWS_SECRET_ACCESS_KEY=abc'",
            "'--driver-opt' 'env.AWS_SECRET_ACCESS_KEY=***'",
        ),
        ('API_TOKEN=abc DB_PASSWORD="a b"', "API_TOKEN=*** DB_PASSWORD=***"),
        (
            "https://acct.blob.core.windows.net/c/b?sv=1&sig=AbC%2Fd&se=2",
            "https://acct.blob.core.windows.net/c/b?sv=1&sig=***&se=2",
        ),
        (f"token {TOKEN} in the log", "token *** in the log"),
        # left alone: what holds no credential
        ("git@github.com:acme/app.git", "git@github.com:acme/app.git"),
        ("org.opencontainers.image.authors=Acme", "org.opencontainers.image.authors=Acme"),
        ("ghcr.io/acme/app:v1 sha256:abc", "ghcr.io/acme/app:v1 sha256:abc"),
        ("secrets: npm=NPM_TOKEN", "secrets: npm=NPM_TOKEN"),
        (
            "--secret id=npm,env=SLIPWAY_BUILD_SECRET_0",
            "--secret id=npm,env=SLIPWAY_BUILD_SECRET_0",
        ),
    ],
)
def test_redact(text: str, shown: str) -> None:
    assert redact(text) == shown


def test_masked_values_longest_first() -> None:
    assert redact("pass password", ["password", "pass"]) == f"{HIDDEN} {HIDDEN}"
    assert redact("a secret-value here", ["secret-value"]) == f"a {HIDDEN} here"


def test_argv_hides_secret_looking_build_args_and_masked_words() -> None:
    shown = argv_for_log(["--build-arg", "NPM_TOKEN=x1", "--label", "k=masked-one"], ["masked-one"])
    assert shown == ["--build-arg", f"NPM_TOKEN={HIDDEN}", "--label", f"k={HIDDEN}"]


def test_the_workflow_redacts_every_line_and_file_but_tells_the_runner_the_mask(
    tmp_path: Path,
) -> None:
    stream = io.StringIO()
    output, summary = tmp_path / "out", tmp_path / "summary"
    workflow = Workflow({"GITHUB_OUTPUT": str(output), "GITHUB_STEP_SUMMARY": str(summary)}, stream)
    workflow.mask("hunter2hunter2")
    workflow.error("login with hunter2hunter2 to https://u:pw@registry.example failed")
    workflow.info("cache type=s3,secret_access_key=abc")
    workflow.set_output("url", "https://u:pw@host/x")
    workflow.append_summary(f"| {TOKEN} |")
    log = stream.getvalue()
    assert "::add-mask::hunter2hunter2" in log  # the one line the runner must read it in
    rest = log.replace("::add-mask::hunter2hunter2", "")
    for value in ("hunter2hunter2", ":pw@", "=abc"):
        assert value not in rest
    assert ":pw@" not in output.read_text()
    assert TOKEN not in summary.read_text()
    assert workflow.redact("x hunter2hunter2 https://a:b@c") == "x *** https://***@c"


def test_the_terminal_redacts_too() -> None:
    stream = io.StringIO()
    workflow = TerminalWorkflow({}, stream, color=False)
    workflow.mask("hunter2hunter2")
    workflow.warning("https://u:pw@h hunter2hunter2 token=abc")
    workflow.set_output("x", "https://u:pw@h")
    assert "pw@" not in stream.getvalue()
    assert "hunter2" not in stream.getvalue()
    assert "abc" not in stream.getvalue()
    assert workflow.outputs == {"x": "https://***@h"}


def test_the_comment_file_is_redacted(tmp_path: Path) -> None:
    workflow = Workflow({}, io.StringIO())
    workflow.mask("hunter2hunter2")
    context = Context(
        event_name="pull_request", repository="acme/app", payload={"pull_request": {"number": 7}}
    )
    report = "built from https://u:pw@git.example/x, hunter2hunter2"
    body = CommentBody("ghcr.io/acme/app", (Block("report", (report,), required=True),), False)
    outcome = post_comment(
        workflow,
        context,
        ReportOptions(pr_comment=CommentMode.NEVER),
        token="",
        body=body,
        base=tmp_path,
        retrier=Retrier(),
    )
    written = Path(outcome.file).read_text() + Path(outcome.file).with_suffix(".md").read_text()
    assert "hunter2" not in written
    assert ":pw@" not in written
    assert "https://***@git.example/x" in written
