"""The evidence the gate decided on, attached to the pushed image as OCI artifacts, read back
with the ORAS client (oras-py), which shares no code with Slipway.

The local registry (distribution 2.8) has no referrers API, so the referrers tag schema
(``sha256-<hex>``) lists the artifacts: what ORAS and cosign fall back to for such registries.
"""

from __future__ import annotations

import json
from pathlib import Path

import oras.provider
import pytest

from tests.support.actionrun import ActionRun, run_action, unique_repository
from tests.support.devenv import DevEnv
from tests.support.images import scratch_context
from tests.support.oci import RegistryView
from tests.support.oras_read import discover, pull
from tests.support.payloads import load_event

pytestmark = pytest.mark.integration
PLATFORMS = ("linux/amd64", "linux/arm64")


def run(devenv: DevEnv, tmp_path: Path, repository: str, **more: str) -> ActionRun:
    inputs = {
        "IMAGES": f"{devenv.registry}/{repository}",
        "CONTEXT": str(scratch_context(tmp_path / "workspace" / "ctx", PLATFORMS)),
        "PLATFORMS": ",".join(PLATFORMS),
        "PUSH": "true",
        "PROVENANCE": "false",
        "TRIVY-DB-REPOSITORY": devenv.trivy_db,
        "TRIVY-CACHE-DIR": str(tmp_path / "trivy"),
        "SBOM-FILE": "sbom.cdx.json",
        **more,
    }
    workspace = tmp_path / "workspace"
    workspace.mkdir(exist_ok=True)
    return run_action(
        tmp_path / "run",
        "push",
        load_event("push", index=4),
        inputs,
        extra_env={"GITHUB_WORKSPACE": str(workspace)},
        cwd=workspace,
    )


def test_the_scan_report_and_each_platforms_sbom_refer_to_what_they_describe(
    devenv: DevEnv, tmp_path: Path
) -> None:
    repository = unique_repository("slipway-test/attach")
    result = run(devenv, tmp_path, repository)
    assert result.returncode == 0, result.log
    client = oras.provider.Registry(hostname=devenv.registry, insecure=True)
    name = f"{devenv.registry}/{repository}"
    [report] = discover(client, name, result.outputs["digest"])
    assert report["artifactType"] == "application/vnd.slipway.scan-report.v1+json"
    report_file = tmp_path / "workspace" / result.outputs["report-file"]
    assert pull(client, name, report) == report_file.read_bytes()
    sboms = json.loads(result.outputs["sbom-files"])
    platform_digests = json.loads(result.outputs["platform-digests"])
    assert sorted(sboms) == sorted(PLATFORMS)
    for platform, path in sboms.items():
        [sbom] = discover(client, name, platform_digests[platform])
        assert sbom["artifactType"] == "application/vnd.cyclonedx+json"
        assert sbom["annotations"]["dev.slipway.platform"] == platform
        assert pull(client, name, sbom) == (tmp_path / "workspace" / path).read_bytes()
    view = RegistryView(devenv.registry)
    assert view.tags(repository) == ["master"]
    assert len(view.referrer_tags(repository)) == 3
    assert "attached slipway-scan.json" in result.log


def test_nothing_is_attached_to_an_image_that_fails_the_gate(
    devenv: DevEnv, tmp_path: Path
) -> None:
    repository = unique_repository("slipway-test/attach-fail")
    result = run(devenv, tmp_path, repository, **{"MAX-SIZE": "1"})
    assert result.returncode == 1, result.log
    view = RegistryView(devenv.registry)
    assert view.all_tags(repository) == []  # no image tag, no referrers tag


def test_attach_none_attaches_nothing(devenv: DevEnv, tmp_path: Path) -> None:
    repository = unique_repository("slipway-test/attach-none")
    result = run(devenv, tmp_path, repository, ATTACH="none", SCAN="false", **{"SBOM-FILE": ""})
    assert result.returncode == 0, result.log
    assert RegistryView(devenv.registry).referrer_tags(repository) == []
