"""The stage's orchestration with a Trivy stand-in: one DB download for N platforms, reuse,
repository fallback with backoff, and the reports written."""

from __future__ import annotations

import json
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
    (tmp_path / "work").mkdir(exist_ok=True)
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


def test_missing_ignore_file_is_named(tmp_path: Path) -> None:
    options = ScanOptions(cache_dir=str(tmp_path / "c"), trivyignores=("nope/.trivyignore",))
    with pytest.raises(ScanError, match=r"nope/\.trivyignore was not found"):
        run(tmp_path, FakeTrivyRunner(synthetic_report(1)), options)


def test_sbom_paths() -> None:
    assert stage.sbom_path("out/sbom.cdx.json", "linux/arm64") == "out/sbom-linux-arm64.cdx.json"
    assert stage.sbom_path("sbom", "linux/arm/v7") == "sbom-linux-arm-v7"
