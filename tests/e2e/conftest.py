"""End-to-end tests, in two groups.

- Runs of `python -m slipway` and of act, as on a laptop or a self-hosted runner, share the
  builders the earlier runs kept (with their BuildKit cache), as such a machine does.
- Modules marked ``new_machine`` start the action through the launcher as a hosted job, which
  starts where a new machine starts: no builder kept by an earlier run (a hosted launcher job
  refuses to run on one). Each such module removes the session's kept builders first, and the
  group runs last, so the first group is not made to start cold again after it.
"""

from __future__ import annotations

import pytest

from tests.conftest import remove_session_builders
from tests.support import session_builders


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The ``new_machine`` modules after the others (a stable sort: each group keeps its order)."""
    items.sort(key=lambda item: item.get_closest_marker("new_machine") is not None)


@pytest.fixture(scope="module", autouse=True)
def _a_new_machine_has_no_kept_builder(request: pytest.FixtureRequest) -> None:
    """Before a ``new_machine`` module, the builders this session's runs kept. Not when the
    sessions leave the kept builders to whoever took the snapshot (scripts/test, or
    pytest-xdist's controller): sessions then run beside each other, and what is new on an
    engine may be the builder of another session's job that is still running (launcher jobs
    on one engine take turns, tests.support.engines.EngineJobs; jobs on two engines do not)."""
    if request.node.get_closest_marker("new_machine") is None:
        return
    if session_builders.shared_snapshot() is None:
        remove_session_builders()
