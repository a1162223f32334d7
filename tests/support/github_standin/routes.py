"""The emulated GitHub REST operations: one handler per entry of :data:`.spec.EMULATED`.

Handlers run after the request passed OpenAPI validation and authentication (see
:mod:`.server`), so they can trust the body's shape; they raise :class:`ApiError` for
GitHub's error answers. Lists paginate with ``per_page``/``page`` and a ``Link`` header.
Check runs and code-scanning uploads are in :mod:`.scanning`, artifact attestations in
:mod:`.attestations`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

from . import objects, threads
from .fill import complete
from .spec import EMULATED, Spec
from .state import Comment, Repo, ReviewComment, State, Token

MAX_COMMENT_BODY = 65536


class ApiError(Exception):
    """An error answer in GitHub's shape (``message``, ``documentation_url``, ``status``)."""

    def __init__(self, status: int, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status, self.message, self.extra = status, message, extra


@dataclass
class Call:
    """A validated, authenticated request to one emulated operation."""

    state: State
    spec: Spec
    api: str  # base URL the client used, e.g. http://127.0.0.1:PORT
    path: str
    query: str
    params: dict[str, str]
    body: Any
    token: Token | None

    def arg(self, name: str, default: str | None = None) -> str | None:
        """Return a query-string argument."""
        return dict(parse_qsl(self.query)).get(name, default)

    def repo(self) -> Repo:
        """Return the addressed repository (private ones are invisible without a token)."""
        repo = self.state.repos.get((self.params["owner"], self.params["repo"]))
        if repo is None or (repo.fields.get("private") and self.token is None):
            raise ApiError(404, "Not Found")
        return repo

    def issue_number(self, name: str = "issue_number") -> int:
        """Return the addressed issue number, which must exist in the repository."""
        repo, number = self.repo(), int(self.params[name])
        if number not in repo.pulls and number not in repo.issues:
            raise ApiError(404, "Not Found")
        return number


@dataclass
class Reply:
    """A handler's answer; ``body`` None means no content."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[Call], Reply]
HANDLERS: dict[tuple[str, str], Handler] = {}
# Writes that need a named permission (the token's ``scopes``) rather than the repository's
# write: GitHub answers a token without it 403 "Resource not accessible by integration".
SCOPES: dict[tuple[str, str], str] = {}


def route(method: str, template: str, scope: str = "") -> Callable[[Handler], Handler]:
    """Register a handler for an operation listed in :data:`.spec.EMULATED`; a write with
    ``scope`` needs the token's ``scopes[scope] == "write"``."""
    assert (method, template) in EMULATED, (method, template)

    def register(handler: Handler) -> Handler:
        HANDLERS[(method, template)] = handler
        if scope:
            SCOPES[(method, template)] = scope
        return handler

    return register


def paginate(call: Call, items: list[Any]) -> Reply:
    """Answer one page of ``items`` with GitHub's ``Link`` header."""
    per_page = min(max(int(call.arg("per_page") or 30), 1), 100)
    page = max(int(call.arg("page") or 1), 1)
    last = max((len(items) + per_page - 1) // per_page, 1)
    args = {k: v for k, v in parse_qsl(call.query) if k not in ("page", "per_page")}

    def link(number: int, rel: str) -> str:
        query = urlencode({**args, "per_page": per_page, "page": number})
        return f'<{call.api}{call.path}?{query}>; rel="{rel}"'

    links = []
    if page > 1:
        links += [link(page - 1, "prev")]
    if page < last:
        links += [link(page + 1, "next"), link(last, "last")]
    if page > 1:
        links += [link(1, "first")]
    headers = {"Link": ", ".join(links)} if links else {}
    return Reply(200, items[(page - 1) * per_page : page * per_page], headers)


@route("GET", "/rate_limit")
def get_rate_limit(call: Call) -> Reply:
    """GET /rate_limit: the caller's own budget (this request does not count)."""
    limit, used, reset = call.state.rate_budget(call.token)
    return Reply(200, objects.rate_limit(limit, used, reset))


@route("GET", "/user")
def get_user(call: Call) -> Reply:
    """GET /user: a GitHub App installation token (a ``[bot]``) may not read it."""
    if call.token is None:
        raise ApiError(401, "Requires authentication")
    if call.token.login.endswith("[bot]"):
        raise ApiError(403, "Resource not accessible by integration")
    obj = objects.user(call.spec, call.api, call.token.login)
    return Reply(200, complete(call.spec, call.spec.schema("public-user"), obj, obj["url"]))


@route("GET", "/repos/{owner}/{repo}")
def get_repo(call: Call) -> Reply:
    """GET a repository."""
    return Reply(200, objects.repository(call.spec, call.api, call.repo()))


@route("GET", "/repos/{owner}/{repo}/tags")
def list_tags(call: Call) -> Reply:
    """GET the seeded tags, in seed order."""
    repo = call.repo()
    return paginate(call, [objects.tag(call.spec, call.api, repo, t) for t in repo.tags])


@route("GET", "/repos/{owner}/{repo}/commits/{ref}")
def get_commit(call: Call) -> Reply:
    """GET a seeded commit by its SHA."""
    repo = call.repo()
    record = repo.commits.get(call.params["ref"])
    if record is None:
        raise ApiError(422, f"No commit found for SHA: {call.params['ref']}")
    return Reply(200, objects.commit(call.spec, call.api, repo, record))


@route("GET", "/repos/{owner}/{repo}/releases")
def list_releases(call: Call) -> Reply:
    """GET the seeded releases, in seed order."""
    repo = call.repo()
    return paginate(call, [objects.release(call.spec, call.api, repo, r) for r in repo.releases])


@route("GET", "/repos/{owner}/{repo}/pulls/{pull_number}")
def get_pull(call: Call) -> Reply:
    """GET a seeded pull request."""
    repo, number = call.repo(), int(call.params["pull_number"])
    if number not in repo.pulls:
        raise ApiError(404, "Not Found")
    return Reply(200, threads.pull_request(call.spec, call.api, repo, repo.pulls[number]))


@route("GET", "/repos/{owner}/{repo}/issues/{issue_number}")
def get_issue(call: Call) -> Reply:
    """GET an issue (every pull request is one too)."""
    repo, number = call.repo(), call.issue_number()
    count = len(call.state.comments_on(repo.owner, repo.name, number))
    return Reply(200, threads.issue(call.spec, call.api, repo, number, count))


@route("GET", "/repos/{owner}/{repo}/issues/{issue_number}/comments")
def list_comments(call: Call) -> Reply:
    """GET an issue's comments, oldest first, optionally ``since`` a time."""
    repo, number = call.repo(), call.issue_number()
    since = call.arg("since") or ""
    found = [
        c for c in call.state.comments_on(repo.owner, repo.name, number) if c.updated_at >= since
    ]
    return paginate(call, [threads.comment(call.spec, call.api, repo, c) for c in found])


def _check_body(body: str) -> None:
    if len(body) > MAX_COMMENT_BODY:
        raise ApiError(
            422,
            "Validation Failed",
            errors=[
                {
                    "resource": "IssueComment",
                    "code": "unprocessable",
                    "field": "data",
                    "message": f"Body is too long (maximum is {MAX_COMMENT_BODY} characters)",
                }
            ],
        )


@route("POST", "/repos/{owner}/{repo}/issues/{issue_number}/comments")
def create_comment(call: Call) -> Reply:
    """POST a comment as the token's user."""
    repo, number = call.repo(), call.issue_number()
    _check_body(call.body["body"])
    assert call.token is not None
    record = call.state.create_comment(
        repo.owner, repo.name, number, call.body["body"], call.token.login
    )
    obj = threads.comment(call.spec, call.api, repo, record)
    return Reply(201, obj, {"Location": obj["url"]})


@route("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/comments")
def list_review_comments(call: Call) -> Reply:
    """GET a pull request's review comments, oldest first."""
    repo, number = call.repo(), int(call.params["pull_number"])
    if number not in repo.pulls:
        raise ApiError(404, "Not Found")
    found = [
        c
        for c in call.state.review_comments.values()
        if (c.owner, c.repo, c.pull_number) == (repo.owner, repo.name, number)
    ]
    return paginate(call, [threads.review_comment(call.spec, call.api, repo, c) for c in found])


@route("POST", "/repos/{owner}/{repo}/pulls/{pull_number}/comments")
def create_review_comment(call: Call) -> Reply:
    """POST a review comment on one line, as GitHub checks it: the pull request exists, the
    commit is its head, a line (not the deprecated position) on the RIGHT side of a path."""
    repo, number = call.repo(), int(call.params["pull_number"])
    if number not in repo.pulls:
        raise ApiError(404, "Not Found")
    body = call.body
    _check_body(body["body"])
    head = str(repo.pulls[number].get("head_sha", "1" * 40))
    problems = []
    if body.get("commit_id") != head:
        problems.append("commit_id is not the pull request's head")
    if "line" not in body or "position" in body:
        problems.append("line is required (position is not used)")
    if body.get("side", "RIGHT") != "RIGHT" or not str(body.get("path", "")).strip():
        problems.append("path and side RIGHT are required")
    if problems:
        raise ApiError(
            422,
            "Validation Failed",
            errors=[
                {"resource": "PullRequestReviewComment", "code": "invalid", "message": p}
                for p in problems
            ],
        )
    assert call.token is not None
    record = ReviewComment(
        call.state.next_id(),
        repo.owner,
        repo.name,
        number,
        body["body"],
        call.token.login,
        body["commit_id"],
        body["path"],
        int(body["line"]),
        "RIGHT",
        call.state.now(),
    )
    call.state.review_comments[record.id] = record
    obj = threads.review_comment(call.spec, call.api, repo, record)
    return Reply(201, obj, {"Location": obj["url"]})


def _comment(call: Call) -> tuple[Repo, Comment]:
    repo = call.repo()
    record = call.state.comments.get(int(call.params["comment_id"]))
    if record is None or (record.owner, record.repo) != (repo.owner, repo.name):
        raise ApiError(404, "Not Found")
    return repo, record


@route("GET", "/repos/{owner}/{repo}/issues/comments/{comment_id}")
def get_comment(call: Call) -> Reply:
    """GET one comment."""
    repo, record = _comment(call)
    return Reply(200, threads.comment(call.spec, call.api, repo, record))


@route("PATCH", "/repos/{owner}/{repo}/issues/comments/{comment_id}")
def update_comment(call: Call) -> Reply:
    """PATCH a comment's body."""
    repo, record = _comment(call)
    _check_body(call.body["body"])
    record.body, record.updated_at = call.body["body"], call.state.now()
    return Reply(200, threads.comment(call.spec, call.api, repo, record))


@route("DELETE", "/repos/{owner}/{repo}/issues/comments/{comment_id}")
def delete_comment(call: Call) -> Reply:
    """DELETE a comment."""
    _, record = _comment(call)
    del call.state.comments[record.id]
    return Reply(204)
