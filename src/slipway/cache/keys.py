"""What Slipway keeps in GitHub's cache service, under which keys (pure).

Four kinds of entries, each a file:

* **the Trivy DB** (``db/`` of Trivy's cache, a gzip tar), under a key that rolls daily as
  trivy-action's ``cache: true`` does, and that names the DB's ``UpdatedAt``:
  ``slipway-trivy-db-<repositories>-<YYYYMMDD>-<UpdatedAt>``. A lookup matches today's entry
  first, else the newest of any day; the matched key alone says which DB it holds, so a run
  whose scans are all reused never downloads it.
* **Trivy's Java DB** (``java-db/``), the same way under ``slipway-trivy-java-db-…``, saved
  only by a run whose scan met a JAR and fetched it; restored only when a scan needs it.
* **the scan state** (Trivy's layer analysis ``fanal/``, Slipway's scan results and layer
  contents), per image and platform set: ``slipway-state-<scope>-<content digest>``. A lookup
  takes the newest entry of the scope (the previous commit's): a new commit analyses only its
  new layers. Saved only when its content changed.
* **a pushed build**: ``slipway-build-<build key>`` (`slipway.cache.build_key`), holding the index
  digest it was pushed as. An exact match, and the registry still serving that digest, lets
  a run skip the builder and the build.

GitHub scopes entries by ref (a pull request reads its own, then its base branch's), evicts
the least recently used past the repository's quota, and refuses keys over 512 characters or
with a comma (actions/toolkit ``cache.ts`` ``checkKey``): every key here is short and plain.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from slipway.oci.platforms import Platform
from slipway.oci.refs import ImageName

FORMAT = "1"  # a new format of any entry changes every version: old entries are not read
DB, JAVA_DB, STATE, BUILD = "trivy-db", "trivy-java-db", "state", "build"
_DAY = re.compile(r"([0-9]{8})-(.{1,64})", re.ASCII)


def version(kind: str) -> str:
    """The entry version of ``kind`` (the cache service matches keys within a version)."""
    return hashlib.sha256(f"slipway|{kind}|{FORMAT}".encode()).hexdigest()


def _short(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Lookup:
    """A cache lookup: an exact key, then restore-key prefixes, newest first."""

    key: str
    restore_keys: tuple[str, ...] = ()
    version: str = ""


def db_prefix(repositories: Sequence[str], kind: str = DB) -> str:
    """``slipway-trivy-db-<16 hex>-``: one DB family per list of DB repositories (``kind``
    `JAVA_DB`: ``slipway-trivy-java-db-…``)."""
    return f"slipway-{kind}-{_short(*repositories)}-"


def db_lookup(repositories: Sequence[str], today: date, kind: str = DB) -> Lookup:
    """Today's DB first, else the newest of any day."""
    prefix = db_prefix(repositories, kind)
    day = f"{prefix}{today:%Y%m%d}"
    return Lookup(day, (f"{day}-", prefix), version(kind))


def db_key(repositories: Sequence[str], today: date, updated_at: str, kind: str = DB) -> str:
    """The key a DB with ``UpdatedAt`` ``updated_at`` is saved under today."""
    return f"{db_prefix(repositories, kind)}{today:%Y%m%d}-{updated_at}"


@dataclass(frozen=True)
class SavedDB:
    """What a DB entry's key says about it."""

    day: date
    updated_at: str  # the DB's UpdatedAt, ISO 8601, as `slipway.tools.trivy_db` reads it


def parse_db_key(key: str, repositories: Sequence[str], kind: str = DB) -> SavedDB | None:
    """The day and DB time a matched key names; None for a key of another form."""
    rest = key.removeprefix(db_prefix(repositories, kind))
    match = _DAY.fullmatch(rest) if rest != key else None
    if match is None:
        return None
    try:
        day = datetime.strptime(match.group(1), "%Y%m%d").date()
        datetime.fromisoformat(match.group(2))
    except ValueError:
        return None
    return SavedDB(day, match.group(2))


def state_scope(images: Sequence[ImageName], platforms: Sequence[Platform]) -> str:
    """One scan state per image and platform set (what a previous commit of it scanned)."""
    return _short(*(str(i) for i in images[:1]), *(str(p) for p in platforms))


def state_lookup(scope: str) -> Lookup:
    """The newest state of the scope."""
    prefix = f"slipway-{STATE}-{scope}-"
    return Lookup(prefix, (prefix,), version(STATE))


def state_key(scope: str, content: str) -> str:
    """The key of a state whose content digest is ``content``."""
    return f"slipway-{STATE}-{scope}-{content[:32]}"


def build_lookup(key: str) -> Lookup:
    """The record of a build with build key ``key`` (an exact match only)."""
    return Lookup(f"slipway-{BUILD}-{key}", (), version(BUILD))
