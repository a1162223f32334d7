"""Trivy's DBs without rate-limit failures: decisions and messages (pure).

Two DBs go the same way (`Database`): the vulnerability DB, and the Java DB Trivy needs to
identify a JAR by its SHA-1 (issue 28), fetched only once a scan meets one. One download per
run into the cache directory, tried repository by repository with backoff; if none answers,
a cached DB younger than ``db-max-age`` is used with a warning. The stage carries these
decisions out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Database:
    """One of Trivy's DBs: where it lives in the cache dir, how Trivy is told to fetch it."""

    name: str  # in warnings: "Trivy DB repository ... failed"
    title: str  # in the failure: "Could not get {title}"
    folder: str  # in Trivy's cache dir
    file: str  # the DB file in that folder (beside metadata.json)
    download_flag: str  # download it, and scan nothing
    repository_flag: str
    repository_input: str  # the input that lists its repositories


VULNERABILITY_DB = Database(
    "Trivy DB",
    "the Trivy vulnerability DB",
    "db",
    "trivy.db",
    "--download-db-only",
    "--db-repository",
    "trivy-db-repository",
)
JAVA_DB = Database(
    "Trivy Java DB",
    "Trivy's Java DB",
    "java-db",
    "trivy-java.db",
    "--download-java-db-only",
    "--java-db-repository",
    "trivy-java-db-repository",
)

DB_REPOSITORY_FAILED = (
    "{name} repository {repository} failed ({error}); using the DB from {served} instead."
)
DB_STALE_FALLBACK = (
    "No {name} repository could be reached ({tried}); scanning with the cached DB "
    "from {updated} ({age} old, within db-max-age). Results may miss the newest advisories."
)
DB_ALL_FAILED = "Could not get {title}: every repository failed."
DB_ALL_FAILED_HINT = """\
Tried, in order:
{attempts}
{cache}
On GitHub Actions Slipway keeps the DB in GitHub's cache service (`cache: true`, the default),
so once one run has fetched it, a registry outage or rate limit (TOOMANYREQUESTS) only makes
later runs fall back to it. Allow an older DB for such days:

  - uses: slipway/slipway@v1
    with:
      db-max-age: 7d

or list a mirror you control first in `{input}`."""
NO_CACHE = "No cached DB was found in {cache_dir}."
TOO_OLD = (
    "The cached DB in {cache_dir} is from {updated} ({age} old), older than db-max-age ({max_age})."
)
# What Trivy says when told not to fetch the Java DB (`--skip-java-db-update`) and a scan
# meets a JAR with none in its cache (trivy pkg/javadb/client.go, Updater.Update).
_JAVA_DB_MISSING = "'--skip-java-db-update' cannot be specified on the first run"
# Trivy's own rule for a Java DB it would refresh (pkg/javadb/client.go, isNewDB): past its
# NextUpdate and not downloaded in the last day.
_JAVA_DB_RECENT = timedelta(days=1)

# Trivy's log wording for failures that may pass on a retry.
_TRANSIENT = (
    "TOOMANYREQUESTS",
    "429",
    "connection refused",
    "connection reset",
    "timeout",
    "i/o timeout",
    "EOF",
    "500",
    "502",
    "503",
    "504",
)


@dataclass(frozen=True)
class Attempt:
    """One repository's outcome: the short error, or empty when it served the DB."""

    repository: str
    error: str = ""


def is_transient(error: str) -> bool:
    """True when a failure may pass on a retry (rate limit, network, 5xx)."""
    return any(word.lower() in error.lower() for word in _TRANSIENT)


def backoff_delays(attempts: int, base: float) -> list[float]:
    """Seconds to wait before each attempt: 0, base, 2*base, ..."""
    return [0.0] + [base * 2**n for n in range(max(attempts - 1, 0))]


def short_error(log: str, limit: int = 300) -> str:
    """The telling part of a Trivy failure log, on one line, bounded.

    Trivy's FATAL message nests the cause last (``... OCI repository error: 1 error
    occurred: * Get "...": connect: connection refused``), so the end is kept.
    """
    text = log.strip()
    if "FATAL" in text:
        text = text[text.rindex("FATAL") :].split("\t", 2)[-1]
    elif text:
        text = text.splitlines()[-1]
    flat = " ".join(text.replace("\t", " ").split()) or "no output"
    return flat if len(flat) <= limit else "…" + flat[-(limit - 1) :]


def human_age(seconds: float) -> str:
    """``3d 4h`` / ``5h 2m`` / ``40m``."""
    minutes = int(seconds // 60)
    days, hours, mins = minutes // 1440, (minutes % 1440) // 60, minutes % 60
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {mins}m"
    return f"{mins}m"


def needs_java_db(log: str) -> bool:
    """True when Trivy stopped because a scan met a JAR and no Java DB is cached."""
    return _JAVA_DB_MISSING in log


def java_db_due(
    next_update: datetime | None, downloaded_at: datetime | None, now: datetime
) -> bool:
    """True when Trivy would fetch a newer Java DB than the cached one."""
    if next_update is not None and now < next_update:
        return False
    return downloaded_at is None or now >= downloaded_at + _JAVA_DB_RECENT


def fallback_decision(
    attempts: Sequence[Attempt],
    updated_at: datetime | None,
    now: datetime,
    max_age: float,
    cache_dir: str,
    *,
    database: Database = VULNERABILITY_DB,
) -> tuple[str, str, str]:
    """After every repository failed: ("warning", text, "") to scan anyway, or
    ("error", message, hint) to stop."""
    tried = ", ".join(a.repository for a in attempts)
    if updated_at is not None:
        age = (now - updated_at).total_seconds()
        if age <= max_age:
            updated = updated_at.isoformat()
            return (
                "warning",
                DB_STALE_FALLBACK.format(
                    name=database.name, tried=tried, updated=updated, age=human_age(age)
                ),
                "",
            )
        cache = TOO_OLD.format(
            cache_dir=cache_dir,
            updated=updated_at.isoformat(),
            age=human_age(age),
            max_age=human_age(max_age),
        )
    else:
        cache = NO_CACHE.format(cache_dir=cache_dir)
    lines = "\n".join(f"  - {a.repository}: {a.error}" for a in attempts)
    hint = DB_ALL_FAILED_HINT.format(attempts=lines, cache=cache, input=database.repository_input)
    return "error", DB_ALL_FAILED.format(title=database.title), hint
