"""End-to-end tests: each module starts where a new machine starts, with no builder kept by
an earlier test's run of Slipway (a hosted launcher job refuses to run on one)."""

from __future__ import annotations

import pytest

from tests.conftest import remove_session_builders


@pytest.fixture(scope="module", autouse=True)
def _a_new_machine_has_no_kept_builder() -> None:
    remove_session_builders()
