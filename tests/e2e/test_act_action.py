"""The action as GitHub runs it: `uses: ./` in a workflow, executed by nektos/act, offline.

tests/e2e/workflows/slipway-action.yml runs the released form of the action (its image by
digest) on real example payloads — a push to main, a tag v1.2.3, a pull request — against
the local registry, the test Trivy DB and the GitHub API stand-in. Asserted: what the
registry holds, the step outputs as a later step read them, the job summary, the
annotations in act's log, and that what the root container created in the workspace
belongs to the workspace's owner afterwards.

The pull-request comment is asserted by tests/e2e/test_pull_request.py (act cannot post one).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.support.act import RUNNER_UID, ActRun, action_image, make_workspace, run_act
from tests.support.actionrun import unique_repository
from tests.support.devenv import DevEnv
from tests.support.oci import RegistryView
from tests.support.payloads import load_event
from tests.support.pytest_github import GitHubStandIn

pytestmark = pytest.mark.e2e
TOKEN = "ghs_slipway_act_e2e"
WORKFLOW = "slipway-action.yml"


@pytest.fixture(scope="module")
def image() -> str:
    return action_image()


@pytest.fixture
def api(github: GitHubStandIn) -> GitHubStandIn:
    github.seed_repo(
        "Codertocat",
        "Hello-World",
        pulls=[{"number": 2, "head_ref": "changes", "base_ref": "master"}],
    )
    github.add_token(TOKEN, "write")
    return github


def run(
    tmp_path: Path,
    image: str,
    devenv: DevEnv,
    api: GitHubStandIn,
    event: str,
    payload: dict[str, Any],
    *,
    repository: str,
    platforms: str,
    fail_on: str,
) -> ActRun:
    workspace = make_workspace(tmp_path / "repo", image)
    return run_act(
        workspace,
        event,
        payload,
        WORKFLOW,
        variables={
            "SLIPWAY_IMAGE": f"{devenv.registry}/{repository}",
            "SLIPWAY_PLATFORMS": platforms,
            "SLIPWAY_FAIL_ON": fail_on,
            "SLIPWAY_TRIVY_DB": devenv.trivy_db,
        },
        secrets={"GITHUB_TOKEN": TOKEN},
        api_url=api.url,
    )


def test_push_to_main_two_platforms(
    tmp_path: Path, image: str, devenv: DevEnv, api: GitHubStandIn
) -> None:
    payload = load_event("push", index=4)
    payload["ref"] = "refs/heads/main"
    repository = unique_repository("slipway-test/act")
    result = run(
        tmp_path,
        image,
        devenv,
        api,
        "push",
        payload,
        repository=repository,
        platforms="linux/amd64,linux/arm64",
        fail_on="none",
    )
    assert result.returncode == 0, result.failure()

    outputs = result.outputs()
    registry = RegistryView(devenv.registry)
    digest = outputs["digest"]
    tags = sorted(registry.tags(repository))
    assert "main" in tags
    assert any(tag.startswith("sha-") for tag in tags)
    for tag in tags:
        served = registry.manifest(repository, tag)
        assert served is not None
        assert served[0] == digest
    platforms = registry.platforms(repository, digest)
    assert sorted(platforms) == ["linux/amd64", "linux/arm64"]
    assert json.loads(outputs["platform-digests"]) == platforms
    assert outputs["scan-result"] == "passed"
    assert outputs["version"] == "main"
    assert f"{devenv.registry}/{repository}:main" in outputs["tags"].splitlines()

    (summary,) = result.summaries("image")
    assert "Gate passed" in summary
    assert "CVE\\-2099\\-10001" in summary
    assert "| `linux/arm64` |" in summary
    # The repository facts came from the GitHub API stand-in, with the workflow's token.
    assert any(r.path == "/repos/Codertocat/Hello-World" and r.token == TOKEN for r in api.requests)
    # The root container handed what it created in the workspace back to its owner.
    created = list((tmp_path / "repo" / ".slipway-trivy").rglob("*"))
    assert created
    assert {p.lstat().st_uid for p in created} == {RUNNER_UID}


def test_tag_v1_2_3_publishes_semver_tags(
    tmp_path: Path, image: str, devenv: DevEnv, api: GitHubStandIn
) -> None:
    payload = load_event("push", index=0)
    payload["ref"] = "refs/tags/v1.2.3"
    payload["base_ref"] = None
    repository = unique_repository("slipway-test/act")
    result = run(
        tmp_path,
        image,
        devenv,
        api,
        "push",
        payload,
        repository=repository,
        platforms="linux/amd64",
        fail_on="none",
    )
    assert result.returncode == 0, result.failure()
    outputs = result.outputs()
    assert outputs["version"] == "1.2.3"
    registry = RegistryView(devenv.registry)
    assert {"1.2.3", "1.2", "latest"} <= set(registry.tags(repository))
    served = registry.manifest(repository, "1.2.3")
    assert served is not None
    assert served[0] == outputs["digest"]


def test_pull_request_failing_the_gate_is_annotated_and_untagged(
    tmp_path: Path, image: str, devenv: DevEnv, api: GitHubStandIn
) -> None:
    payload = load_event("pull_request", "opened")
    repository = unique_repository("slipway-test/act")
    result = run(
        tmp_path,
        image,
        devenv,
        api,
        "pull_request",
        payload,
        repository=repository,
        platforms="linux/amd64",
        fail_on="CRITICAL",
    )
    assert result.returncode != 0
    # act shows the workflow command as an annotation of the failing step.
    annotations = [line for line in result.log.splitlines() if "::error title=" in line]
    assert any("::error title=Security gate failed::" in line for line in annotations), result.log[
        -8000:
    ]
    outputs = result.outputs()  # the later step ran (if: always()) and read them
    assert outputs["scan-result"] == "failed"
    assert outputs["digest"].startswith("sha256:")
    registry = RegistryView(devenv.registry)
    assert registry.tags(repository) == []
    assert registry.manifest(repository, outputs["digest"]) is not None
    (summary,) = result.summaries("image")
    assert "Tags (not applied)" in summary
    assert f"pr-{payload['number']}" in summary
    # One sticky comment on the pull request, posted with the workflow's token.
    (comment,) = api.comments("Codertocat", "Hello-World", payload["number"])
    assert comment.body.startswith("<!-- slipway:report:")
    assert "Gate failed" in comment.body
