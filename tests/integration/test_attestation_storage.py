"""`attestation-storage: referrers`: BuildKit's provenance stored as a referrer of each platform's
manifest instead of as `unknown/unknown` entries of the index, read back with the ORAS client
(oras-py), which shares no code with Slipway.

The local registry (distribution 2.8) has no referrers API, so the referrers tag schema
(``sha256-<hex>``) lists the artifacts: what ``oras discover`` falls back to there.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

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
IN_TOTO = "application/vnd.in-toto+json"
SCAN_REPORT = "application/vnd.slipway.scan-report.v1+json"


def run(devenv: DevEnv, tmp_path: Path, repository: str, **more: str) -> ActionRun:
    inputs = {
        "IMAGES": f"{devenv.registry}/{repository}",
        "CONTEXT": str(scratch_context(tmp_path / "workspace" / "ctx", PLATFORMS)),
        "PLATFORMS": ",".join(PLATFORMS),
        "PUSH": "true",
        "PROVENANCE": "mode=min",
        "TRIVY-DB-REPOSITORY": devenv.trivy_db,
        "TRIVY-CACHE-DIR": str(tmp_path / "trivy"),
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


def platforms_of(index: dict[str, Any]) -> list[str]:
    return sorted(
        f"{e['platform']['os']}/{e['platform']['architecture']}" for e in index["manifests"]
    )


def test_provenance_is_a_referrer_of_each_platform_and_the_index_holds_only_images(
    devenv: DevEnv, tmp_path: Path
) -> None:
    repository = unique_repository("slipway-test/provenance-referrers")
    result = run(devenv, tmp_path, repository, **{"ATTESTATION-STORAGE": "referrers"})
    assert result.returncode == 0, result.log
    digest = result.outputs["digest"]
    view = RegistryView(devenv.registry)
    tagged = view.manifest(repository, "master")
    assert tagged is not None
    assert tagged[0] == digest  # the digest output is what the tag names: the published index
    assert platforms_of(tagged[1]) == sorted(PLATFORMS)  # no unknown/unknown entry
    assert not any("annotations" in e for e in tagged[1]["manifests"])
    assert f"{repository}@{digest}" in result.log.replace(f"{devenv.registry}/", "")
    client = oras.provider.Registry(hostname=devenv.registry, insecure=True)
    name = f"{devenv.registry}/{repository}"
    platform_digests = json.loads(result.outputs["platform-digests"])
    assert sorted(platform_digests) == sorted(PLATFORMS)
    for platform, platform_digest in platform_digests.items():
        [provenance] = discover(client, name, platform_digest)
        assert provenance["artifactType"] == IN_TOTO
        predicate_type = provenance["annotations"]["in-toto.io/predicate-type"]
        assert predicate_type.startswith("https://slsa.dev/provenance/")
        assert provenance["annotations"]["dev.slipway.platform"] == platform
        statement = json.loads(pull(client, name, provenance))
        assert statement["_type"].startswith("https://in-toto.io/Statement/")
        assert statement["predicateType"] == predicate_type
        assert [s["digest"]["sha256"] for s in statement["subject"]] == [
            platform_digest.removeprefix("sha256:")
        ]
    [report] = discover(client, name, digest)  # the scan report names the published index
    assert report["artifactType"] == SCAN_REPORT
    assert "stored provenance-linux-amd64.intoto.json as a referrer" in result.log


def test_the_default_keeps_provenance_inside_the_index(devenv: DevEnv, tmp_path: Path) -> None:
    repository = unique_repository("slipway-test/provenance-index")
    result = run(devenv, tmp_path, repository, SCAN="false", ATTACH="none")
    assert result.returncode == 0, result.log
    tagged = RegistryView(devenv.registry).manifest(repository, "master")
    assert tagged is not None
    assert tagged[0] == result.outputs["digest"]
    assert platforms_of(tagged[1]) == sorted([*PLATFORMS, "unknown/unknown", "unknown/unknown"])
    client = oras.provider.Registry(hostname=devenv.registry, insecure=True)
    name = f"{devenv.registry}/{repository}"
    for platform_digest in json.loads(result.outputs["platform-digests"]).values():
        assert discover(client, name, platform_digest) == []


def test_a_merge_moves_the_parts_provenance_out_of_the_index(
    devenv: DevEnv, tmp_path: Path
) -> None:
    """Parts pushed with their provenance inside (`index`), merged with `referrers`: the merge
    reads each part's statements from the registry and stores them as referrers."""
    repository = unique_repository("slipway-test/provenance-merge")
    parts = []
    for platform in PLATFORMS:
        folder = tmp_path / platform.replace("/", "-")
        part = run(
            devenv,
            folder,
            repository,
            PLATFORMS=platform,
            SCAN="false",
            **{"PUSH-BY-DIGEST": "true"},
        )
        assert part.returncode == 0, part.log
        parts.append(part.outputs["digest"])
    merged = run(
        devenv,
        tmp_path / "merge",
        repository,
        SCAN="false",
        ATTACH="none",
        **{"MERGE-DIGESTS": "\n".join(parts), "ATTESTATION-STORAGE": "referrers"},
    )
    assert merged.returncode == 0, merged.log
    tagged = RegistryView(devenv.registry).manifest(repository, "master")
    assert tagged is not None
    assert tagged[0] == merged.outputs["digest"]
    assert platforms_of(tagged[1]) == sorted(PLATFORMS)
    client = oras.provider.Registry(hostname=devenv.registry, insecure=True)
    name = f"{devenv.registry}/{repository}"
    for platform, platform_digest in json.loads(merged.outputs["platform-digests"]).items():
        [provenance] = discover(client, name, platform_digest)
        assert provenance["annotations"]["dev.slipway.platform"] == platform
        statement = json.loads(pull(client, name, provenance))
        assert statement["subject"][0]["digest"]["sha256"] == platform_digest.split(":")[1]
