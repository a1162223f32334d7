"""Pytest plugin: the ``github`` fixture, a fresh GitHub stand-in per test.

Enable with ``pytest_plugins = ["tests.support.pytest_github"]`` (or ``-p``). The
OpenAPI validator is built once per session (``github_spec``); each test gets its own
server and state. A test fails at teardown if the stand-in recorded any violation of
GitHub's OpenAPI description or a request to a route it does not emulate; tests that
provoke violations on purpose collect them with ``github.take_violations()``.

Example::

    def test_comment(github):
        github.seed_repo("octo-org", "hello", pulls=[{"number": 7}])
        github.add_token("ghs_x", "write")
        run_slipway(env={"GITHUB_API_URL": github.url, "GITHUB_TOKEN": "ghs_x", ...})
        assert "Scan results" in github.comments("octo-org", "hello", 7)[-1].body
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from github import Auth, Github

from tests.support.github_standin import (
    Attestation,
    CheckRun,
    Comment,
    Fault,
    MissingFixturesError,
    RequestRecord,
    SarifUpload,
    Spec,
    StandIn,
    Tamper,
    Violation,
    load_spec,
)
from tests.support.github_standin.state import DEFAULT_LOGIN, Repo, ReviewComment

VIOLATIONS_FAILED = (
    "The GitHub stand-in recorded {count} violation(s) of GitHub's OpenAPI description "
    "or request(s) to routes it does not emulate:\n{lines}\n"
    "Fix the client (or emulate the route in tests/support/github_standin); a test that "
    "expects violations must collect them with github.take_violations()."
)


class GitHubStandIn:
    """Test-facing handle on a running :class:`StandIn` (what the ``github`` fixture is)."""

    def __init__(self, server: StandIn) -> None:
        self.server = server

    @property
    def url(self) -> str:
        """Base URL of the API, for GITHUB_API_URL (e.g. ``http://127.0.0.1:41234``)."""
        return self.server.url

    def client(self, token: str, **options: Any) -> Github:
        """Return a PyGithub client on the stand-in (without PyGithub's throttling)."""
        options = {"seconds_between_requests": 0, "seconds_between_writes": 0, **options}
        return Github(base_url=self.url, auth=Auth.Token(token), **options)

    def seed_repo(self, owner: str, name: str, **fields: Any) -> Repo:
        """Create a repository; see the seed format in :mod:`tests.support.github_standin`."""
        with self.server.lock:
            return self.server.state.seed_repo(owner, name, **fields)

    def add_token(
        self,
        token: str,
        permission: str = "write",
        login: str = DEFAULT_LOGIN,
        scopes: dict[str, str] | None = None,
    ) -> None:
        """Accept ``token``: "write", or "read" (a fork PR's GITHUB_TOKEN), with the named
        permissions of ``scopes`` (``{"attestations": "write"}``)."""
        with self.server.lock:
            self.server.state.add_token(token, permission, login, scopes)

    def add_comments(
        self, owner: str, repo: str, issue_number: int, bodies: list[str], user: str = "octocat"
    ) -> list[Comment]:
        """Add existing comments to an issue or pull request."""
        with self.server.lock:
            return self.server.state.add_comments(owner, repo, issue_number, bodies, user)

    def inject(
        self,
        method: str,
        path_regex: str,
        status: int,
        headers: dict[str, str] | None = None,
        body: Any = None,
        times: int = 1,
    ) -> None:
        """Answer the next ``times`` requests matching ``method`` ("*": any) and
        ``path_regex`` (searched in the path) with ``status``, ``headers`` and ``body``
        (None: GitHub's message, the secondary-rate-limit one for 403 and 429)."""
        self.server.inject(Fault(method, path_regex, status, headers or {}, body, times))

    def tamper(
        self, method: str, path_regex: str, rewrite: Callable[[Any], Any], times: int = 1
    ) -> None:
        """Test-only: pass matching response bodies through ``rewrite`` before validation."""
        self.server.tamper(Tamper(method, path_regex, rewrite, times))

    def comments(self, owner: str, repo: str, issue_number: int) -> list[Comment]:
        """Return the comments now on an issue or pull request, oldest first."""
        with self.server.lock:
            return self.server.state.comments_on(owner, repo, issue_number)

    @property
    def check_runs(self) -> list[CheckRun]:
        """Check runs created, with their accumulated annotations."""
        with self.server.lock:
            return list(self.server.state.check_runs.values())

    @property
    def review_comments(self) -> list[ReviewComment]:
        """Pull-request review comments created, oldest first."""
        with self.server.lock:
            return list(self.server.state.review_comments.values())

    @property
    def sarifs(self) -> list[SarifUpload]:
        """SARIF uploads, decoded."""
        with self.server.lock:
            return list(self.server.state.sarifs.values())

    @property
    def attestations(self) -> list[Attestation]:
        """Bundles stored with the attestations API, oldest first."""
        with self.server.lock:
            return list(self.server.state.attestations.values())

    @property
    def violations(self) -> list[Violation]:
        """Violations recorded so far (a copy)."""
        with self.server.lock:
            return list(self.server.state.violations)

    @property
    def requests(self) -> list[RequestRecord]:
        """Every request received so far, in order."""
        with self.server.lock:
            return list(self.server.state.requests)

    def take_violations(self) -> list[Violation]:
        """Return the violations recorded so far and forget them."""
        with self.server.lock:
            taken = list(self.server.state.violations)
            self.server.state.violations.clear()
            return taken


def assert_no_violations(github: GitHubStandIn) -> None:
    """Fail the current test if ``github`` recorded violations."""
    found = github.violations
    if found:
        lines = "\n".join(f"  {violation}" for violation in found)
        pytest.fail(VIOLATIONS_FAILED.format(count=len(found), lines=lines), pytrace=False)


@pytest.fixture(scope="session")
def github_spec() -> Spec:
    """GitHub's OpenAPI description (cut) and its validator, built once per session."""
    try:
        return load_spec()
    except MissingFixturesError as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture
def github(github_spec: Spec) -> Iterator[GitHubStandIn]:
    """A fresh GitHub stand-in; the test fails at teardown if it saw violations."""
    server = StandIn(spec=github_spec).start()
    handle = GitHubStandIn(server)
    try:
        yield handle
    finally:
        server.stop()
    assert_no_violations(handle)
