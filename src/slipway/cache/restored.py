"""What a run found kept by earlier jobs (the cache service or the state folder), as data.

`slipway.stages.cache` fills a `Restored` before the step list is decided, and the steps read
it: the record of an identical build (Step.REUSE), the newest Trivy DB entry and the scan
state unpacked into Trivy's cache.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from slipway.cache.keys import SavedDB

if TYPE_CHECKING:
    from slipway.tools.cache_service import Hit


@dataclass(frozen=True)
class BuildRecord:
    """A pushed build: its key and the index digest it was pushed as."""

    key: str
    digest: str
    metadata: dict[str, Any]

    def json(self) -> str:
        """The stored form."""
        return json.dumps({"key": self.key, "digest": self.digest, "metadata": self.metadata})


def read_record(text: str, key: str) -> BuildRecord | None:
    """A stored record for ``key``; None when it is not one."""
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, dict) or data.get("key") != key:
        return None
    digest, metadata = data.get("digest"), data.get("metadata")
    if not isinstance(digest, str) or not digest.startswith("sha256:"):
        return None
    return BuildRecord(key, digest, metadata if isinstance(metadata, dict) else {})


@dataclass
class KeptDB:
    """A Trivy DB (the vulnerability DB or the Java DB) the cache service had for this run."""

    entry: Hit | None = None  # its newest entry (not downloaded yet)
    saved: SavedDB | None = None  # what that entry's key says
    unpacked: bool = False  # in Trivy's cache now


@dataclass
class Restored:
    """What the cache service (or the state folder) had for this run."""

    build_key: str = ""  # "" when the build cannot be keyed
    record: BuildRecord | None = None  # an identical build, still served by the registry
    db: KeptDB = field(default_factory=KeptDB)  # the vulnerability DB
    java_db: KeptDB = field(default_factory=KeptDB)  # downloaded only when a JAR needs it
    java_db_fetched: str = ""  # UpdatedAt of a Java DB this run fetched, to save at the end
    state_key: str = ""  # the scan state restored ("" none)
    state_digest: str = ""  # its content digest right after unpacking
    said: set[str] = field(default_factory=set)  # the service's lines said so far (once each)
