"""The reusable workflow (.github/workflows/build.yml) called by another workflow, run by act.

tests/e2e/workflows/reusable-caller.yml calls it for linux/amd64 and linux/arm64; arm64
has no runner in the mapping given, so its job takes the QEMU fallback. Asserted: one
build job per platform, each pushing one untagged part; the merge job's index holds both;
it was scanned and tagged; the report job wrote its summary; the caller read the
workflow's outputs.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.support.act import ActRun, action_image, make_workspace, run_act
from tests.support.actionrun import unique_repository
from tests.support.devenv import load_devenv
from tests.support.oci import RegistryView
from tests.support.payloads import load_event

pytestmark = pytest.mark.e2e


def run_caller(workspace: Path, repository: str, **variables: str) -> ActRun:
    """reusable-caller.yml on a push to main: amd64 on its runner, arm64 under QEMU."""
    devenv = load_devenv()
    payload = load_event("push", index=4)
    payload["ref"] = "refs/heads/main"
    return run_act(
        workspace,
        "push",
        payload,
        "reusable-caller.yml",
        variables={
            "SLIPWAY_IMAGE": f"{devenv.registry}/{repository}",
            "SLIPWAY_PLATFORMS": "linux/amd64,linux/arm64",
            "SLIPWAY_RUNNERS": json.dumps({"linux/amd64": "ubuntu-24.04"}),
            "SLIPWAY_TRIVY_DB": devenv.trivy_db,
            **variables,
        },
        api_url="http://127.0.0.1:9",
    )


def test_caller_builds_each_platform_in_its_own_job_then_merges_scans_reports(
    tmp_path: Path,
) -> None:
    devenv = load_devenv()
    workspace = make_workspace(tmp_path / "repo", action_image())
    repository = unique_repository("slipway-test/act-reusable")
    result = run_caller(workspace, repository)
    assert result.returncode == 0, result.failure()

    # One build job per platform, each pushing exactly one untagged part.
    parts: dict[str, str] = {}
    for platform in ("linux/amd64", "linux/arm64"):
        lines = [line for line in result.log.splitlines() if f"build {platform}" in line]
        digests = {
            m.group(1) for line in lines if (m := re.search(r"set-output:: digest=(\S+)", line))
        }
        assert len(digests) == 1, (platform, digests)
        parts[platform] = digests.pop()
    qemu = [line for line in result.log.splitlines() if "QEMU stand-in" in line]
    assert qemu
    assert all("build linux/arm64" in line for line in qemu)

    outputs = json.loads((workspace / "act-results" / "outputs-reusable.json").read_text())
    registry = RegistryView(devenv.registry)
    digest = outputs["digest"]
    platforms = registry.platforms(repository, digest)
    assert sorted(platforms) == ["linux/amd64", "linux/arm64"]
    for platform, part in parts.items():
        # A part is single-platform: its index (or manifest) names the merged manifest.
        part_platforms = registry.platforms(repository, part)
        assert part_platforms == {platform: platforms[platform]}
    assert registry.tags(repository) == ["main"]
    assert outputs["scan-result"] == "passed"
    assert outputs["tags"] == f"{devenv.registry}/{repository}:main"
    (merge_summary,) = result.summaries("/merge")
    assert "Gate passed" in merge_summary
    (report,) = result.summaries("/report")
    assert "## Slipway build" in report
    assert digest in report


def test_caller_with_push_false_builds_and_scans_every_platform_and_pushes_nothing(
    tmp_path: Path,
) -> None:
    devenv = load_devenv()
    workspace = make_workspace(tmp_path / "repo", action_image())
    repository = unique_repository("slipway-test/act-no-push")
    result = run_caller(workspace, repository, SLIPWAY_PUSH="false")
    assert result.returncode == 0, result.failure()
    assert "push-by-digest pushes to the registry" not in result.log  # the old refusal
    for platform in ("linux/amd64", "linux/arm64"):
        (summary,) = result.summaries(f"build {platform}")
        assert "Gate passed" in summary, summary  # each platform built and scanned alone
    assert not result.summaries("/merge")  # nothing to merge
    assert RegistryView(devenv.registry).tags(repository) == []  # nothing reached the registry
    outputs = json.loads((workspace / "act-results" / "outputs-reusable.json").read_text())
    assert outputs["digest"] == ""
    assert outputs["scan-result"] == "passed"
    (report,) = result.summaries("/report")
    assert "nothing to merge" in report
