"""Optional GitHub reports beyond the job summary: a check run carrying every annotation
(``check-run: true``) and a code-scanning SARIF upload (``upload-sarif: true``).

Workflow-command annotations are capped at 10 errors and 10 warnings per step; a check
run takes any number, 50 per request
(https://docs.github.com/en/rest/checks/runs#update-a-check-run), so it is created with
the first 50 and PATCHed with the rest. Neither report ever fails the run: a refusal is
one warning that names the missing permission.
"""

from __future__ import annotations

import base64
import gzip
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import requests
from github import GithubException
from github.CheckRun import CheckRun
from github.GithubObject import NotSet

from slipway.core.context import Context
from slipway.core.severity import Level
from slipway.github.client import Retrier, make_client, reason
from slipway.report.annotations import MAX_MESSAGE, MAX_TITLE, Annotation, clip, order
from slipway.report.fit import CHECK_RUN, fit_text
from slipway.runner.workflow import Workflow

ANNOTATIONS_PER_REQUEST = 50
MAX_SARIF_GZIP = 10 * 1024 * 1024  # GitHub answers 413 above this
CHECK_LEVEL = {Level.ERROR: "failure", Level.WARNING: "warning", Level.NOTICE: "notice"}
CHECK_FORBIDDEN = (
    "Could not create the check run ({reason}): the token needs `checks: write`. Add\n"
    "permissions:\n  checks: write\nto the job, or set `check-run: false`."
)
CHECK_FAILED = (
    "Could not create or complete the check run ({reason}); the annotations are in the log."
)
SARIF_FORBIDDEN = (
    "Could not upload the SARIF report to code scanning ({reason}): the token needs "
    "`security-events: write` (a pull request from a fork never has it). Add\n"
    "permissions:\n  security-events: write\nto the job, or set `upload-sarif: false`."
)
SARIF_UNAVAILABLE = (
    "Could not upload the SARIF report ({reason}): code scanning is not available for this "
    "repository (private repositories need GitHub Advanced Security)."
)
SARIF_TOO_LARGE = (
    "The SARIF report is {size} bytes gzipped, over GitHub's 10 MB limit: not uploaded."
)
SARIF_FAILED = "Could not upload the SARIF report to code scanning ({reason})."


@dataclass(frozen=True)
class CheckOutput:
    """The check run's name, conclusion and Markdown output (already fitted and escaped)."""

    name: str
    title: str
    summary: str
    conclusion: str  # success, failure, neutral
    text: str = ""

    def output(self, annotations: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        """The ``output`` object of one request."""
        out: dict[str, Any] = {
            "title": clip(self.title, 255),
            "summary": fit_text(self.summary, CHECK_RUN),  # fitted already: a guard
        }
        if self.text:
            out["text"] = fit_text(self.text, CHECK_RUN)
        if annotations:
            out["annotations"] = list(annotations)
        return out


@dataclass(frozen=True)
class ReportResult:
    """What an optional report did: ``status`` created / uploaded / failed / skipped."""

    status: str
    reason: str = ""
    id: str = ""
    requests: int = 0


def check_annotation(item: Annotation) -> dict[str, Any] | None:
    """The check-run form of ``item``; None when it has no file (a check run needs a path)."""
    if not item.file:
        return None
    start = item.line if item.line and item.line > 0 else 1
    end = item.end_line if item.end_line and item.end_line >= start else start
    found: dict[str, Any] = {
        "path": item.file,
        "start_line": start,
        "end_line": end,
        "annotation_level": CHECK_LEVEL[item.level],
        "message": clip(item.message, MAX_MESSAGE) or "-",
    }
    if item.title:
        found["title"] = clip(item.title, MAX_TITLE)
    return found


def batches(
    items: Sequence[dict[str, Any]], size: int = ANNOTATIONS_PER_REQUEST
) -> list[list[dict[str, Any]]]:
    """``items`` in requests of at most ``size`` (at least one, possibly empty, batch)."""
    return [list(items[i : i + size]) for i in range(0, len(items), size)] or [[]]


def head_sha(context: Context) -> str:
    """The commit a check run belongs to: the PR's head (so the PR shows it), else GITHUB_SHA."""
    pr = context.payload.get("pull_request")
    head = pr.get("head") if isinstance(pr, Mapping) else None
    sha = head.get("sha") if isinstance(head, Mapping) else None
    return str(sha) if isinstance(sha, str) and sha else context.sha


def create_check_run(
    workflow: Workflow,
    context: Context,
    *,
    token: str,
    output: CheckOutput,
    annotations: Sequence[Annotation],
    retrier: Retrier,
) -> ReportResult:
    """One check run with every annotation (most important first), 50 per request; every
    text in it redacted (slipway.core.redact) as the log is."""
    found = [
        {k: workflow.redact(v) if isinstance(v, str) else v for k, v in a.items()}
        for a in (check_annotation(item) for item in order(annotations))
        if a
    ]
    output = replace(
        output, summary=workflow.redact(output.summary), text=workflow.redact(output.text)
    )
    parts = batches(found)
    sent = 0
    try:
        with make_client(context.api_url, token) as client:
            repo = client.get_repo(context.repository)
            last = len(parts) == 1
            run = retrier.call(
                lambda: repo.create_check_run(
                    name=output.name,
                    head_sha=head_sha(context),
                    status="completed" if last else "in_progress",
                    conclusion=output.conclusion if last else NotSet,
                    output=output.output(parts[0]),
                )
            )
            sent = 1
            for number, part in enumerate(parts[1:], start=2):
                _patch(retrier, run, output, part, last=number == len(parts))
                sent += 1
    except (GithubException, requests.RequestException) as error:
        forbidden = isinstance(error, GithubException) and error.status == 403
        template = CHECK_FORBIDDEN if forbidden and not sent else CHECK_FAILED
        workflow.warning(template.format(reason=reason(error)))
        return ReportResult("failed", reason(error), requests=sent)
    return ReportResult("created", id=str(run.id), requests=sent)


def _patch(
    retrier: Retrier, run: CheckRun, output: CheckOutput, part: list[dict[str, Any]], *, last: bool
) -> None:
    """Append one batch of annotations; the last batch completes the run."""
    conclusion = output.conclusion if last else NotSet
    retrier.call(lambda: run.edit(output=output.output(part), conclusion=conclusion))


def pack_sarif(sarif: Mapping[str, Any] | str) -> str:
    """gzip, then base64: the form the code-scanning API takes."""
    text = sarif if isinstance(sarif, str) else json.dumps(sarif, separators=(",", ":"))
    return base64.b64encode(gzip.compress(text.encode(), compresslevel=6, mtime=0)).decode("ascii")


def upload_sarif(
    workflow: Workflow,
    context: Context,
    *,
    token: str,
    sarif: Mapping[str, Any] | str,
    retrier: Retrier,
) -> ReportResult:
    """POST the SARIF document to code scanning for GITHUB_SHA / GITHUB_REF."""
    text = sarif if isinstance(sarif, str) else json.dumps(sarif, separators=(",", ":"))
    packed = pack_sarif(workflow.redact(text))
    if len(packed) * 3 // 4 > MAX_SARIF_GZIP:
        workflow.warning(SARIF_TOO_LARGE.format(size=len(packed) * 3 // 4))
        return ReportResult("skipped", "too large")
    body = {"commit_sha": context.sha, "ref": context.ref, "sarif": packed}
    path = f"/repos/{context.repository}/code-scanning/sarifs"
    try:
        with make_client(context.api_url, token) as client:
            _, data = retrier.call(
                lambda: client.requester.requestJsonAndCheck("POST", path, input=body)
            )
    except (GithubException, requests.RequestException) as error:
        status = error.status if isinstance(error, GithubException) else 0
        template = {403: SARIF_FORBIDDEN, 404: SARIF_UNAVAILABLE}.get(status, SARIF_FAILED)
        workflow.warning(template.format(reason=reason(error)))
        return ReportResult("failed", reason(error))
    return ReportResult(
        "uploaded", id=str(data.get("id", "")) if isinstance(data, dict) else "", requests=1
    )
