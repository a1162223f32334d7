"""Getting the vulnerability DB once per run: each repository in turn with backoff, then
a fresh-enough cached DB, else a failure naming every repository (decisions in `db`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from slipway.errors import ScanError
from slipway.refs import allows_plain_http, registry_of
from slipway.scan import db
from slipway.scan.options import ScanOptions
from slipway.tools import trivy
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
) -> Fetched:
    """Get the DB once into ``cache_dir``; fall back to a fresh-enough cached one."""
    outcome = Fetched()
    attempts: list[db.Attempt] = []
    for repository in options.db_repositories:
        error = _download(
            runner, options, repository, cache_dir=cache_dir, sleep=sleep, outcome=outcome
        )
        if not error:
            if attempts:
                failed = "; ".join(f"{a.repository}: {a.error}" for a in attempts)
                outcome.warnings.append(
                    db.DB_REPOSITORY_FAILED.format(
                        repository=", ".join(a.repository for a in attempts),
                        error=failed,
                        served=repository,
                    )
                )
            break
        attempts.append(db.Attempt(repository, error))
    updated_at, _ = _read_metadata(cache_dir)
    if len(attempts) == len(options.db_repositories):
        verdict, text, hint = db.fallback_decision(
            attempts, updated_at, now, options.db_max_age, cache_dir
        )
        if verdict == "error":
            raise ScanError(text, hint)
        outcome.warnings.append(text)
    outcome.updated_at = updated_at.isoformat() if updated_at else ""
    return outcome


def _download(
    runner: Runner,
    options: ScanOptions,
    repository: str,
    *,
    cache_dir: str,
    sleep: Callable[[float], None],
    outcome: Fetched,
) -> str:
    """Try one repository with backoff; the short error, or empty on success."""
    error = ""
    insecure = allows_plain_http(registry_of(repository), options.insecure_registries)
    argv = trivy.download_db_argv(repository, cache_dir, insecure=insecure)
    for delay in db.backoff_delays(options.db_retries, options.db_backoff):
        if delay:
            sleep(delay)
        result = runner.run(argv, timeout=options.timeout)
        outcome.runs += 1
        if result.returncode == 0:
            return ""
        error = db.short_error(result.stderr + result.stdout)
        if not db.is_transient(error):
            break
    return error or "failed"


def _read_metadata(cache_dir: str) -> tuple[datetime | None, datetime | None]:
    path = Path(cache_dir) / "db" / "metadata.json"
    if not (path.is_file() and (path.parent / "trivy.db").is_file()):
        return None, None
    return trivy.parse_db_metadata(path.read_text(encoding="utf-8"))
