"""Counters kept by regfront: requests seen, forwarded, refused and faulted."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Stats:
    """A snapshot of a front's counters (control requests are not counted).

    ``requests``: proxied requests seen; ``forwarded``: sent on to the backend;
    ``manifests``: of those, manifest requests passed through the manifest lock;
    ``faults``: injected faults per kind (``"503"``, ``"drop"``...); ``refused_down``:
    requests refused by the down switch; ``backend_errors``: requests answered 502 or cut
    because the backend failed; ``client_errors``: connections the client broke mid-request;
    ``bytes_up`` / ``bytes_down``: body bytes relayed to / from the backend.
    """

    requests: int = 0
    forwarded: int = 0
    manifests: int = 0
    faults: dict[str, int] = field(default_factory=dict)
    refused_down: int = 0
    backend_errors: int = 0
    client_errors: int = 0
    bytes_up: int = 0
    bytes_down: int = 0
    blob_reads: tuple[str, ...] = ()  # the digest of every blob GET, in order

    @property
    def faults_total(self) -> int:
        """All injected faults, every kind."""
        return sum(self.faults.values())

    def to_json(self) -> dict[str, Any]:
        """The snapshot as a JSON-ready dict."""
        return {
            "requests": self.requests,
            "forwarded": self.forwarded,
            "manifests": self.manifests,
            "faults": dict(self.faults),
            "faults_total": self.faults_total,
            "refused_down": self.refused_down,
            "backend_errors": self.backend_errors,
            "client_errors": self.client_errors,
            "bytes_up": self.bytes_up,
            "bytes_down": self.bytes_down,
            "blob_reads": list(self.blob_reads),
        }


class StatsCounter:
    """Thread-safe counters behind :class:`Stats`."""

    _FIELDS = (
        "requests",
        "forwarded",
        "manifests",
        "refused_down",
        "backend_errors",
        "client_errors",
        "bytes_up",
        "bytes_down",
    )

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()
        self._faults: Counter[str] = Counter()
        self._blob_reads: list[str] = []

    def read_blob(self, digest: str) -> None:
        """Record a blob GET (which layers a client fetched)."""
        with self._lock:
            self._blob_reads.append(digest)

    def add(self, name: str, amount: int = 1) -> None:
        """Add to one of the plain counters (a :class:`Stats` field name)."""
        if name not in self._FIELDS:
            raise KeyError(name)
        with self._lock:
            self._counts[name] += amount

    def add_fault(self, kind: str) -> None:
        """Count one injected fault of this kind."""
        with self._lock:
            self._faults[kind] += 1

    def reset(self) -> None:
        """Zero every counter."""
        with self._lock:
            self._counts.clear()
            self._faults.clear()
            self._blob_reads.clear()

    def snapshot(self) -> Stats:
        """The counters now."""
        with self._lock:
            counts = {name: self._counts[name] for name in self._FIELDS}
            return Stats(faults=dict(self._faults), blob_reads=tuple(self._blob_reads), **counts)
