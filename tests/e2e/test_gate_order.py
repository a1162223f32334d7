"""Never tag what fails the gate: push by digest, scan, then tag (real Trivy, planted CRITICAL)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.actionrun import ActionRun, run_action, unique_repository
from tests.support.devenv import DevEnv
from tests.support.oci import RegistryView
from tests.support.payloads import load_event

pytestmark = pytest.mark.e2e


def release(
    devenv: DevEnv, tmp_path: Path, repository: str, version: str, fail_on: str
) -> ActionRun:
    """A push of tag ``version`` (a real push payload, ref re-pointed at the tag)."""
    payload = load_event("push", index=0)
    payload["ref"] = f"refs/tags/{version}"
    given = {
        "IMAGES": f"{devenv.registry}/{repository}",
        "CONTEXT": "examples/hello",
        "PLATFORMS": "linux/amd64,linux/arm64",
        "PUSH": "true",
        "TAGS": "type=semver,pattern={{version}}",
        "FAIL-ON": fail_on,
        "TRIVY-DB-REPOSITORY": devenv.trivy_db,
        "TRIVY-CACHE-DIR": str(tmp_path / "trivy"),
    }
    return run_action(tmp_path, "push", payload, given)


def test_failing_release_moves_no_tag_and_keeps_the_old_latest(
    devenv: DevEnv, tmp_path: Path
) -> None:
    repository = unique_repository("slipway-test/gate")
    view = RegistryView(devenv.registry)
    good = release(devenv, tmp_path / "good", repository, "v1.2.2", "none")
    assert good.returncode == 0, good.log
    assert sorted(view.tags(repository)) == ["1.2.2", "latest"]

    bad = release(devenv, tmp_path / "bad", repository, "v1.2.3", "CRITICAL")
    assert bad.returncode == 1, bad.log
    assert "::error title=Security gate failed::" in bad.log
    assert "in linux/amd64 (fail-on: CRITICAL)" in bad.log
    assert "Gate failed" in bad.summary  # the summary is written before the exit
    assert bad.outputs["scan-result"] == "failed"
    assert sorted(view.tags(repository)) == ["1.2.2", "latest"]  # no 1.2.3; latest not moved
    latest = view.manifest(repository, "latest")
    assert latest is not None
    assert latest[0] == good.outputs["digest"]
    assert view.manifest(repository, bad.outputs["digest"]) is not None  # inspectable by digest


def test_fail_on_none_tags_the_scanned_index(devenv: DevEnv, tmp_path: Path) -> None:
    repository = unique_repository("slipway-test/gate-none")
    run = release(devenv, tmp_path, repository, "v2.0.0", "none")
    assert run.returncode == 0, run.log
    assert run.outputs["scan-result"] == "passed"
    view = RegistryView(devenv.registry)
    for tag in ("2.0.0", "latest"):
        served = view.manifest(repository, tag)
        assert served is not None
        assert served[0] == run.outputs["digest"]
    platform_manifests = set(view.platforms(repository, run.outputs["digest"]).values())
    scanned = {ref.split("@")[-1] for ref in _scanned_refs(run)}
    assert scanned == platform_manifests  # the tags name exactly what was scanned


def _scanned_refs(run: ActionRun) -> list[str]:
    """The image references Trivy was run on, from the logged command lines."""
    return [
        part
        for line in run.log.splitlines()
        if line.startswith("$ trivy image")
        for part in line.split()
        if "@sha256:" in part
    ]


def test_tag_on_gate_failure_restores_publish_then_scan(devenv: DevEnv, tmp_path: Path) -> None:
    repository = unique_repository("slipway-test/gate-old-way")
    payload = load_event("push", index=0)
    payload["ref"] = "refs/tags/v3.0.0"
    given = {
        "IMAGES": f"{devenv.registry}/{repository}",
        "CONTEXT": "examples/hello",
        "PLATFORMS": "linux/amd64",
        "PUSH": "true",
        "TAGS": "type=semver,pattern={{version}}",
        "TAG-ON-GATE-FAILURE": "true",
        "TRIVY-DB-REPOSITORY": devenv.trivy_db,
        "TRIVY-CACHE-DIR": str(tmp_path / "trivy"),
    }
    run = run_action(tmp_path, "push", payload, given)
    assert run.returncode == 1, run.log  # the gate still fails the job...
    assert sorted(RegistryView(devenv.registry).tags(repository)) == [
        "3.0.0",
        "latest",
    ]  # ...after publishing
    assert "failed the gate" in run.summary
