"""How much the property tests try: a bounded profile for every test run (CI), a long one on
demand (``SLIPWAY_PROPERTIES=long .venv/bin/pytest tests/unit/properties -q``).

Either way each generated value must be read (or refused) within `PER_VALUE`: a parser that
backtracks or loops on some input fails the test, with the value that shows it.
"""

from __future__ import annotations

import os
from datetime import timedelta

from hypothesis import HealthCheck, settings
from hypothesis.database import DirectoryBasedExampleDatabase

from tests.support.devenv import ROOT

PER_VALUE = timedelta(seconds=1)  # what any one value may take, all checks included
_COMMON = settings(
    deadline=PER_VALUE,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)
CI = settings(_COMMON, max_examples=30, database=None)
LONG = settings(
    _COMMON,
    max_examples=2_000,
    database=DirectoryBasedExampleDatabase(str(ROOT / ".cache" / "hypothesis")),
)
PROFILE = LONG if os.environ.get("SLIPWAY_PROPERTIES") == "long" else CI


def scaled(factor: int) -> settings:
    """`PROFILE` with ``factor`` times its examples (for a test of one cheap parser)."""
    return settings(PROFILE, max_examples=PROFILE.max_examples * factor)
