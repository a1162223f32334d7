"""DB decisions (retry, fallback, messages), scan-reuse keys and merged ignore files."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import yaml

from slipway.errors import InputError
from slipway.scan import db
from slipway.scan.ignores import merge_ignorefiles
from slipway.scan.reuse import scan_key

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
ATTEMPTS = (
    db.Attempt("127.0.0.1:1/db:2", "dial tcp 127.0.0.1:1: connect: connection refused"),
    db.Attempt("ghcr.io/aquasecurity/trivy-db:2", "TOOMANYREQUESTS: retry-after: 1s"),
)


def test_fresh_cache_is_used_with_a_warning() -> None:
    verdict, text, _ = db.fallback_decision(ATTEMPTS, NOW - timedelta(hours=5), NOW, 86400, "/c")
    assert verdict == "warning"
    assert "5h 0m old" in text
    assert "127.0.0.1:1/db:2, ghcr.io/aquasecurity/trivy-db:2" in text


def test_no_cache_fails_naming_each_repository_and_how_to_cache() -> None:
    verdict, text, hint = db.fallback_decision(ATTEMPTS, None, NOW, 86400, "/c")
    assert verdict == "error"
    assert text == "Could not get the Trivy vulnerability DB: every repository failed."
    assert "  - 127.0.0.1:1/db:2: dial tcp" in hint
    assert "  - ghcr.io/aquasecurity/trivy-db:2: TOOMANYREQUESTS" in hint
    assert "No cached DB was found in /c." in hint
    assert "GitHub's cache service" in hint
    assert "db-max-age: 7d" in hint
    assert "actions/cache" not in hint  # Slipway keeps the DB itself
    assert "first in `trivy-db-repository`" in hint


def test_the_java_db_fails_in_its_own_words() -> None:
    attempts = (db.Attempt("127.0.0.1:1/java-db:1", "connect: connection refused"),)
    updated = NOW - timedelta(days=9)
    verdict, text, hint = db.fallback_decision(
        attempts, updated, NOW, 7 * 86400, "/c", database=db.JAVA_DB
    )
    assert verdict == "error"
    assert text == "Could not get Trivy's Java DB: every repository failed."
    assert "older than db-max-age (7d 0h)" in hint
    assert "first in `trivy-java-db-repository`" in hint
    verdict, text, _ = db.fallback_decision(
        attempts, NOW - timedelta(hours=1), NOW, 86400, "/c", database=db.JAVA_DB
    )
    assert verdict == "warning"
    assert text.startswith("No Trivy Java DB repository could be reached (127.0.0.1:1/java-db:1)")


def test_trivy_stopped_for_want_of_the_java_db() -> None:
    log = (
        "2026-12-06T12:09:11Z\tFATAL\tFatal error\trun error: rootfs scan error: scan error: "
        "scan failed: failed analysis: post analysis error: post analysis error: Unable to "
        "initialize the Java DB: Java DB update failed: '--skip-java-db-update' cannot be "
        "specified on the first run"
    )
    assert db.needs_java_db(log)
    assert not db.needs_java_db("FATAL\tFatal error\tunable to initialize the scanner")


JAVA_DUE = [
    # (NextUpdate, DownloadedAt, due): Trivy's own rule (pkg/javadb/client.go isNewDB)
    (NOW + timedelta(hours=1), NOW - timedelta(days=5), False),  # next update still ahead
    (NOW - timedelta(hours=1), NOW - timedelta(hours=23), False),  # downloaded within a day
    (NOW - timedelta(hours=1), NOW - timedelta(hours=25), True),
    (None, None, True),
    (NOW - timedelta(hours=1), None, True),
]


@pytest.mark.parametrize(("next_update", "downloaded", "due"), JAVA_DUE)
def test_java_db_due(next_update: datetime | None, downloaded: datetime | None, due: bool) -> None:
    assert db.java_db_due(next_update, downloaded, NOW) is due


def test_too_old_cache_fails() -> None:
    verdict, _, hint = db.fallback_decision(ATTEMPTS, NOW - timedelta(days=9), NOW, 7 * 86400, "/c")
    assert verdict == "error"
    assert "(9d 0h old), older than db-max-age (7d 0h)" in hint


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        ("TOOMANYREQUESTS: Rate exceeded", True),
        ("connect: connection refused", True),
        ("unexpected status code 503 Service Unavailable", True),
        ("MANIFEST_UNKNOWN: manifest unknown", False),
        ("UNAUTHORIZED: authentication required", False),
    ],
)
def test_transient(error: str, transient: bool) -> None:
    assert db.is_transient(error) is transient


def test_backoff_and_short_error() -> None:
    assert db.backoff_delays(3, 2.0) == [0.0, 2.0, 4.0]
    assert db.backoff_delays(1, 2.0) == [0.0]
    log = "2026-11-23T20:32:12Z\tINFO\tNeed to update DB\n2026-11-23T20:32:12Z\tFATAL\tFatal error\trun error: boom\n"
    assert db.short_error(log) == "run error: boom"
    nested = (
        "2026-11-23T20:32:12Z\tFATAL\tFatal error\trun error: init error: DB error: OCI repository"
        ' error: 1 error occurred:\n\t* Get "https://127.0.0.1:1/v2/": connect: connection refused\n'
    )
    assert db.short_error(nested).endswith("connect: connection refused")
    assert db.short_error(nested).startswith("run error: init error")
    assert len(db.short_error("x" * 1000)) == 300


def key(**changes: object) -> str:
    given: dict[str, object] = {
        "severities": ("HIGH", "CRITICAL"),
        "scanners": ("vuln", "secret"),
        "ignore_unfixed": False,
        "documents": {".trivyignore": "CVE-1\n"},
    }
    given.update(changes)
    digest = str(given.pop("digest", "sha256:a"))
    updated = str(given.pop("db", "2026-11-01T06:00:00+00:00"))
    return scan_key(digest, updated, **given)  # type: ignore[arg-type]


def test_reuse_key_changes_with_every_part() -> None:
    base = key()
    assert key() == base
    assert key(severities=("CRITICAL", "HIGH")) == base  # order does not matter
    assert key(digest="sha256:b") != base
    assert key(db="2026-11-02T06:00:00+00:00") != base
    assert key(ignore_unfixed=True) != base
    assert key(documents={".trivyignore": "CVE-2\n"}) != base
    assert key(scanners=("vuln",)) != base


def test_ignorefiles_merge_keeps_expiry() -> None:
    merged = yaml.safe_load(
        merge_ignorefiles(
            [
                (".trivyignore", "# comment\nCVE-1\nCVE-2 exp:2020-01-01\n"),
                (
                    "more.trivyignore.yaml",
                    "vulnerabilities:\n  - id: CVE-3\n    expired_at: 2021-02-03\n",
                ),
            ]
        )
    )
    ids = [(e["id"], str(e.get("expired_at", ""))) for e in merged["vulnerabilities"]]
    assert ids == [("CVE-1", ""), ("CVE-2", "2020-01-01"), ("CVE-3", "2021-02-03")]
    assert [e["id"] for e in merged["secrets"]] == ["CVE-1", "CVE-2"]


def test_bad_yaml_ignorefile() -> None:
    with pytest.raises(InputError, match="trivyignores"):
        merge_ignorefiles([("x.yaml", "a: [")])
