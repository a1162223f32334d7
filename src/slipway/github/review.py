"""The base-image suggestion as a pull-request review comment, on the Dockerfile's ``FROM``
line (PyGithub on ``GITHUB_API_URL``).

Posted once per base digest: a review comment that already holds the marker of that digest
(`slipway.scan.advice.review_marker`) means it was said. Only when the token may write pull
request reviews: a read-only token (a fork's pull request, Dependabot) is not tried; a
refusal, or a line GitHub does not take (the ``FROM`` line is not in the pull request's
diff), is one notice. Never a failure of the run.
"""

from __future__ import annotations

from dataclasses import dataclass

import requests
from github import GithubException

from slipway.core.context import Context
from slipway.github.client import Retrier, make_client, reason
from slipway.github.comment import resolve_target
from slipway.github.reports import head_sha
from slipway.inputs.report import CommentMode, ReportOptions
from slipway.runner.workflow import Workflow

NOT_POSTED = "The base-image suggestion was not posted on pull request #{number} ({reason})."


@dataclass(frozen=True)
class Suggestion:
    """A review comment to post on ``line`` of ``path`` (relative to the repository)."""

    body: str
    marker: str
    path: str
    line: int


def post_suggestion(
    workflow: Workflow,
    context: Context,
    options: ReportOptions,
    suggestion: Suggestion,
    *,
    token: str,
    retrier: Retrier,
) -> str:
    """Post ``suggestion`` unless already said; what happened: posted, exists or skipped."""
    target = resolve_target(context, options)
    head = head_sha(context)  # a pull request's: GitHub takes comments on its head only
    if (
        target is None
        or target.read_only
        or options.pr_comment is CommentMode.NEVER
        or not (suggestion.body and head and token)
    ):
        return "skipped"
    try:
        with make_client(context.api_url, token) as client:
            pull = retrier.call(lambda: client.get_repo(context.repository).get_pull(target.number))
            said = retrier.call(
                lambda: any(suggestion.marker in (c.body or "") for c in pull.get_review_comments())
            )
            if said:
                return "exists"
            retrier.call(
                lambda: pull.create_review_comment(
                    suggestion.body, head, suggestion.path, line=suggestion.line, side="RIGHT"
                )
            )
    except (GithubException, requests.RequestException) as error:
        workflow.notice(NOT_POSTED.format(number=target.number, reason=reason(error)))
        return "skipped"
    return "posted"
