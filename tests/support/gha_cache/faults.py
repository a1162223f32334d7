"""Failures a test can inject into the cache service stand-in and its blob front.

A fault names its target (a Twirp method such as ``CreateCacheEntry``, a blob operation such
as ``get-blob``, or ``*``) and what happens instead of the normal answer: an HTTP status
(with ``Retry-After`` if given), a dropped connection (no answer at all), silence for
``stall`` seconds before the answer (Twirp) or in the middle of it (blobs), or, for blob
downloads, a body cut short after ``truncate`` bytes or with one byte flipped (``corrupt``).
``times`` says how many matching requests it hits (None: every one, until cleared). Faults
are the service misbehaving, not the client: they are recorded as requests, never as
violations.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Fault:
    """One injected failure (see the module docstring)."""

    target: str
    status: int = 503
    retry_after: str | None = None
    drop: bool = False
    truncate: int | None = None
    corrupt: bool = False
    body: bytes | None = None
    times: int | None = 1
    stall: float = 0.0

    @property
    def alters_answer(self) -> bool:
        """True when the real answer is fetched and then damaged (truncate, corrupt)."""
        return self.truncate is not None or self.corrupt or self.stall > 0


class Faults:
    """A thread-safe list of pending faults, consumed in the order they were added."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: list[Fault] = []

    def add(self, fault: Fault) -> None:
        """Queue ``fault``."""
        if fault.times is not None and fault.times < 1:
            raise ValueError("a fault must hit at least one request (times >= 1, or None)")
        with self._lock:
            self._pending.append(fault)

    def take(self, target: str) -> Fault | None:
        """The first pending fault for ``target`` (or ``*``), counted down; None if none."""
        with self._lock:
            for index, fault in enumerate(self._pending):
                if fault.target not in (target, "*"):
                    continue
                if fault.times is None:
                    return fault
                if fault.times == 1:
                    del self._pending[index]
                else:
                    self._pending[index] = replace(fault, times=fault.times - 1)
                return fault
            return None

    def clear(self) -> None:
        """Forget every pending fault."""
        with self._lock:
            self._pending.clear()

    @property
    def pending(self) -> list[Fault]:
        """The faults not yet used up."""
        with self._lock:
            return list(self._pending)
