"""Work that runs alongside a stage, on a thread, with its log held back until collected.

The pipeline is mostly waiting on other programs (buildx, Trivy, the registry), so work
that needs only the inputs, such as linting the Dockerfile, runs while the build does.
Its log lines are printed, in one piece, where the result is collected.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Generic, TypeVar

from slipway.tools.run import Runner

T = TypeVar("T")


class Alongside(Generic[T]):
    """``work(runner)`` started now on its own thread; `result` waits for it."""

    def __init__(self, runner: Runner, work: Callable[[Runner], T]) -> None:
        self._parent = runner.workflow
        self._log = runner.workflow.buffered()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="slipway")
        self._future = self._executor.submit(work, Runner(self._log, runner.env))

    def result(self) -> T:
        """The work's return value (or its exception), after its log is printed."""
        try:
            return self._future.result()
        finally:
            self._executor.shutdown(wait=True)
            self._parent.replay(self._log)

    def settle(self) -> None:
        """Wait for the work without reading its result (a run that stops early must not
        leave a thread streaming into folders its clean-up is removing)."""
        if self._future.cancel():
            return
        self._executor.shutdown(wait=True)
