"""The scan stage on real parts: real Trivy, the test DB from the local registry, two platforms.

One image (FROM scratch: a fake Debian 12 root per platform, a baked-in AWS key, a
Dockerfile with ``USER root``) is built and pushed by digest once per module with
``python -m slipway`` (scan off); every test then runs the stage in-process with a
Runner that records each Trivy command, so "Trivy was not run again" is an assertion.
"""

from __future__ import annotations

import io
import json
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from slipway.core.gate import gate_reasons
from slipway.core.plan import ConfigFindings
from slipway.core.severity import SCAN, Severity
from slipway.errors import ScanError
from slipway.policy.model import PolicyConfig
from slipway.report.sarif import render_sarif
from slipway.runner.workflow import Workflow
from slipway.scan.options import ScanOptions
from slipway.stages import scan as stage
from slipway.stages.policy import lint_dockerfile, read_dockerfile
from slipway.tools.run import Result, Runner
from tests.support.actionrun import run_action, unique_repository
from tests.support.devenv import ROOT, DevEnv
from tests.support.payloads import load_event
from tests.support.trivydb.rootfs import write_debian_root

pytestmark = pytest.mark.integration

PLATFORMS = ("linux/amd64", "linux/arm64")
DATA = ROOT / "tests" / "data" / "scan"
CLOSED = "127.0.0.1:1/slipway-test/trivy-db:2"  # nothing listens on port 1
DOCKERFILE = """\
FROM scratch
ARG TARGETARCH
COPY root-${TARGETARCH}/ /
COPY credentials /root/.aws/credentials
USER root
"""
# An AWS example-format key: Trivy's aws-access-key-id rule matches it.
CREDENTIALS = "[default]\naws_access_key_id = AKIA2E0A8F3B244C9986\n"
EVERYTHING = SCAN


class RecordingRunner(Runner):
    """A real Runner that remembers every command line."""

    def __init__(self, env: Mapping[str, str]) -> None:
        super().__init__(Workflow({}, io.StringIO()), env)
        self.commands: list[tuple[str, ...]] = []

    def run(self, argv: Sequence[str], **kwargs: Any) -> Result:
        self.commands.append(tuple(argv))
        return super().run(argv, **kwargs)

    def count(self, *words: str) -> int:
        return sum(1 for argv in self.commands if all(w in argv for w in words))


@pytest.fixture(scope="module")
def pushed(devenv: DevEnv, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Build and push the test image once; its context, index and platform digests."""
    base = tmp_path_factory.mktemp("scan-image")
    context = base / "ctx"
    for arch in ("amd64", "arm64"):
        write_debian_root(context / f"root-{arch}")
    (context / "credentials").write_text(CREDENTIALS)
    (context / "Dockerfile").write_text(DOCKERFILE)
    repository = unique_repository("slipway-test/scan")
    inputs = {
        "IMAGES": f"{devenv.registry}/{repository}",
        "CONTEXT": str(context),
        "PLATFORMS": ",".join(PLATFORMS),
        "PUSH": "true",
        "SCAN": "false",
        "PROVENANCE": "false",
        "POLICY": "none",  # the planted key file is the point here; the policy would block it
    }
    run = run_action(base / "run", "push", load_event("push", index=4), inputs)
    assert run.returncode == 0, run.log
    digests = json.loads(run.outputs["platform-digests"])
    assert sorted(digests) == sorted(PLATFORMS)
    image = f"{devenv.registry}/{repository}"
    return {"context": context, "image": image, "digests": digests, "index": run.outputs["digest"]}


@pytest.fixture(scope="module")
def local_build(pushed: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The same image built without ``push``: in the run's OCI layout only (the pushed build
    went to the registry straight from the builder); its layout, index and platform digests."""
    base = tmp_path_factory.mktemp("scan-local")
    inputs = {
        "IMAGES": str(pushed["image"]),
        "CONTEXT": str(pushed["context"]),
        "PLATFORMS": ",".join(PLATFORMS),
        "PUSH": "false",
        "SCAN": "false",
        "PROVENANCE": "false",
        "POLICY": "none",
    }
    run = run_action(
        base / "run",
        "push",
        load_event("push", index=4),
        inputs,
        extra_env={"SLIPWAY_LAYOUT_DIR": str(base / "layout")},
    )
    assert run.returncode == 0, run.log
    return {
        "layout": base / "layout",
        "index": run.outputs["digest"],
        "digests": json.loads(run.outputs["platform-digests"]),
    }


def targets(pushed: dict[str, Any]) -> list[stage.ScanTarget]:
    return [
        stage.ScanTarget(platform, digest, f"{pushed['image']}@{digest}", insecure=True)
        for platform, digest in sorted(pushed["digests"].items())
    ]


def scan(
    pushed: dict[str, Any], tmp_path: Path, options: ScanOptions, **kwargs: Any
) -> tuple[stage.ScanOutcome, RecordingRunner]:
    runner = RecordingRunner({"PATH": str(ROOT / ".venv" / "bin") + ":/usr/bin:/bin"})
    work = tmp_path / "work"
    work.mkdir(parents=True, exist_ok=True)
    job = stage.ScanJob(
        options,
        kwargs.pop("targets", None) or targets(pushed),
        read_dockerfile(pushed["context"] / "Dockerfile"),
        work,
        tmp_path / "out",
        kwargs.pop("now", datetime.now(UTC)),
    )
    outcome = stage.scan_platforms(runner, job, sleep=lambda _seconds: None)
    return outcome, runner


def options_for(devenv: DevEnv, cache: Path, **changes: Any) -> ScanOptions:
    base = ScanOptions(
        severity=EVERYTHING,
        db_repositories=(devenv.trivy_db,),
        cache_dir=str(cache),
        db_backoff=0.01,
    )
    return replace(base, **changes)


def found(outcome: stage.ScanOutcome, platform: str) -> set[str]:
    scan = next(s for s in outcome.scans if s.platform == platform)
    return {v.id for v in scan.vulnerabilities}


def test_planted_findings_on_both_platforms_one_db_download_then_reuse(
    devenv: DevEnv, pushed: dict[str, Any], tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    outcome, runner = scan(pushed, tmp_path, options_for(devenv, cache))
    expected = {
        "CVE-2099-10001",
        "CVE-2099-10002",
        "CVE-2099-10003",
        "CVE-2099-10004",
        "CVE-2099-10005",
    }
    for platform in PLATFORMS:
        assert found(outcome, platform) == expected
    # One DB download shared by both platforms; both scans skip the update.
    assert runner.count("--download-db-only") == 1
    assert runner.count("--skip-db-update", "--scanners") == 2
    assert outcome.trivy_runs == 2

    # The secret baked into a layer, on both platforms, its text not kept.
    for platform_scan in outcome.scans:
        assert [s.rule for s in platform_scan.secrets] == ["aws-access-key-id"]
        assert platform_scan.secrets[0].path == "/root/.aws/credentials"
    assert "AKIA2E0A8F3B244C9986" not in Path(outcome.report_file).read_text()
    # Findings point at the Dockerfile line whose layer brought them in.
    amd64 = next(s for s in outcome.scans if s.platform == "linux/amd64")
    assert {v.dockerfile_line for v in amd64.vulnerabilities} == {3}  # COPY root-${TARGETARCH}/
    assert amd64.secrets[0].dockerfile_line == 4  # COPY credentials
    # The Dockerfile misconfiguration with its line (USER root is line 5): the run's one
    # `trivy config`, run by the lint for the scan (`policy: none`), not by the scan stage.
    assert runner.count("config") == 0
    path = pushed["context"] / "Dockerfile"
    off = PolicyConfig(enabled=False)
    check = lint_dockerfile(
        runner, read_dockerfile(path), path, tmp_path, off, findings=ConfigFindings.SCAN
    )
    misconfigurations = check.misconfigurations
    assert runner.count("trivy", "config") == 1
    root_user = [m for m in misconfigurations if m.id == "DS-0002"]
    assert [(m.start_line, m.severity) for m in root_user] == [(5, "HIGH")]

    report = json.loads(Path(outcome.report_file).read_text())
    openssl = [v for v in report["vulnerabilities"] if v["id"] == "CVE-2099-10001"]
    assert {tuple(v["platforms"]) for v in openssl} == {PLATFORMS}
    options = options_for(devenv, cache)
    dockerfile = str(pushed["context"] / "Dockerfile")
    sarif = render_sarif(
        outcome.scans, misconfigurations, options.severity, dockerfile, options.fail_on
    )
    schema = json.loads((DATA / "sarif-schema-2.1.0.json").read_text())
    jsonschema.Draft4Validator(schema).validate(sarif)
    rule_ids = [r["id"] for r in sarif["runs"][0]["tool"]["driver"]["rules"]]
    assert len(rule_ids) == len(set(rule_ids))
    assert {"CVE-2099-10001", "aws-access-key-id", "DS-0002"} <= set(rule_ids)
    regions = {
        r["ruleId"]: r["locations"][0]["physicalLocation"]["region"]["startLine"]
        for r in sarif["runs"][0]["results"]
    }
    assert (regions["CVE-2099-10001"], regions["aws-access-key-id"], regions["DS-0002"]) == (
        3,
        4,
        5,
    )

    # Same digests, same DB, same options: nothing is scanned again.
    again, runner = scan(pushed, tmp_path, options_for(devenv, cache))
    assert runner.count("--scanners") == 0
    assert again.trivy_runs == 0
    assert all(s.reused for s in again.scans)
    assert found(again, "linux/arm64") == expected


@pytest.fixture(scope="module")
def warm_cache(devenv: DevEnv, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache dir holding the test DB (downloaded once for the filter tests)."""
    cache = tmp_path_factory.mktemp("warm") / "trivy"
    runner = RecordingRunner({"PATH": str(ROOT / ".venv" / "bin") + ":/usr/bin:/bin"})
    from slipway.tools import trivy

    trivy.run_trivy(
        runner, trivy.download_db_argv(devenv.trivy_db, str(cache), insecure=True), timeout=120
    )
    return cache


def fresh_copy(cache: Path, target: Path, updated: datetime, *, due: bool = False) -> Path:
    """A copy of the cache without scan results, its DB stamped ``updated``; ``due``: Trivy
    wants a newer one (NextUpdate passed), so it must reach a repository."""
    shutil.copytree(cache / "db", target / "db")
    metadata = json.loads((target / "db" / "metadata.json").read_text())
    metadata["UpdatedAt"] = updated.strftime("%Y-%m-%dT%H:%M:%SZ")
    if due:
        metadata["NextUpdate"] = metadata["DownloadedAt"] = metadata["UpdatedAt"]
    (target / "db" / "metadata.json").write_text(json.dumps(metadata))
    return target


FILTERS = [
    ({"ignore_unfixed": True}, {"CVE-2099-10003"}, set()),
    (
        {"trivyignores": (str(DATA / "trivyignore" / "plain.trivyignore"),)},
        {"CVE-2099-10002"},
        set(),
    ),
    (
        {"trivyignores": (str(DATA / "trivyignore" / "expiry.trivyignore.yaml"),)},
        {"CVE-2099-10004"},
        {"CVE-2099-10001"},
    ),
    ({"vex": (str(DATA / "vex" / "python-not-affected.openvex.json"),)}, {"CVE-2099-10002"}, set()),
    (
        {
            "trivyignores": (
                str(DATA / "trivyignore" / "plain.trivyignore"),
                str(DATA / "trivyignore" / "expiry.trivyignore.yaml"),
            )
        },
        {"CVE-2099-10002", "CVE-2099-10004"},
        {"CVE-2099-10001"},
    ),
]


@pytest.mark.parametrize(("changes", "gone", "kept"), FILTERS)
def test_filters_change_the_result(
    devenv: DevEnv,
    pushed: dict[str, Any],
    warm_cache: Path,
    tmp_path: Path,
    changes: dict[str, Any],
    gone: set[str],
    kept: set[str],
) -> None:
    cache = fresh_copy(warm_cache, tmp_path / "cache", datetime.now(UTC))
    one = targets(pushed)[1:]  # linux/arm64
    outcome, _ = scan(pushed, tmp_path, options_for(devenv, cache, **changes), targets=one)
    ids = found(outcome, "linux/arm64")
    assert not ids & gone
    assert kept <= ids
    assert "CVE-2099-10005" in ids  # untouched by every filter


def test_report_and_gate_thresholds_differ(
    devenv: DevEnv, pushed: dict[str, Any], warm_cache: Path, tmp_path: Path
) -> None:
    cache = fresh_copy(warm_cache, tmp_path / "cache", datetime.now(UTC))
    options = options_for(
        devenv, cache, severity=(Severity.HIGH,), fail_on=Severity.CRITICAL, scanners=("vuln",)
    )
    outcome, _ = scan(pushed, tmp_path, options)
    report = json.loads(Path(outcome.report_file).read_text())
    assert {v["severity"] for v in report["vulnerabilities"]} == {"HIGH"}
    reasons = gate_reasons(options.fail_on, outcome.scans)
    assert reasons == tuple(
        f"2 CRITICAL vulnerabilities with fixes in {p} (fail-on: CRITICAL)" for p in PLATFORMS
    )
    # The reverse: report CRITICAL only, fail on HIGH.
    reverse = replace(options, severity=(Severity.CRITICAL,), fail_on=Severity.HIGH)
    outcome, _ = scan(pushed, tmp_path / "reverse", reverse)
    report = json.loads(Path(outcome.report_file).read_text())
    assert {v["severity"] for v in report["vulnerabilities"]} == {"CRITICAL"}
    reasons = gate_reasons(reverse.fail_on, outcome.scans)
    assert reasons[0].startswith("2 CRITICAL vulnerabilities with fixes, 3 HIGH vulnerabilities")


def test_first_repository_down_second_serves(
    devenv: DevEnv, pushed: dict[str, Any], tmp_path: Path
) -> None:
    options = options_for(devenv, tmp_path / "cache", db_repositories=(CLOSED, devenv.trivy_db))
    outcome, runner = scan(pushed, tmp_path, options, targets=targets(pushed)[:1])
    assert "CVE-2099-10001" in found(outcome, "linux/amd64")
    assert runner.count("--download-db-only", CLOSED) == options.db_retries  # refused: retried
    assert runner.count("--download-db-only", devenv.trivy_db) == 1
    assert len(outcome.warnings) == 1
    assert CLOSED in outcome.warnings[0]
    assert "connection refused" in outcome.warnings[0]


def test_all_down_with_a_fresh_cached_db(
    devenv: DevEnv, pushed: dict[str, Any], warm_cache: Path, tmp_path: Path
) -> None:
    now = datetime.now(UTC)
    cache = fresh_copy(warm_cache, tmp_path / "cache", now - timedelta(hours=2), due=True)
    options = options_for(devenv, cache, db_repositories=(CLOSED,), db_max_age=86400.0)
    outcome, _ = scan(pushed, tmp_path, options, targets=targets(pushed)[:1], now=now)
    assert "CVE-2099-10001" in found(outcome, "linux/amd64")
    assert len(outcome.warnings) == 1
    assert "within db-max-age" in outcome.warnings[0]
    assert "2h 0m old" in outcome.warnings[0]
    # The same cache, now older than db-max-age: a clear failure.
    too_old = replace(options, db_max_age=3600.0)
    with pytest.raises(ScanError) as raised:
        scan(pushed, tmp_path / "old", too_old, targets=targets(pushed)[:1], now=now)
    assert "older than db-max-age" in raised.value.hint


def test_all_down_and_no_cache_is_a_clear_failure(
    devenv: DevEnv, pushed: dict[str, Any], tmp_path: Path
) -> None:
    other = "127.0.0.1:2/aquasecurity/trivy-db:2"
    options = options_for(devenv, tmp_path / "empty", db_repositories=(CLOSED, other))
    with pytest.raises(ScanError) as raised:
        scan(pushed, tmp_path, options)
    error = raised.value
    assert error.message == "Could not get the Trivy vulnerability DB: every repository failed."
    assert f"  - {CLOSED}: " in error.hint
    assert f"  - {other}: " in error.hint
    assert "connection refused" in error.hint
    assert "No cached DB was found" in error.hint
    assert "GitHub's cache service" in error.hint  # where Slipway keeps the DB itself


def test_local_build_is_scanned_from_the_layout_with_sboms(
    devenv: DevEnv,
    pushed: dict[str, Any],
    local_build: dict[str, Any],
    warm_cache: Path,
    tmp_path: Path,
) -> None:
    cache = fresh_copy(warm_cache, tmp_path / "cache", datetime.now(UTC))
    local = [
        stage.ScanTarget(
            platform,
            digest,
            f"local@{digest}",
            layout_dir=f"{local_build['layout']}@{local_build['index']}",
        )
        for platform, digest in sorted(local_build["digests"].items())
    ]
    sbom = tmp_path / "sbom" / "image.cdx.json"
    options = options_for(devenv, cache, scanners=("vuln",), sbom_file=str(sbom))
    outcome, runner = scan(pushed, tmp_path, options, targets=local)
    for platform in PLATFORMS:
        assert "CVE-2099-10001" in found(outcome, platform)
    assert runner.count("--input", "--platform") == 4  # two scans, two SBOMs
    for platform, path in outcome.sbom_files.items():
        assert path.endswith(f"image-{platform.replace('/', '-')}.cdx.json")
        document = json.loads(Path(path).read_text())
        assert document["bomFormat"] == "CycloneDX"
        assert any(c.get("name") == "libssl3" for c in document.get("components", []))


def test_the_main_run_uses_the_stage(
    devenv: DevEnv, pushed: dict[str, Any], tmp_path: Path
) -> None:
    """python -m slipway: scan, reports written, then the gate fails with its one-line reason."""
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    (workspace / "README.md").write_text("a checkout\n")
    shutil.copytree(pushed["context"], workspace / "ctx")  # read in the workspace only
    before = list(workspace.iterdir())
    repository = unique_repository("slipway-test/scan-run")
    inputs = {
        "IMAGES": f"{devenv.registry}/{repository}",
        "CONTEXT": str(workspace / "ctx"),
        "PLATFORMS": ",".join(PLATFORMS),
        "PUSH": "true",
        "PROVENANCE": "false",
        "TRIVY-DB-REPOSITORY": devenv.trivy_db,
        "TRIVY-CACHE-DIR": str(tmp_path / "trivy"),
    }
    run = run_action(
        tmp_path / "run",
        "push",
        load_event("push", index=4),
        inputs,
        extra_env={"GITHUB_WORKSPACE": str(workspace)},
    )
    assert run.returncode == 1, run.log
    reason = "2 CRITICAL vulnerabilities with fixes, 1 CRITICAL secret in linux/arm64"
    assert f"{reason} (fail-on: CRITICAL)" in run.log
    assert run.outputs["scan-result"] == "failed"
    # The reports are out of the checkout: nothing new in the workspace.
    assert Path(run.outputs["sarif-file"]).is_absolute()
    assert Path(run.outputs["sarif-file"]).name == "slipway-scan.sarif"
    assert not Path(run.outputs["report-file"]).is_relative_to(workspace)
    assert list(workspace.iterdir()) == before
    sarif = json.loads((workspace / run.outputs["sarif-file"]).read_text())
    schema = json.loads((DATA / "sarif-schema-2.1.0.json").read_text())
    jsonschema.Draft4Validator(schema).validate(sarif)
    report = json.loads((workspace / run.outputs["report-file"]).read_text())
    assert sorted(report["platforms"]) == sorted(PLATFORMS)
    counts = json.loads(run.outputs["vulnerabilities"])
    assert counts["linux/arm64"]["fixable"]["CRITICAL"] == 2
    assert counts["all"]["CRITICAL"] == 2
