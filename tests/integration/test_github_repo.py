"""slipway.github.facts against the GitHub API stand-in (validated against GitHub's OpenAPI)."""

from __future__ import annotations

from slipway.core.context import read_context
from slipway.github.client import Retrier, RetryPolicy
from slipway.github.facts import (
    ANONYMOUS,
    fetch_repository,
    fetch_tag_names,
    load_repository_facts,
)
from tests.support.pytest_github import GitHubStandIn

TOKEN = "ghs_metadata_token_1234"
SHA = "a" * 40


def fast(budget: float = 90.0) -> Retrier:
    """The run's retrier, with its waits recorded instead of slept."""
    waits: list[float] = []
    return Retrier(RetryPolicy(budget=budget), sleep=waits.append)


def _seed(github: GitHubStandIn, **fields: object) -> None:
    github.add_token(TOKEN, "read")
    github.seed_repo(
        "octo-org",
        "hello",
        description="Hello app",
        license="Apache-2.0",
        default_branch="main",
        **fields,
    )


def test_repository_record_comes_from_the_api(github: GitHubStandIn) -> None:
    _seed(github)
    found = fetch_repository(github.url, "octo-org/hello", TOKEN, fast())
    assert found.reason == ""
    assert found.value["name"] == "hello"
    assert found.value["description"] == "Hello app"
    assert found.value["license"]["spdx_id"] == "Apache-2.0"
    assert found.value["default_branch"] == "main"
    assert found.value["html_url"].endswith("/octo-org/hello")


def test_server_errors_are_retried(github: GitHubStandIn) -> None:
    _seed(github)
    github.inject("GET", r"^/repos/octo-org/hello$", 502, times=2)
    assert fetch_repository(github.url, "octo-org/hello", TOKEN, fast()).value is not None


def test_one_retry_budget_for_every_call_of_the_run(github: GitHubStandIn) -> None:
    _seed(github, tags=[{"name": "v1.0.0", "sha": SHA}])
    retrier = fast(budget=3.0)
    github.inject("GET", r"^/repos/octo-org/hello$", 502, times=2)
    assert fetch_repository(github.url, "octo-org/hello", TOKEN, retrier).value is not None
    assert retrier.waits == [1.0, 2.0]  # the whole budget
    github.inject("GET", r"^/repos/octo-org/hello/tags", 502, times=1)
    found = fetch_tag_names(github.url, "octo-org/hello", TOKEN, retrier)
    assert found.value is None  # the same budget: nothing left to wait for the second call
    assert "502" in found.reason
    assert retrier.waits == [1.0, 2.0]


def test_missing_repository_gives_the_reason_without_the_token(github: GitHubStandIn) -> None:
    github.add_token(TOKEN, "read")
    found = fetch_repository(github.url, "octo-org/absent", TOKEN, fast())
    assert found.value is None
    assert "404" in found.reason
    assert TOKEN not in found.reason


def test_unreachable_api_is_a_reason_not_a_crash() -> None:
    found = fetch_repository("http://127.0.0.1:9", "octo-org/hello", TOKEN, fast())
    assert found.value is None
    assert found.reason


def test_tag_names_are_read_across_pages(github: GitHubStandIn) -> None:
    _seed(github, tags=[{"name": f"v1.{n}.0", "sha": SHA} for n in range(150)])
    found = fetch_tag_names(github.url, "octo-org/hello", TOKEN, fast())
    assert found.value is not None
    assert len(found.value) == 150
    assert found.value[:2] == ("v1.0.0", "v1.1.0")
    assert fetch_tag_names(github.url, "octo-org/hello", TOKEN, fast(), limit=5).value == tuple(
        f"v1.{n}.0" for n in range(5)
    )


def test_facts_without_a_token_make_no_request(github: GitHubStandIn) -> None:
    _seed(github)
    context = read_context(
        {"GITHUB_API_URL": github.url, "GITHUB_REPOSITORY": "octo-org/hello"}, {}
    )
    facts = load_repository_facts(context, "", want_tags=True)
    assert facts.repo is None
    assert facts.released_tags is None
    assert facts.warnings == (ANONYMOUS,)
    assert github.requests == []


def test_facts_with_a_failing_tag_list(github: GitHubStandIn) -> None:
    _seed(github)
    # A 403 that is no rate limit: retrying cannot help (a secondary rate limit is waited out).
    refused = {"message": "Resource not accessible by integration", "status": "403"}
    github.inject("GET", r"/tags$", 403, body=refused, times=1)
    context = read_context(
        {"GITHUB_API_URL": github.url, "GITHUB_REPOSITORY": "octo-org/hello"}, {}
    )
    facts = load_repository_facts(context, TOKEN, want_tags=True, retrier=fast())
    assert facts.repo is not None
    assert facts.released_tags is None
    assert len(facts.warnings) == 1
    assert "tag list failed (HTTP 403" in facts.warnings[0]
