"""The sticky pull-request comment: one comment per image, found by a hidden marker, updated
in place on every run (PyGithub on ``GITHUB_API_URL``).

A pull request from a fork (or from Dependabot) runs ``pull_request`` workflows with a
read-only token; then Slipway does not try, says so in one notice, and leaves the body
in the ``comment-file`` for a ``workflow_run`` workflow to post
(examples/workflows/post-comment.yml). A failure to comment is a warning, unless
``pr-comment: always``. The token is only ever handed to PyGithub.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import requests
from github import Github, GithubException
from github.IssueComment import IssueComment

from slipway.core.context import Context
from slipway.errors import ExitCode, SlipwayError
from slipway.github.client import Retrier, is_forbidden, make_client, reason
from slipway.inputs.report import CommentMode, ReportOptions
from slipway.report.fit import COMMENT, Block, Section, fit, redacted
from slipway.runner.workflow import Workflow

TIMEOUT_SECONDS = 15
MARKER = "<!-- slipway:report:{key} -->"
MERGE_QUEUE_REF = re.compile(r"gh-readonly-queue/.+/pr-([0-9]+)-[0-9a-f]{40}$", re.ASCII)
MAX_REF = 4096  # git's refs are file paths: nothing longer names one
PULL_REQUEST_EVENTS = ("pull_request", "pull_request_target")
READ_ONLY_NOTICE = (
    "Slipway did not comment on pull request #{number}: this run's token may not write "
    "comments (pull requests from forks and from Dependabot get a read-only token; "
    "otherwise give the job `pull-requests: write`). The job summary and annotations are "
    "written, and the comment body is in {file} (output comment-file). To post it safely, "
    "upload that file as an artifact and post it from a workflow_run workflow that never "
    "runs the pull request's code: see examples/workflows/post-comment.yml."
)
FILE_FAILED = (
    "Could not write the comment file {file} ({reason}); the comment-file output is empty."
)
COMMENT_FAILED = "Could not comment on pull request #{number} ({reason})."
EMPTY_INPUT = "Slipway did not comment on pull request #{number}: `github-token` is empty."
EMPTY_INPUT_HINT = (
    "Leave `github-token` at its default (`${{ github.token }}`), or set `pr-comment: auto`."
)
COMMENT_HINT = (
    "Give the job `permissions: { pull-requests: write }` (or `issues: write`), or set "
    "`pr-comment: auto` so that a failure to comment is only a warning."
)
HISTORY_START, HISTORY_END = "<!-- slipway:history -->", "<!-- /slipway:history -->"
HISTORY_LINE = re.compile(
    r"^- [a-z][a-z ]{0,29} · run \[#[0-9]{1,12}\]\(https://[^\s()<>\"']+/actions/runs/[0-9]+\)"
    r" · `[0-9a-f]{7}` · [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2} UTC$"
)
MAX_HISTORY = 20
DEFAULT_COMMENT_NAME = "comment.json"


class CommentError(SlipwayError):
    """The pull-request comment could not be written and ``pr-comment: always`` was set."""

    exit_code = ExitCode.TOOL
    title = "Pull request comment failed"


@dataclass(frozen=True)
class CommentTarget:
    """The pull request to comment on, and whether the event says the token is read-only."""

    number: int
    read_only: bool = False


@dataclass(frozen=True)
class CommentOutcome:
    """What happened to the comment: created, updated, skipped or failed."""

    status: str
    reason: str = ""
    comment_id: int | None = None
    url: str = ""
    file: str = ""  # the comment-file output ("" when there was no pull request)


def marker_for(key: str) -> str:
    """The hidden marker for ``key`` (an image name): only safe characters, no ``--``."""
    safe = re.sub(r"[^A-Za-z0-9._/:@]+", "-", key).strip("-")
    return MARKER.format(key=re.sub(r"-{2,}", "-", safe)[:200] or "default")


def merge_queue_pr(ref: str) -> int | None:
    """The PR number in a merge queue head ref (``gh-readonly-queue/<base>/pr-<N>-<sha>``)."""
    # from the queue's own prefix on, and no longer than a ref git makes: the search is then
    # linear (from every "gh-readonly-queue/" of a long value it was quadratic)
    start = ref.find("gh-readonly-queue/")
    match = MERGE_QUEUE_REF.match(ref, start) if start >= 0 and len(ref) <= MAX_REF else None
    return int(match.group(1)[:10]) if match else None


def is_read_only_event(context: Context) -> bool:
    """True when the event says the token is read-only: ``pull_request`` from a fork (or a
    deleted fork) or by Dependabot. ``pull_request_target`` always has a write token."""
    if context.event_name != "pull_request":
        return False
    if context.actor == "dependabot[bot]":
        return True
    pr = context.payload.get("pull_request")
    if not isinstance(pr, Mapping):
        return False
    head, base = pr.get("head"), pr.get("base")
    head_repo = head.get("repo") if isinstance(head, Mapping) else None
    base_repo = base.get("repo") if isinstance(base, Mapping) else None
    base_name = base_repo.get("full_name") if isinstance(base_repo, Mapping) else None
    if not isinstance(head_repo, Mapping):
        return True  # the fork was deleted
    return head_repo.get("full_name") != (base_name or context.repository)


def resolve_target(context: Context, options: ReportOptions) -> CommentTarget | None:
    """The pull request this run reports on: ``pr-number``, the PR event's, or the merge
    queue's; None when there is none."""
    read_only = is_read_only_event(context)
    if options.pr_number is not None:
        return CommentTarget(options.pr_number, read_only)
    if context.event_name in PULL_REQUEST_EVENTS and context.pr_number is not None:
        return CommentTarget(context.pr_number, read_only)
    if context.event_name == "merge_group":
        group = context.payload.get("merge_group")
        ref = str(group.get("head_ref") or "") if isinstance(group, Mapping) else ""
        number = merge_queue_pr(ref) or merge_queue_pr(context.ref)
        return CommentTarget(number) if number else None
    return None


def history_line(verdict: str, run_number: str, run_url: str, sha: str, when: str) -> str:
    """One history line (``when``: ``YYYY-MM-DD HH:MM UTC``); "" if any part is malformed."""
    line = f"- {verdict} · run [#{run_number}]({run_url}) · `{sha[:7]}` · {when}"
    return line if HISTORY_LINE.match(line) else ""


def earlier_history(previous_body: str | None) -> list[str]:
    """The history lines of an earlier body, each re-validated (bodies are data)."""
    if not previous_body or HISTORY_START not in previous_body:
        return []
    block = previous_body.split(HISTORY_START, 1)[1].split(HISTORY_END, 1)[0]
    return [line for line in block.splitlines() if HISTORY_LINE.match(line)]


def compose_body(marker: str, report: Sequence[Section], history: list[str]) -> str:
    """Marker, the report's sections, then the history (newest first): fitted to GitHub's
    comment limit as one report (slipway.report.fit), the history first to go."""
    variants = []
    for count in (len(history), 5, 1):
        kept = history[: min(count, MAX_HISTORY)]
        if kept:
            lines = ["<details><summary>History (newest first)</summary>", "", HISTORY_START, *kept]
            variants.append("\n".join([*lines, HISTORY_END, "", "</details>"]))
    sections = [Block("marker", (marker,), True), *report]
    if variants:
        sections.append(Block("history", tuple(variants)))
    return fit(sections, COMMENT).text


def write_comment_file(
    base: Path, options: ReportOptions, number: int, marker: str, body: str
) -> str:
    """Write the JSON and Markdown bodies for a ``workflow_run`` poster; returns the JSON path.

    ``comment-file`` is relative to ``base`` (the workspace); by default (empty) the file is
    ``comment.json`` in ``base`` (the run's reports folder)."""
    path = base / (options.comment_file or DEFAULT_COMMENT_NAME)
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {"pr_number": number, "marker": marker, "body": body}
    path.write_text(json.dumps(record, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    path.with_suffix(".md").write_text(body, encoding="utf-8")
    return str(path)


@dataclass
class Sticky:
    """Finds and writes the sticky comment of one pull request."""

    client: Github
    repository: str
    number: int
    marker: str
    retrier: Retrier

    def identity(self) -> str | None:
        """The token's login; None for an installation token (``GET /user`` is 403)."""
        try:
            return self.retrier.call(lambda: str(self.client.get_user().login))
        except GithubException as error:
            if error.status in (401, 403):
                return None
            raise

    def find(self, login: str | None) -> IssueComment | None:
        """The oldest comment by us (``login``, or any bot) starting with the marker."""
        issue = self.client.get_repo(self.repository).get_issue(self.number)
        for comment in issue.get_comments():
            if not (comment.body or "").startswith(self.marker):
                continue
            user = comment.user  # None for a deleted account
            if user is not None and ((user.login == login) if login else (user.type == "Bot")):
                return comment
        return None

    def upsert(self, make_body: Callable[[str | None], str], create: bool) -> CommentOutcome:
        """Update our comment in place, or create it (when ``create``).

        Each attempt searches again: a create answered by a 5xx may have been applied,
        and a second search is what keeps the comment unique."""
        login = self.identity()

        def attempt() -> CommentOutcome:
            existing = self.find(login)
            if existing is not None:
                existing.edit(make_body(existing.body))
                return CommentOutcome("updated", comment_id=existing.id, url=existing.html_url)
            if not create:
                return CommentOutcome("skipped", "no earlier comment to update")
            issue = self.client.get_repo(self.repository).get_issue(self.number)
            made = issue.create_comment(make_body(None))
            return CommentOutcome("created", comment_id=made.id, url=made.html_url)

        return self.retrier.call(attempt)


@dataclass(frozen=True)
class CommentBody:
    """What one run says in the sticky comment."""

    key: str  # the image: one sticky comment per image and pull request
    report: tuple[Section, ...]  # the report's sections (untrusted text escaped), fitted here
    failed: bool
    history: str = ""  # this run's `history_line`, kept when ``comment-history`` is on


def post_comment(
    workflow: Workflow,
    context: Context,
    options: ReportOptions,
    *,
    token: str,
    body: CommentBody,
    base: Path,
    retrier: Retrier,
) -> CommentOutcome:
    """Write the comment file, then create or update the sticky comment as ``pr-comment`` says."""
    target = resolve_target(context, options)
    if target is None:
        return CommentOutcome("skipped", "no pull request for this event")
    marker = marker_for(body.key)
    # the file and the comment: redacted before fitting (a redaction may change a text's size)
    report, failed = redacted(body.report, workflow.redact), body.failed

    def make_body(previous: str | None) -> str:
        if not options.comment_history:
            return compose_body(marker, report, [])
        current = [body.history] if body.history else []
        runs = {line.split(" · ")[1] for line in current}  # a re-run replaces its own line
        earlier = [line for line in earlier_history(previous) if line.split(" · ")[1] not in runs]
        return compose_body(marker, report, current + earlier)

    try:
        file = write_comment_file(base, options, target.number, marker, make_body(None))
    except OSError as error:
        name = base / (options.comment_file or DEFAULT_COMMENT_NAME)
        workflow.warning(FILE_FAILED.format(file=name, reason=error.strerror))
        file = ""
    mode = options.pr_comment
    if mode is CommentMode.NEVER:
        return CommentOutcome("skipped", "pr-comment: never", file=file)
    if target.read_only:
        workflow.notice(READ_ONLY_NOTICE.format(number=target.number, file=file))
        return CommentOutcome("skipped", "read-only token", file=file)
    if not token:  # GitHub takes no comment without a token: nothing to ask it
        if mode is CommentMode.ALWAYS:
            raise CommentError(EMPTY_INPUT.format(number=target.number), EMPTY_INPUT_HINT)
        workflow.notice(f"{EMPTY_INPUT.format(number=target.number)} The report is in {file}.")
        return CommentOutcome("skipped", "no github-token", file=file)
    create = failed or mode is not CommentMode.ON_FAILURE
    try:
        with make_client(context.api_url, token) as client:
            sticky = Sticky(client, context.repository, target.number, marker, retrier)
            outcome = sticky.upsert(make_body, create)
    except (GithubException, requests.RequestException) as error:
        message = COMMENT_FAILED.format(number=target.number, reason=reason(error))
        if mode is CommentMode.ALWAYS:
            raise CommentError(message, COMMENT_HINT) from None
        if is_forbidden(error):
            workflow.notice(READ_ONLY_NOTICE.format(number=target.number, file=file))
        else:
            workflow.warning(message)
        return CommentOutcome("failed", reason(error), file=file)
    return CommentOutcome(outcome.status, outcome.reason, outcome.comment_id, outcome.url, file)
