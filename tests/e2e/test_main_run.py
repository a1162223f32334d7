"""The whole run on real parts: examples/hello for two platforms, pushed, scanned, tagged, reported.

Real Docker engine + buildx + QEMU, the local registry, real Trivy with the test DB
downloaded from the registry, a real push payload from @octokit/webhooks-examples.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests

from tests.support.actionrun import run_action, unique_repository
from tests.support.devenv import DevEnv
from tests.support.images import scratch_context
from tests.support.oci import RegistryView
from tests.support.payloads import load_event

pytestmark = pytest.mark.e2e
PLATFORMS = ("linux/amd64", "linux/arm64")


def inputs(devenv: DevEnv, repository: str, tmp_path: Path, **more: str) -> dict[str, str]:
    return {
        "IMAGES": f"{devenv.registry}/{repository}",
        "CONTEXT": "examples/hello",
        "PLATFORMS": ",".join(PLATFORMS),
        "PUSH": "true",
        "TRIVY-DB-REPOSITORY": devenv.trivy_db,
        "TRIVY-CACHE-DIR": str(tmp_path / "trivy"),
        **more,
    }


def test_branch_push_builds_pushes_scans_tags_and_reports(devenv: DevEnv, tmp_path: Path) -> None:
    payload = load_event("push", index=4)  # refs/heads/master of Codertocat/Hello-World
    sha = payload["after"]
    repository = unique_repository()
    given = inputs(devenv, repository, tmp_path, TAGS="type=ref,event=branch\ntype=sha")
    run = run_action(tmp_path, "push", payload, {**given, "FAIL-ON": "none"})
    assert run.returncode == 0, run.log

    registry = RegistryView(devenv.registry)
    digest = run.outputs["digest"]
    assert sorted(registry.tags(repository)) == sorted(["master", f"sha-{sha[:7]}"])
    for tag in registry.tags(repository):
        served = registry.manifest(repository, tag)
        assert served is not None
        assert served[0] == digest
    platforms = registry.platforms(repository, digest)
    assert sorted(platforms) == sorted(PLATFORMS)
    index = registry.manifest(repository, digest)
    assert index is not None
    assert index[1]["annotations"]["org.opencontainers.image.revision"] == sha
    assert json.loads(run.outputs["platform-digests"]) == platforms

    for platform, manifest_digest in platforms.items():
        config = registry.config(repository, manifest_digest)
        assert f"{config['os']}/{config['architecture']}" == platform
        labels = config["config"]["Labels"]
        assert labels["org.opencontainers.image.version"] == "master"
        assert labels["org.opencontainers.image.revision"] == sha
        assert (
            labels["org.opencontainers.image.source"] == "https://github.com/Codertocat/Hello-World"
        )
        assert labels["org.opencontainers.image.title"] == "Hello-World"
        # The seed's build args reached the Dockerfile: its own LABEL line was expanded with them.
        label_steps = [
            h["created_by"] for h in config["history"] if h["created_by"].startswith("LABEL ")
        ]
        assert any(f"org.opencontainers.image.revision={sha}" in step for step in label_steps), (
            label_steps
        )
        assert config["config"]["User"] == "10001:10001"

    assert "CVE\\-2099\\-10001" in run.summary  # the planted CRITICAL in openssl
    assert "| `linux/arm64` |" in run.summary
    assert "Gate passed" in run.summary
    assert "provenance attestation per platform" in run.summary
    assert "steps from the cache" in run.summary
    assert "### Dockerfile practices" in run.summary
    assert "### Image size" in run.summary
    assert json.loads(run.outputs["metadata"])["containerimage.digest"]
    # The hosted runner's classic store: a docker-container builder for this run, QEMU is there.
    assert "building with a docker-container builder" in run.log
    assert "builder ready for linux/amd64, linux/arm64" in run.log
    assert "docker run --rm --privileged" not in run.log
    counts = json.loads(run.outputs["vulnerabilities"])
    assert counts["linux/amd64"]["CRITICAL"] >= 1
    assert counts["linux/arm64"]["CRITICAL"] >= 1
    assert run.outputs["scan-result"] == "passed"
    assert run.outputs["tags"].splitlines() == [
        f"{devenv.registry}/{repository}:master",
        f"{devenv.registry}/{repository}:sha-{sha[:7]}",
    ]


def test_tag_push_failing_the_gate_creates_no_tag(devenv: DevEnv, tmp_path: Path) -> None:
    payload = load_event("push", index=0)  # refs/tags/simple-tag
    repository = unique_repository()
    run = run_action(tmp_path, "push", payload, inputs(devenv, repository, tmp_path))
    assert run.returncode == 1, run.log
    assert "::error title=Security gate failed::" in run.log
    assert "in linux/arm64 (fail-on: CRITICAL)" in run.log
    assert "Traceback" not in run.log

    registry = RegistryView(devenv.registry)
    assert registry.tags(repository) == []
    digest = run.outputs["digest"]
    assert registry.manifest(repository, digest) is not None  # inspectable by digest
    assert "Tags (not applied)" in run.summary
    assert run.outputs["scan-result"] == "failed"


def test_bad_platform_stops_before_building(devenv: DevEnv, tmp_path: Path) -> None:
    repository = unique_repository()
    run = run_action(
        tmp_path,
        "push",
        load_event("push", index=4),
        inputs(devenv, repository, tmp_path, PLATFORMS="linux/arm65"),
    )
    assert run.returncode == 2
    assert "::error title=Invalid input::input 'platforms'" in run.log
    assert "docker buildx" not in run.log
    assert RegistryView(devenv.registry).tags(repository) == []


def test_auth_registry_with_tls_and_credentials(devenv: DevEnv, tmp_path: Path) -> None:
    repository = unique_repository()
    given = inputs(
        devenv, repository, tmp_path, USERNAME=devenv.auth_user, PASSWORD=devenv.auth_password
    )
    given["IMAGES"] = f"{devenv.auth_registry}/{repository}"
    given["FAIL-ON"] = "none"
    run = run_action(tmp_path, "push", load_event("push", index=4), given)
    assert run.returncode == 0, run.log
    assert f"::add-mask::{devenv.auth_password}" in run.log
    assert run.log.count(devenv.auth_password) == 1  # only in the mask command itself
    assert run.outputs["scan-result"] == "passed"
    tags = requests.get(
        f"https://{devenv.auth_registry}/v2/{repository}/tags/list",
        auth=(devenv.auth_user, devenv.auth_password),
        verify=devenv.test_ca,
        timeout=30,
    ).json()["tags"]
    assert "master" in tags


def test_wrong_password_fails_before_building(devenv: DevEnv, tmp_path: Path) -> None:
    repository = unique_repository()
    given = inputs(
        devenv, repository, tmp_path, USERNAME=devenv.auth_user, PASSWORD="wrong-password"
    )
    given["IMAGES"] = f"{devenv.auth_registry}/{repository}"
    run = run_action(tmp_path, "push", load_event("push", index=4), given)
    assert run.returncode == 4, run.log
    assert (
        f"::error title=Registry error::{devenv.auth_registry} refused the credentials" in run.log
    )
    assert "docker buildx build" not in run.log
    assert "wrong-password" not in run.log.replace("::add-mask::wrong-password", "")


def test_two_registries_at_once(devenv: DevEnv, tmp_path: Path) -> None:
    """A plain registry and the htpasswd + TLS one, credentials through registry-auth."""
    repository = unique_repository()
    auth = (
        f"- registry: {devenv.auth_registry}\n"
        f"  username: {devenv.auth_user}\n"
        f"  password: {devenv.auth_password}\n"
    )
    given = {
        **inputs(devenv, repository, tmp_path, SCAN="false", PLATFORMS="linux/amd64"),
        "IMAGES": f"{devenv.registry}/{repository}\n{devenv.auth_registry}/{repository}",
        "REGISTRY-AUTH": auth,
    }
    run = run_action(tmp_path, "push", load_event("push", index=4), given)
    assert run.returncode == 0, run.log
    assert run.log.count(devenv.auth_password) == 1  # the mask command only
    plain = RegistryView(devenv.registry).manifest(repository, "master")
    assert plain is not None
    assert plain[0] == run.outputs["digest"]
    served = requests.get(
        f"https://{devenv.auth_registry}/v2/{repository}/manifests/master",
        auth=(devenv.auth_user, devenv.auth_password),
        headers={"Accept": "application/vnd.oci.image.index.v1+json"},
        verify=devenv.test_ca,
        timeout=30,
    )
    assert served.status_code == 200
    assert served.headers["Docker-Content-Digest"] == run.outputs["digest"]


def test_with_scan_off_policy_findings_still_reach_sarif(devenv: DevEnv, tmp_path: Path) -> None:
    """SARIF is rendered once from every finding at the end: no scan, still the policy's."""
    workspace = tmp_path / "workspace"
    context = scratch_context(workspace / "ctx", ("linux/amd64",))  # no USER: runs as root
    run = run_action(
        tmp_path / "run",
        "push",
        load_event("push", index=4),
        {
            "IMAGES": f"{devenv.registry}/{unique_repository()}",
            "CONTEXT": str(context),
            "PLATFORMS": "linux/amd64",
            "SCAN": "false",
            "FAIL-ON": "none",
        },
        extra_env={"GITHUB_WORKSPACE": str(workspace)},
    )
    assert run.returncode == 0, run.log
    assert "trivy image" not in run.log
    sarif = json.loads((workspace / run.outputs["sarif-file"]).read_text())
    rules = {rule["id"] for rule in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert "SW001" in rules, rules  # the final stage runs as root
