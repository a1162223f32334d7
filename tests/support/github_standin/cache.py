"""Where the GitHub test fixtures live: ``${SLIPWAY_CACHE:-<repo>/.cache}/github/``.

``scripts/fetch-github-fixtures`` fills the directory from the npm registry; everything
here only reads it (plus the cut OpenAPI description that :mod:`.spec` caches next to it).
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[3]

MISSING_FIXTURES = (
    "GitHub test fixtures are missing: {path} does not exist. "
    "Run scripts/fetch-github-fixtures (needs npm and the npm registry) to fetch them."
)


class MissingFixturesError(RuntimeError):
    """The cache has not been filled by ``scripts/fetch-github-fixtures``."""


def github_cache_dir() -> Path:
    """Return the directory holding the fetched GitHub fixtures."""
    root = os.environ.get("SLIPWAY_CACHE") or str(REPO_ROOT / ".cache")
    return Path(root) / "github"


def _existing(name: str) -> Path:
    path = github_cache_dir() / name
    if not path.is_file():
        raise MissingFixturesError(MISSING_FIXTURES.format(path=path))
    return path


def openapi_source_path() -> Path:
    """Return GitHub's full OpenAPI description (``generated/api.github.com.json``)."""
    return _existing("api.github.com.json")


def webhook_examples_path() -> Path:
    """Return the webhook example payloads (``@octokit/webhooks-examples`` index.json)."""
    return _existing("webhooks-examples.json")
