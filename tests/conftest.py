"""Shared test configuration: the GitHub API stand-in fixtures, and the builders Slipway keeps
(named after their configuration) removed when they would outlive what they stand for."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import session_builders
from tests.support.builders import remove_kept_builders
from tests.support.devenv import ROOT, DevEnv, load_devenv

pytest_plugins = ["tests.support.pytest_github"]

TIERS = ("integration", "e2e")  # tests/<tier>/: marked as such, whatever the module says


_SNAPSHOT = pytest.StashKey[Path]()


def pytest_configure(config: pytest.Config) -> None:
    """Sessions on pytest-xdist's workers (``-n``), as scripts/test runs the engine tiers:

    * each worker's runs of Slipway get a state folder of their own (``XDG_CACHE_HOME``), as
      on a machine of their own: one folder serves one run at a time
      (slipway.runner.paths.held), so workers sharing one would wait for each other;
    * the workers leave the kept builders to the controller, which removes what they kept once
      all ended (the snapshot of tests.support.session_builders), unless scripts/test took
      one already for sessions beside this one.
    """
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker:
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        os.environ["XDG_CACHE_HOME"] = str(Path(base) / "slipway-test-workers" / worker)
        return
    if not getattr(config.option, "numprocesses", None) or shutil.which("docker") is None:
        return
    if session_builders.SHARED in os.environ:
        return
    handle, name = tempfile.mkstemp(prefix="slipway-builders-", suffix=".json")
    os.close(handle)
    path = Path(name)
    session_builders.main(["snapshot", str(path)])
    os.environ[session_builders.SHARED] = str(path)
    config.stash[_SNAPSHOT] = path


def pytest_unconfigure(config: pytest.Config) -> None:
    path = config.stash.get(_SNAPSHOT, None)
    if path is None:
        return
    del os.environ[session_builders.SHARED]
    session_builders.main(["remove-new", str(path)])
    path.unlink(missing_ok=True)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test under tests/integration and tests/e2e carries its tier's marker, so
    ``-m integration`` / ``-m e2e`` select whole tiers (scripts/test runs them in order)."""
    for item in items:
        parts = item.path.relative_to(ROOT / "tests").parts
        if parts and parts[0] in TIERS:
            item.add_marker(getattr(pytest.mark, parts[0]))


@pytest.fixture(scope="session")
def devenv() -> DevEnv:
    """What scripts/dev-env set up; a missing dev env fails the test (never a skip)."""
    return load_devenv()


# Engine socket -> the kept builders that were there before this session (not its own).
_BEFORE: dict[str, set[str]] = {}


def remove_session_builders() -> None:
    """Remove the builders this session's runs of Slipway kept (a laptop's behaviour)."""
    for host, before in _BEFORE.items():
        remove_kept_builders(host, before)


@pytest.fixture(scope="session", autouse=True)
def _no_kept_builders_left(request: pytest.FixtureRequest) -> Iterator[None]:
    """Runs of Slipway outside the launcher keep their builders, as on a laptop: the session
    removes those it made, on both engines, so nothing is left (tests.support.leftovers).
    A session of unit tests alone makes none and leaves the engines alone, and so does one of
    `no_engine` tests (scripts/test runs those beside a session that uses the engines)."""
    engines = any(
        (item.get_closest_marker("integration") or item.get_closest_marker("e2e"))
        and not item.get_closest_marker("no_engine")
        for item in request.session.items
    )
    if not engines or shutil.which("docker") is None:
        yield
        return
    shared = session_builders.shared_snapshot()
    _BEFORE.update(shared if shared is not None else session_builders.snapshot())
    yield
    if shared is None:  # else scripts/test removes them once the sessions beside this one end
        remove_session_builders()
