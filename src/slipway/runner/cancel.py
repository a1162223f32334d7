"""A cancelled job: what SIGINT and SIGTERM do to a run.

GitHub's runner cancels a step by sending the ``docker run`` client SIGINT, then SIGTERM
7.5 s later, then SIGKILL 2.5 s after that (actions/runner ``ProcessInvoker.cs``); the
client forwards the first two to the container's PID 1, which is Slipway. The kernel gives
PID 1 no default action for SIGTERM, so without a handler a cancelled run went on building
until the SIGKILL.

On the first signal (`install`):

* the programs running now (a build, a scan) are stopped (`slipway.tools.run.stop_all`:
  buildx cancels its build when its client ends);
* `Cancelled` is raised in the main thread, so that every ``finally`` and ``with`` runs on
  the way out: temporary files go, the builder lock is given back; retry waits in other
  threads end at once (`sleep`);
* inside a `shielded` section (moving tags) nothing is raised by the signal: the section
  asks `check` between its writes, puts back what it wrote, then raises `Cancelled` itself,
  so tags are never left half-moved. What runs under `ignored` (putting tags back) is not
  cut short at all.

A second signal changes nothing: the clean-up goes on until the runner's SIGKILL. The exit
code is `slipway.errors.ExitCode.CANCELLED` (130, as a shell reports an interrupted program).
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from types import FrameType

from slipway.errors import Cancelled

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Cancellation:
    """One process's cancellation state: which signal came, and what may be cut short."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.signal_name = ""
        self._shielded = 0
        self._ignored = 0
        self._stop_programs: Callable[[], None] = lambda: None

    @property
    def requested(self) -> bool:
        """True once a cancelling signal came."""
        return self.event.is_set()

    def handle(self, signum: int, frame: FrameType | None) -> None:
        """The signal handler (main thread): record, stop the programs, raise once."""
        if self.requested:
            return  # a second signal: the clean-up of the first goes on
        self.signal_name = signal.Signals(signum).name
        self.event.set()
        if self._shielded or self._ignored:
            return  # the section checks between its writes (`check`)
        self._stop_programs()
        self._raise()

    def check(self) -> None:
        """Raise `Cancelled` when a signal came (a shielded section, between its writes)."""
        if self.requested and not self._ignored:
            self._raise()

    def sleep(self, seconds: float) -> None:
        """Wait ``seconds``, ending at once with `Cancelled` when a signal comes (a retry's
        wait, in any thread; under `ignored` the wait is whole)."""
        if self._ignored:
            time.sleep(seconds)
        elif self.event.wait(seconds):
            self._raise()

    @contextmanager
    def shielded(self) -> Iterator[None]:
        """A section the signal does not interrupt: it calls `check` where stopping is safe."""
        self._shielded += 1
        try:
            yield
        finally:
            self._shielded -= 1

    @contextmanager
    def ignored(self) -> Iterator[None]:
        """A section nothing cuts short (undoing what a shielded section did)."""
        self._ignored += 1
        try:
            yield
        finally:
            self._ignored -= 1

    def _raise(self) -> None:
        raise Cancelled(self.signal_name)


CANCELLATION = Cancellation()  # the process's: signals are the process's


def install(stop_programs: Callable[[], None]) -> None:
    """Handle SIGINT and SIGTERM (from the main thread only, as Python requires)."""
    CANCELLATION._stop_programs = stop_programs
    if threading.current_thread() is not threading.main_thread():
        return
    for signum in SIGNALS:
        signal.signal(signum, CANCELLATION.handle)


def sleep(seconds: float) -> None:
    """`Cancellation.sleep` of the process: the wait of every retry."""
    CANCELLATION.sleep(seconds)


def check() -> None:
    """`Cancellation.check` of the process."""
    CANCELLATION.check()


def shielded() -> AbstractContextManager[None]:
    """`Cancellation.shielded` of the process."""
    return CANCELLATION.shielded()


def ignored() -> AbstractContextManager[None]:
    """`Cancellation.ignored` of the process."""
    return CANCELLATION.ignored()
