"""Shared test configuration: the GitHub API stand-in fixtures, and the builders Slipway
keeps (named after their configuration) removed when the session ends."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from tests.support.builders import kept_builders, remove_kept_builders
from tests.support.devenv import load_devenv

pytest_plugins = ["tests.support.pytest_github"]


@pytest.fixture(scope="session", autouse=True)
def _no_kept_builders_left(request: pytest.FixtureRequest) -> Iterator[None]:
    """Runs of Slipway on this machine keep their builders (a laptop's behaviour): the
    session removes those it made, on both engines, so nothing is left (tests.support.leftovers).
    A session of unit tests alone runs nothing that makes one, and leaves the engines alone."""
    engines = any(
        item.get_closest_marker("integration") or item.get_closest_marker("e2e")
        for item in request.session.items
    )
    if not engines or shutil.which("docker") is None:
        yield
        return
    devenv = load_devenv()
    hosts = [
        "unix:///var/run/docker.sock",
        *([devenv.cs_docker_host] if devenv.cs_docker_host else []),
    ]
    before = {host: kept_builders(host) for host in hosts}
    yield
    for host in hosts:
        remove_kept_builders(host, before[host])
