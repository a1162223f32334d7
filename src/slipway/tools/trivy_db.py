"""Getting one of Trivy's DBs once per run (`db.Database`: the vulnerability DB, or the Java
DB): each repository in turn with backoff, then a fresh-enough cached DB, else a failure
naming every repository (decisions in `db`; the retries are :mod:`slipway.tools.retry`'s,
with `db_policy`). A cached Java DB Trivy would refresh is set aside before the scans, so
that only an image with a JAR brings it back (`set_aside_due_java_db`, `bring_back_java_db`)."""

from __future__ import annotations

import math
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from slipway.errors import ScanError
from slipway.oci.refs import allows_plain_http, registry_of
from slipway.scan import db
from slipway.scan.options import ScanOptions
from slipway.tools import trivy
from slipway.tools.retry import Policy, Retries
from slipway.tools.run import Runner


@dataclass
class Fetched:
    """The DB the scans will use."""

    updated_at: str = ""  # ISO time of the DB's UpdatedAt; empty when unknown
    warnings: list[str] = field(default_factory=list)
    runs: int = 0  # download commands run (each attempt counts)


def fetch_db(
    runner: Runner,
    options: ScanOptions,
    cache_dir: str,
    *,
    now: datetime,
    sleep: Callable[[float], None],
    database: db.Database = db.VULNERABILITY_DB,
) -> Fetched:
    """Get the DB once into ``cache_dir``; fall back to a fresh-enough cached one."""
    outcome = Fetched()
    attempts: list[db.Attempt] = []
    repositories = repositories_of(options, database)
    for repository in repositories:
        error = _download(
            runner,
            options,
            repository,
            cache_dir=cache_dir,
            sleep=sleep,
            outcome=outcome,
            database=database,
        )
        if not error:
            if attempts:
                failed = "; ".join(f"{a.repository}: {a.error}" for a in attempts)
                outcome.warnings.append(
                    db.DB_REPOSITORY_FAILED.format(
                        name=database.name,
                        repository=", ".join(a.repository for a in attempts),
                        error=failed,
                        served=repository,
                    )
                )
            break
        attempts.append(db.Attempt(repository, error))
    updated_at, _ = _read_metadata(cache_dir, database)
    if len(attempts) == len(repositories):
        verdict, text, hint = db.fallback_decision(
            attempts, updated_at, now, options.db_max_age, cache_dir, database=database
        )
        if verdict == "error":
            raise ScanError(text, hint)
        outcome.warnings.append(text)
    outcome.updated_at = updated_at.isoformat() if updated_at else ""
    return outcome


def repositories_of(options: ScanOptions, database: db.Database) -> tuple[str, ...]:
    """The repositories ``database`` is fetched from, in order."""
    if database == db.JAVA_DB:
        return options.java_db_repositories
    return options.db_repositories


def db_policy(options: ScanOptions) -> Policy:
    """The retries of one repository: ``db_retries`` attempts, ``db_backoff`` seconds before
    the second, doubled before each further (what is transient is `db.is_transient`'s)."""
    attempts = max(options.db_retries, 1)  # 0 would mean "no limit" to the policy
    return Policy(attempts=attempts, backoff=options.db_backoff, max_backoff=math.inf)


def _download(
    runner: Runner,
    options: ScanOptions,
    repository: str,
    *,
    cache_dir: str,
    sleep: Callable[[float], None],
    outcome: Fetched,
    database: db.Database,
) -> str:
    """Try one repository with backoff; the short error, or empty on success."""
    insecure = allows_plain_http(registry_of(repository), options.insecure_registries)
    argv = trivy.download_db_argv(repository, cache_dir, insecure=insecure, database=database)
    attempts = Retries(db_policy(options), sleep=sleep).attempts()
    while True:
        result = runner.run(argv, timeout=options.timeout)
        outcome.runs += 1
        if result.returncode == 0:
            return ""
        error = db.short_error(result.stderr + result.stdout)
        if not (db.is_transient(error) and attempts.again()):
            return error or "failed"


def _metadata(cache_dir: str, database: db.Database) -> str | None:
    """The text of ``database``'s metadata.json in ``cache_dir``; None without the DB."""
    path = Path(cache_dir) / database.folder / "metadata.json"
    if not (path.is_file() and (path.parent / database.file).is_file()):
        return None
    return path.read_text(encoding="utf-8")


def _read_metadata(
    cache_dir: str, database: db.Database
) -> tuple[datetime | None, datetime | None]:
    text = _metadata(cache_dir, database)
    return (None, None) if text is None else trivy.parse_db_metadata(text)


DUE_SUFFIX = ".due"  # beside java-db: a Java DB Trivy would refresh, out of its sight


def set_aside_due_java_db(cache_dir: str, now: datetime) -> bool:
    """Before the scans: a cached Java DB Trivy would refresh goes out of its sight, so a
    scan that meets a JAR asks for it (`db.needs_java_db`) and one that does not never
    fetches it. True when one was set aside."""
    text = _metadata(cache_dir, db.JAVA_DB)
    if text is None:
        return False
    _, downloaded_at = trivy.parse_db_metadata(text)
    if not db.java_db_due(trivy.parse_next_update(text), downloaded_at, now):
        return False
    folder = Path(cache_dir) / db.JAVA_DB.folder
    aside = folder.with_name(folder.name + DUE_SUFFIX)
    shutil.rmtree(aside, ignore_errors=True)
    folder.rename(aside)
    return True


def bring_back_java_db(cache_dir: str) -> None:
    """A set-aside Java DB back in place (Trivy refreshes it, or it is the fallback), unless
    a newer one is there already."""
    folder = Path(cache_dir) / db.JAVA_DB.folder
    aside = folder.with_name(folder.name + DUE_SUFFIX)
    if aside.is_dir() and not folder.exists():
        aside.rename(folder)
    shutil.rmtree(aside, ignore_errors=True)
