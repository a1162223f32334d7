"""The GitHub REST API through PyGithub, on ``GITHUB_API_URL`` (so GitHub Enterprise works).

Two reads, both optional for a run: the repository record (``GET /repos/{owner}/{repo}``)
that the OCI labels come from, and the repository's git tags (``GET
/repos/{owner}/{repo}/tags``) that ``flavor: latest=highest`` compares against. A
failure never stops the run: the caller gets None and the reason, and falls back to
the event payload. The token is only ever handed to PyGithub, never logged.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import requests
from github import Github, GithubException

from slipway.core.context import Context
from slipway.github.client import Retrier, make_client, reason
from slipway.meta.config import MetadataConfig
from slipway.meta.engine import uses_commit_date

MAX_TAGS = 1000  # ten pages of 100: plenty to find the highest release
ANONYMOUS = "no github-token, so the repository record comes from the event payload"
API_FAILED = "GitHub API {what} failed ({reason}); {fallback}"
REPO_FALLBACK = "the repository record comes from the event payload"
TAGS_FALLBACK = "'latest' is not moved (flavor latest=highest)"
NO_REPOSITORY = "GITHUB_REPOSITORY is not set"
DATE_FALLBACK = "{{commit_date}} uses the push payload's commit time, else the run time"


@dataclass(frozen=True)
class Lookup:
    """A value read from the API, or None and why not."""

    value: Any
    reason: str = ""


@dataclass(frozen=True)
class RepositoryFacts:
    """What the metadata engine takes from the API, and the warnings about it."""

    repo: Mapping[str, Any] | None = None
    released_tags: tuple[str, ...] | None = None
    warnings: tuple[str, ...] = field(default_factory=tuple)
    commit_date: datetime | None = None


def fetch_repository(api_url: str, repository: str, token: str, retrier: Retrier) -> Lookup:
    """The repository record as GitHub returns it (a dict), or None and the reason."""
    if not repository:
        return Lookup(None, NO_REPOSITORY)
    try:
        with make_client(api_url, token) as client:
            return Lookup(retrier.call(lambda: dict(client.get_repo(repository).raw_data)))
    except (GithubException, requests.RequestException) as error:
        return Lookup(None, reason(error))


def fetch_tag_names(
    api_url: str, repository: str, token: str, retrier: Retrier, limit: int = MAX_TAGS
) -> Lookup:
    """The names of the repository's git tags (newest pages first), or None and the reason."""
    if not repository:
        return Lookup(None, NO_REPOSITORY)

    def names(client: Github) -> tuple[str, ...]:
        tags = client.get_repo(repository).get_tags()
        return tuple(tag.name for _, tag in zip(range(limit), tags, strict=False))

    try:
        with make_client(api_url, token) as client:
            return Lookup(retrier.call(lambda: names(client)))
    except (GithubException, requests.RequestException) as error:
        return Lookup(None, reason(error))


def fetch_commit_date(
    api_url: str, repository: str, sha: str, token: str, retrier: Retrier
) -> Lookup:
    """The committer date of ``sha`` (``GET /repos/{o}/{r}/commits/{sha}``), or None and why."""
    if not repository or not sha:
        return Lookup(None, NO_REPOSITORY if not repository else "GITHUB_SHA is not set")
    try:
        with make_client(api_url, token) as client:
            commit = retrier.call(lambda: client.get_repo(repository, lazy=True).get_commit(sha))
            date = commit.commit.committer.date
            return Lookup(date if date.tzinfo else date.replace(tzinfo=UTC))
    except (GithubException, requests.RequestException) as error:
        return Lookup(None, reason(error))


def load_repository_facts(
    context: Context,
    token: str,
    *,
    want_tags: bool,
    want_commit_date: bool = False,
    retrier: Retrier | None = None,
) -> RepositoryFacts:
    """Read the repository record (the tag list when ``want_tags``, the commit's date
    when ``want_commit_date``) for the engine."""
    if not token:
        return RepositoryFacts(warnings=(ANONYMOUS,))
    retrier = retrier or Retrier()
    warnings: list[str] = []
    repo = fetch_repository(context.api_url, context.repository, token, retrier)
    if repo.value is None:
        warnings.append(
            API_FAILED.format(what="repository", reason=repo.reason, fallback=REPO_FALLBACK)
        )
    tags = Lookup(None)
    if want_tags:
        tags = fetch_tag_names(context.api_url, context.repository, token, retrier)
        if tags.value is None:
            warnings.append(
                API_FAILED.format(what="tag list", reason=tags.reason, fallback=TAGS_FALLBACK)
            )
    commit = Lookup(None)
    if want_commit_date:
        commit = fetch_commit_date(context.api_url, context.repository, context.sha, token, retrier)
        if commit.value is None:
            warnings.append(
                API_FAILED.format(what="commit", reason=commit.reason, fallback=DATE_FALLBACK)
            )
    return RepositoryFacts(repo.value, tags.value, tuple(warnings), commit.value)


def facts_for_metadata(
    context: Context, config: MetadataConfig, token: str, retrier: Retrier | None = None
) -> RepositoryFacts:
    """What the metadata engine needs from the API for ``config``: the repository record,
    the tag list under ``flavor: latest=highest``, the commit's date when a template uses it."""
    return load_repository_facts(
        context,
        token,
        want_tags=config.flavor.latest == "highest",
        want_commit_date=uses_commit_date(config),
        retrier=retrier,
    )
