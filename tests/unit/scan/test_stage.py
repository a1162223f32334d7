"""The stage's orchestration with a Trivy stand-in: one DB download for N platforms, reuse,
repository fallback with backoff, and the reports written."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from slipway.core.severity import Severity
from slipway.dockerfile import parse_dockerfile
from slipway.errors import ScanError
from slipway.scan.options import ScanOptions
from slipway.stages import scan as stage
from slipway.stages.report import SARIF_FILE
from tests.unit.scan.fakes import FakeTrivyRunner, synthetic_report
from tests.unit.scan.findings_data import MISCONFIG

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def targets(count: int) -> list[stage.ScanTarget]:
    return [
        stage.ScanTarget(f"linux/arch{n}", f"sha256:{n:064x}", f"r@sha256:{n:064x}")
        for n in range(count)
    ]


def run(
    tmp_path: Path, runner: FakeTrivyRunner, options: ScanOptions, count: int = 2
) -> tuple[stage.ScanOutcome, list[float]]:
    slept: list[float] = []
    (tmp_path / "work").mkdir(parents=True, exist_ok=True)
    # no Dockerfile: no `trivy config`, findings without lines
    job = stage.ScanJob(options, targets(count), None, tmp_path / "work", tmp_path / "out", NOW)
    outcome = stage.scan_platforms(runner, job, sleep=slept.append)
    return outcome, slept


@pytest.mark.parametrize("platforms", [1, 2, 5])
def test_one_db_download_for_any_number_of_platforms(tmp_path: Path, platforms: int) -> None:
    runner = FakeTrivyRunner(synthetic_report(20))
    options = ScanOptions(db_repositories=("a/db:2",), cache_dir=str(tmp_path / "c"))
    outcome, _ = run(tmp_path, runner, options, platforms)
    assert runner.count("--download-db-only") == 1
    assert runner.count("--skip-db-update", "--scanners") == platforms
    assert len(outcome.scans) == platforms
    assert json.loads(Path(outcome.report_file).read_text())["version"] == 1
    assert not (tmp_path / "out" / SARIF_FILE).exists()  # rendered once, by the run


def test_the_dockerfiles_misconfigurations_are_reported_not_checked_again(tmp_path: Path) -> None:
    # the lint ran the run's one `trivy config`; the scan only reports what it found
    runner = FakeTrivyRunner(synthetic_report(5))
    options = ScanOptions(
        severity=(Severity.HIGH,), db_repositories=("a/db:2",), cache_dir=str(tmp_path / "c")
    )
    (tmp_path / "work").mkdir()
    dockerfile = parse_dockerfile("FROM a:1\nRUN true\nUSER root\nCMD x\n", "Dockerfile")
    out = tmp_path / "out"
    job = stage.ScanJob(
        options, targets(1), dockerfile, tmp_path / "work", out, NOW, misconfigurations=(MISCONFIG,)
    )
    outcome = stage.scan_platforms(runner, job)
    assert runner.count("config") == 0
    report = json.loads(Path(outcome.report_file).read_text())
    assert [m["id"] for m in report["misconfigurations"]] == ["DS-0002"]


def test_rescan_is_reused(tmp_path: Path) -> None:
    options = ScanOptions(db_repositories=("a/db:2",), cache_dir=str(tmp_path / "c"))
    run(tmp_path, FakeTrivyRunner(synthetic_report(20)), options)
    runner = FakeTrivyRunner(synthetic_report(20))
    outcome, _ = run(tmp_path, runner, options)
    assert runner.count("--scanners") == 0
    assert outcome.trivy_runs == 0
    assert all(s.reused for s in outcome.scans)
    changed = ScanOptions(
        db_repositories=("a/db:2",), cache_dir=str(tmp_path / "c"), ignore_unfixed=True
    )
    runner = FakeTrivyRunner(synthetic_report(20))
    run(tmp_path, runner, changed)
    assert runner.count("--scanners") == 2  # other options: scanned again


def test_a_new_trivy_scans_again(tmp_path: Path) -> None:
    options = ScanOptions(db_repositories=("a/db:2",), cache_dir=str(tmp_path / "c"))
    old, new = tmp_path / "trivy-0.76.0", tmp_path / "trivy-0.77.0"
    old.write_bytes(b"old trivy")
    new.write_bytes(b"the new trivy")
    run(tmp_path, FakeTrivyRunner(synthetic_report(20), binary=old), options)
    again = FakeTrivyRunner(synthetic_report(20), binary=old)
    assert not run(tmp_path, again, options)[0].trivy_runs  # same Trivy: reused
    upgraded = FakeTrivyRunner(synthetic_report(20), binary=new)
    outcome, _ = run(tmp_path, upgraded, options)
    assert upgraded.count("--scanners") == 2  # another Trivy may find otherwise
    assert not any(s.reused for s in outcome.scans)


def test_rate_limited_repository_is_retried_with_backoff_then_skipped(tmp_path: Path) -> None:
    runner = FakeTrivyRunner(synthetic_report(5), refuse=("mirror/db:2",))
    options = ScanOptions(
        db_repositories=("mirror/db:2", "ghcr/db:2"), cache_dir=str(tmp_path / "c")
    )
    outcome, slept = run(tmp_path, runner, options)
    assert runner.count("--download-db-only", "mirror/db:2") == 3
    assert slept == [2.0, 4.0]
    assert runner.count("--download-db-only", "ghcr/db:2") == 1
    assert "TOOMANYREQUESTS" in outcome.warnings[0]
    assert "using the DB from ghcr/db:2" in outcome.warnings[0]


def test_every_repository_down_and_no_cache(tmp_path: Path) -> None:
    runner = FakeTrivyRunner(synthetic_report(5), refuse=("a/db:2", "b/db:2"))
    options = ScanOptions(
        db_repositories=("a/db:2", "b/db:2"), cache_dir=str(tmp_path / "c"), db_retries=1
    )
    with pytest.raises(ScanError, match="every repository failed") as raised:
        run(tmp_path, runner, options)
    assert "  - a/db:2: " in raised.value.hint
    assert "  - b/db:2: " in raised.value.hint


JAVA = ("mirror/java-db:1", "ghcr/java-db:1")


def java_options(tmp_path: Path, **changes: object) -> ScanOptions:
    given: dict[str, object] = {
        "db_repositories": ("a/db:2",),
        "java_db_repositories": JAVA,
        "cache_dir": str(tmp_path / "c"),
    }
    given.update(changes)
    return ScanOptions(**given)  # type: ignore[arg-type]


def test_an_image_without_a_jar_never_fetches_the_java_db(tmp_path: Path) -> None:
    runner = FakeTrivyRunner(synthetic_report(5))
    outcome, _ = run(tmp_path, runner, java_options(tmp_path))
    assert runner.count("--download-java-db-only") == 0
    assert runner.count("--skip-java-db-update", "--scanners") == 2  # Trivy never fetches it
    assert outcome.java_db_downloads == 0
    assert outcome.java_db_updated_at == ""
    assert not (tmp_path / "c" / "java-db").exists()


def test_a_jar_fetches_the_java_db_once_and_scans_again(tmp_path: Path) -> None:
    runner = FakeTrivyRunner(synthetic_report(5), jars=True)
    sbom = tmp_path / "sbom.cdx.json"
    outcome, _ = run(tmp_path, runner, java_options(tmp_path, sbom_file=str(sbom)), count=3)
    assert runner.count("--download-java-db-only") == 1
    assert runner.count("--download-java-db-only", "--java-db-repository", JAVA[0]) == 1
    # the first platform's scan stopped at the JAR and ran again; the others had the DB
    assert runner.count("--scanners") == 4
    assert len(outcome.scans) == 3
    assert outcome.java_db_updated_at == "2026-11-23T00:00:00+00:00"
    assert outcome.warnings == []
    assert runner.count("cyclonedx", "--skip-java-db-update") == 3


def test_the_java_db_falls_back_to_the_next_repository(tmp_path: Path) -> None:
    runner = FakeTrivyRunner(synthetic_report(5), jars=True, refuse=(JAVA[0],))
    outcome, slept = run(tmp_path, runner, java_options(tmp_path))
    assert runner.count("--download-java-db-only", JAVA[0]) == 3  # retried with backoff
    assert slept == [2.0, 4.0]
    assert runner.count("--download-java-db-only", JAVA[1]) == 1
    (warning,) = outcome.warnings
    assert warning == (
        f"Trivy Java DB repository {JAVA[0]} failed ({JAVA[0]}: GET https://{JAVA[0]}: "
        f"TOOMANYREQUESTS: rate limit); using the DB from {JAVA[1]} instead."
    )


def test_the_java_db_failing_everywhere_names_its_input(tmp_path: Path) -> None:
    runner = FakeTrivyRunner(synthetic_report(5), jars=True, refuse=JAVA)
    with pytest.raises(ScanError, match="Could not get Trivy's Java DB") as raised:
        run(tmp_path, runner, java_options(tmp_path, db_retries=1))
    assert "No cached DB was found in" in raised.value.hint
    assert "`trivy-java-db-repository`" in raised.value.hint


def test_a_due_java_db_is_set_aside_until_a_jar_needs_it(tmp_path: Path) -> None:
    due = (
        '{"Version":1,"NextUpdate":"2026-11-20T00:00:00Z","UpdatedAt":"2026-11-19T00:00:00Z",'
        '"DownloadedAt":"2026-11-19T01:00:00Z"}'
    )
    java_db = tmp_path / "c" / "java-db"
    java_db.mkdir(parents=True)
    (java_db / "trivy-java.db").write_bytes(b"old")
    (java_db / "metadata.json").write_text(due)
    # No JAR: Trivy never saw the old DB, nothing was fetched, the DB is kept aside.
    plain = FakeTrivyRunner(synthetic_report(5))
    run(tmp_path, plain, java_options(tmp_path))
    assert plain.count("--download-java-db-only") == 0
    assert not java_db.exists()
    assert (tmp_path / "c" / "java-db.due" / "trivy-java.db").read_bytes() == b"old"
    # A JAR brings it back, and with every repository down it is the fallback (4 days old).
    shutil.rmtree(tmp_path / "c" / stage.RESULTS_DIR)  # another image, as far as reuse goes
    jars = FakeTrivyRunner(synthetic_report(5), jars=True, refuse=JAVA)
    options = java_options(tmp_path, db_retries=1, db_max_age=7 * 86400.0)
    outcome, _ = run(tmp_path / "again", jars, options)
    assert jars.count("--download-java-db-only") == 2
    assert len(outcome.warnings) == 1
    assert "No Trivy Java DB repository could be reached" in outcome.warnings[0]
    assert "(4d 12h old, within db-max-age)" in outcome.warnings[0]
    assert (java_db / "trivy-java.db").read_bytes() == b"old"
    assert not (tmp_path / "c" / "java-db.due").exists()


def test_a_fresh_java_db_is_used_as_it_is(tmp_path: Path) -> None:
    java_db = tmp_path / "c" / "java-db"
    java_db.mkdir(parents=True)
    (java_db / "trivy-java.db").write_bytes(b"")
    (java_db / "metadata.json").write_text(
        '{"Version":1,"NextUpdate":"2026-11-26T00:00:00Z","UpdatedAt":"2026-11-23T00:00:00Z",'
        '"DownloadedAt":"2026-11-23T08:00:00Z"}'
    )
    runner = FakeTrivyRunner(synthetic_report(5), jars=True)
    outcome, _ = run(tmp_path, runner, java_options(tmp_path))
    assert runner.count("--download-java-db-only") == 0
    assert runner.count("--scanners") == 2
    assert outcome.warnings == []


def test_missing_ignore_file_is_named(tmp_path: Path) -> None:
    options = ScanOptions(cache_dir=str(tmp_path / "c"), trivyignores=("nope/.trivyignore",))
    with pytest.raises(ScanError, match=r"nope/\.trivyignore was not found"):
        run(tmp_path, FakeTrivyRunner(synthetic_report(1)), options)


def test_sbom_paths() -> None:
    assert stage.sbom_path("out/sbom.cdx.json", "linux/arm64") == "out/sbom-linux-arm64.cdx.json"
    assert stage.sbom_path("sbom", "linux/arm/v7") == "sbom-linux-arm-v7"
