"""In-memory state of the cache service stand-in: entries, violations, the request log.

Lookup follows GitHub's documented cache matching ("Dependency caching reference", Cache key
matching): per readable scope of the token, in the token's order, first an entry whose key
equals ``key``, else the newest entry whose key starts with ``key``, else for each restore key
in order the newest entry whose key starts with it; only finalized entries of the same
``version`` count.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from .tokens import Scope


@dataclass
class Entry:
    """One cache entry, as CreateCacheEntry made it and FinalizeCacheEntryUpload completed it."""

    id: int
    scope: str
    key: str
    version: str
    blob_name: str
    metadata: dict[str, Any] | None = None
    finalized: bool = False
    size_bytes: int | None = None


@dataclass(frozen=True)
class Violation:
    """A request the real service (or its client contract) would not accept."""

    method: str
    code: str
    message: str


@dataclass(frozen=True)
class RequestRecord:
    """One request to the stand-in and what it answered."""

    http_method: str
    path: str
    body: Any
    status: int
    response: Any


@dataclass
class Store:
    """All state, guarded by ``lock`` (handlers run on several threads)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    entries: list[Entry] = field(default_factory=list)
    violations: list[Violation] = field(default_factory=list)
    requests: list[RequestRecord] = field(default_factory=list)

    def find(self, scope: str, key: str, version: str) -> Entry | None:
        """The entry with exactly this scope, key and version, finalized or not."""
        for entry in self.entries:
            if (entry.scope, entry.key, entry.version) == (scope, key, version):
                return entry
        return None

    def create(self, scope: str, key: str, version: str, metadata: dict[str, Any] | None) -> Entry:
        """Add a new, unfinalized entry and return it."""
        entry_id = len(self.entries) + 1
        blob_name = f"cache-entry-{entry_id:06d}"
        entry = Entry(entry_id, scope, key, version, blob_name, metadata)
        self.entries.append(entry)
        return entry

    def lookup(
        self, scopes: tuple[Scope, ...], key: str, restore_keys: list[str], version: str
    ) -> Entry | None:
        """Return the entry a GetCacheEntryDownloadURL for these arguments restores."""
        for scope in scopes:
            if not scope.readable:
                continue
            candidates = [
                e
                for e in self.entries
                if e.finalized and e.scope == scope.scope and e.version == version
            ]
            exact = [e for e in candidates if e.key == key]
            if exact:
                return max(exact, key=lambda e: e.id)
            for prefix in [key, *restore_keys]:
                matches = [e for e in candidates if e.key.startswith(prefix)]
                if matches:
                    return max(matches, key=lambda e: e.id)
        return None
