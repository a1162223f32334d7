"""Getting the vulnerability DB once per run: each repository in turn with backoff, then
a fresh-enough cached DB, else a failure naming every repository (decisions in `db`; the
retries are :mod:`slipway.tools.retry`'s, with `db_policy`)."""

from __future__ import annotations

import math
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
) -> str:
    """Try one repository with backoff; the short error, or empty on success."""
    insecure = allows_plain_http(registry_of(repository), options.insecure_registries)
    argv = trivy.download_db_argv(repository, cache_dir, insecure=insecure)
    attempts = Retries(db_policy(options), sleep=sleep).attempts()
    while True:
        result = runner.run(argv, timeout=options.timeout)
        outcome.runs += 1
        if result.returncode == 0:
            return ""
        error = db.short_error(result.stderr + result.stdout)
        if not (db.is_transient(error) and attempts.again()):
            return error or "failed"


def _read_metadata(cache_dir: str) -> tuple[datetime | None, datetime | None]:
    path = Path(cache_dir) / "db" / "metadata.json"
    if not (path.is_file() and (path.parent / "trivy.db").is_file()):
        return None, None
    return trivy.parse_db_metadata(path.read_text(encoding="utf-8"))
