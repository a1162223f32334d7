"""How much the property tests try: a bounded profile for every test run (CI), a long one on
demand (``SLIPWAY_PROPERTIES=long .venv/bin/pytest tests/unit/properties -q``).

Either way each generated value must be read (or refused) within `PER_VALUE` (Hypothesis's
deadline, measured when the value is done), and a value that would never be done (an
expression backtracking exponentially) is stopped after `HANG` by `bounded`: either fails the
test, with the value that shows it.
"""

from __future__ import annotations

import functools
import os
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any, NoReturn, TypeVar

from hypothesis import HealthCheck, settings
from hypothesis.database import DirectoryBasedExampleDatabase

from tests.support.devenv import ROOT

PER_VALUE = timedelta(seconds=1)  # what any one value may take, all checks included
HANG = 10.0  # seconds after which a value is taken for one that never finishes
F = TypeVar("F", bound=Callable[..., Any])
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


class Hung(AssertionError):
    """A value the code under test did not finish with in `HANG` seconds."""


def _stop(signum: int, frame: object) -> NoReturn:
    raise Hung(f"still running after {HANG:g} s: a hang (exponential backtracking? a loop?)")


@contextmanager
def hang_guard() -> Iterator[None]:
    """Raise `Hung` in the code running when `HANG` seconds have passed (CPython's regular
    expression engine looks at signals as it goes, so a backtracking match is stopped too)."""
    previous = signal.signal(signal.SIGALRM, _stop)
    signal.setitimer(signal.ITIMER_REAL, HANG)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def bounded(test: F) -> F:
    """``test`` (one generated example) under `hang_guard`."""

    @functools.wraps(test)
    def run(*args: Any, **kwargs: Any) -> Any:
        with hang_guard():
            return test(*args, **kwargs)

    return run  # type: ignore[return-value]
