"""Shared test configuration: the GitHub API stand-in fixtures."""

from __future__ import annotations

pytest_plugins = ["tests.support.pytest_github"]
