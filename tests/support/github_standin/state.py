"""What the GitHub stand-in remembers: seeded repositories, tokens, and what clients wrote.

Records hold only what a client or a seed supplied; :mod:`.objects` renders them into
full GitHub JSON objects on the way out. ``State.seed`` reads the seed JSON format
(documented in the docstring of :mod:`tests.support.github_standin`), and
``State.snapshot`` produces the state file written in standalone mode.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from .validation import Violation

Clock = Callable[[], datetime]
PERMISSIONS = ("read", "write")
RATE_LIMITS = {"token": 5000, "anonymous": 60}  # requests per hour, as on GitHub
DEFAULT_LOGIN = "github-actions[bot]"


def utc_now() -> datetime:
    """The real clock (UTC); tests may pass another to :class:`State`."""
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """Format like GitHub: ``2024-05-01T12:00:00Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Token:
    """An access token and what it may do; ``read`` is a fork PR's GITHUB_TOKEN.

    ``scopes`` are the permissions a workflow's ``permissions:`` must grant by name, beyond
    the repository's read or write (``{"attestations": "write"}``): a route that needs one
    (:data:`.routes.SCOPES`) looks at it alone."""

    token: str
    permission: str = "write"
    login: str = DEFAULT_LOGIN
    scopes: dict[str, str] = field(default_factory=dict)


@dataclass
class Repo:
    """A seeded repository; ``fields`` overlay the rendered full-repository object."""

    owner: str
    name: str
    id: int
    fields: dict[str, Any] = field(default_factory=dict)
    tags: list[dict[str, Any]] = field(default_factory=list)
    releases: list[dict[str, Any]] = field(default_factory=list)
    pulls: dict[int, dict[str, Any]] = field(default_factory=dict)
    issues: dict[int, dict[str, Any]] = field(default_factory=dict)
    commits: dict[str, dict[str, Any]] = field(default_factory=dict)  # sha -> {"date", "message"}


@dataclass
class Comment:
    """An issue or pull-request comment."""

    id: int
    owner: str
    repo: str
    issue_number: int
    body: str
    user: str
    created_at: str
    updated_at: str


@dataclass
class ReviewComment:
    """A pull-request review comment on one line of a file at one commit."""

    id: int
    owner: str
    repo: str
    pull_number: int
    body: str
    user: str
    commit_id: str
    path: str
    line: int
    side: str
    created_at: str


@dataclass
class CheckRun:
    """A check run: the latest value of each field sent, annotations appended."""

    id: int
    owner: str
    repo: str
    fields: dict[str, Any]
    annotations: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class SarifUpload:
    """A code-scanning upload, with the SARIF document decoded from gzip+base64."""

    id: str
    owner: str
    repo: str
    commit_sha: str
    ref: str
    sarif: Any
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass
class Attestation:
    """A Sigstore bundle stored with the attestations API, with what its DSSE statement
    says: the subjects' digests (``sha256:<hex>``) and the predicate type."""

    id: int
    owner: str
    repo: str
    bundle: dict[str, Any]
    subjects: list[str]
    predicate_type: str
    created_at: str


@dataclass
class Fault:
    """A programmed answer for the next ``times`` requests matching method and path."""

    method: str  # "*" matches any method
    path_regex: str  # re.search()ed against the path (without query)
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None  # None: GitHub's error JSON for the status
    times: int = 1

    def matches(self, method: str, path: str) -> bool:
        """Return whether this fault answers ``method path``."""
        return self.method in ("*", method) and re.search(self.path_regex, path) is not None


@dataclass
class RequestRecord:
    """One request the stand-in received and the status it answered."""

    method: str
    path: str
    query: str
    status: int
    token: str | None
    headers: dict[str, str]
    body: Any


class State:
    """Everything one stand-in instance knows; not thread-safe (the server locks)."""

    def __init__(self, clock: Clock = utc_now) -> None:
        self.clock = clock
        self.tokens: dict[str, Token] = {}
        self.repos: dict[tuple[str, str], Repo] = {}
        self.comments: dict[int, Comment] = {}
        self.review_comments: dict[int, ReviewComment] = {}
        self.check_runs: dict[int, CheckRun] = {}
        self.sarifs: dict[str, SarifUpload] = {}
        self.attestations: dict[int, Attestation] = {}
        self.faults: list[Fault] = []
        self.violations: list[Violation] = []
        self.requests: list[RequestRecord] = []
        self.rate_used: dict[str, int] = {}
        self.rate_reset = int(clock().timestamp()) + 3600
        self._ids: Iterator[int] = itertools.count(1_000_001)

    def next_id(self) -> int:
        """Return a fresh numeric id (shared by all object kinds, like GitHub's)."""
        return next(self._ids)

    def now(self) -> str:
        """Return the clock's time in GitHub's format."""
        return iso(self.clock())

    def rate_budget(self, token: Token | None) -> tuple[int, int, int]:
        """Return (limit, used, reset epoch) of the core budget of ``token``'s client."""
        key = token.token if token else "anonymous"
        limit = RATE_LIMITS["token" if token else "anonymous"]
        return limit, self.rate_used.get(key, 0), self.rate_reset

    def spend_rate(self, token: Token | None) -> None:
        """Count one request against ``token``'s client budget."""
        key = token.token if token else "anonymous"
        self.rate_used[key] = self.rate_used.get(key, 0) + 1

    def add_token(
        self,
        token: str,
        permission: str = "write",
        login: str = DEFAULT_LOGIN,
        scopes: dict[str, str] | None = None,
    ) -> None:
        """Accept ``token`` with ``permission`` ("read" or "write") and named ``scopes``
        (``{"attestations": "write"}``)."""
        for level in (permission, *(scopes or {}).values()):
            if level not in PERMISSIONS:
                raise ValueError(f"permission must be one of {PERMISSIONS}, not {level!r}")
        self.tokens[token] = Token(token, permission, login, dict(scopes or {}))

    def seed_repo(self, owner: str, name: str, **fields: Any) -> Repo:
        """Create (or extend) a repository; ``tags``, ``releases``, ``pulls``, ``issues``,
        ``commits`` and ``comments`` are lists of records, everything else overlays the repo JSON."""
        repo = self.repos.get((owner, name)) or Repo(owner, name, self.next_id())
        self.repos[(owner, name)] = repo
        repo.tags.extend(fields.pop("tags", []))
        for commit in fields.pop("commits", []):
            repo.commits[str(commit["sha"])] = dict(commit)
        repo.releases.extend(
            {"id": self.next_id(), **release} for release in fields.pop("releases", [])
        )
        for pull in fields.pop("pulls", []):
            repo.pulls[int(pull["number"])] = {"id": self.next_id(), **pull}
        for issue in fields.pop("issues", []):
            repo.issues[int(issue["number"])] = {"id": self.next_id(), **issue}
        for comment in fields.pop("comments", []):
            self.add_comments(
                owner,
                name,
                int(comment["issue_number"]),
                [comment["body"]],
                user=comment.get("user", DEFAULT_LOGIN),
            )
        repo.fields.update(fields)
        return repo

    def add_comments(
        self, owner: str, repo: str, issue_number: int, bodies: list[str], user: str = "octocat"
    ) -> list[Comment]:
        """Add existing comments (the issue springs into being if it was not seeded)."""
        seeded = self.repos.get((owner, repo)) or self.seed_repo(owner, repo)
        if issue_number not in seeded.pulls:
            seeded.issues.setdefault(issue_number, {"id": self.next_id(), "number": issue_number})
        return [self.create_comment(owner, repo, issue_number, body, user) for body in bodies]

    def create_comment(
        self, owner: str, repo: str, issue_number: int, body: str, user: str
    ) -> Comment:
        """Store a new comment and return it."""
        now = self.now()
        comment = Comment(self.next_id(), owner, repo, issue_number, body, user, now, now)
        self.comments[comment.id] = comment
        return comment

    def comments_on(self, owner: str, repo: str, issue_number: int) -> list[Comment]:
        """Return the comments of one issue, oldest first."""
        return [
            c
            for c in self.comments.values()
            if (c.owner, c.repo, c.issue_number) == (owner, repo, issue_number)
        ]

    def seed(self, data: dict[str, Any]) -> None:
        """Load the seed JSON format: ``{"tokens": ..., "repos": [...], "faults": [...]}``."""
        tokens = data.get("tokens", {})
        if isinstance(tokens, dict):
            tokens = [{"token": t, "permission": p} for t, p in tokens.items()]
        for token in tokens:
            self.add_token(**token)
        for repo in data.get("repos", []):
            self.seed_repo(**repo)
        self.faults.extend(Fault(**fault) for fault in data.get("faults", []))

    def snapshot(self) -> dict[str, Any]:
        """Return everything clients did, as JSON-ready data."""
        return {
            "comments": [asdict(c) for c in self.comments.values()],
            "review_comments": [asdict(c) for c in self.review_comments.values()],
            "check_runs": [asdict(r) for r in self.check_runs.values()],
            "sarifs": [asdict(s) for s in self.sarifs.values()],
            "attestations": [asdict(a) for a in self.attestations.values()],
            "violations": [asdict(v) for v in self.violations],
            "requests": [asdict(r) for r in self.requests],
        }
