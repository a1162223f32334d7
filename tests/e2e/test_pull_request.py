"""A pull request run end to end: built and scanned without a push, reported on the PR.

The GitHub API stand-in (OpenAPI-validated) records the sticky comment; a re-run updates
it in place; a fork's read-only token gets no comment but the comment file.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.actionrun import ActionRun, run_action, unique_repository
from tests.support.devenv import DevEnv
from tests.support.oci import RegistryView
from tests.support.payloads import load_event
from tests.support.pytest_github import GitHubStandIn

pytestmark = pytest.mark.e2e
TOKEN = "ghs_pull_request_e2e"


def pr_run(
    devenv: DevEnv, tmp_path: Path, github: GitHubStandIn, repository: str, token: str
) -> ActionRun:
    payload = load_event("pull_request", "opened")
    given = {
        "IMAGES": f"{devenv.registry}/{repository}",
        "CONTEXT": "examples/hello",
        "PLATFORMS": "linux/amd64",
        "PUSH": "false",
        "GITHUB-TOKEN": token,
        "TRIVY-DB-REPOSITORY": devenv.trivy_db,
        "TRIVY-CACHE-DIR": str(tmp_path / "trivy"),
    }
    workspace = tmp_path / "workspace"
    workspace.mkdir(parents=True, exist_ok=True)
    return run_action(
        tmp_path / "run",
        "pull_request",
        payload,
        given,
        api_url=github.url,
        extra_env={"GITHUB_WORKSPACE": str(workspace)},
    )


def test_pull_request_gets_one_sticky_comment_updated_on_rerun(
    devenv: DevEnv, tmp_path: Path, github: GitHubStandIn
) -> None:
    github.seed_repo(
        "Codertocat",
        "Hello-World",
        pulls=[{"number": 2, "head_ref": "changes", "base_ref": "master"}],
    )
    github.add_token(TOKEN, "write")
    repository = unique_repository("slipway-test/pr")
    first = pr_run(devenv, tmp_path / "1", github, repository, TOKEN)
    assert first.returncode == 1, first.log  # the planted CRITICAL fails the gate...
    assert RegistryView(devenv.registry).tags(repository) == []  # ...and nothing was pushed
    comments = github.comments("Codertocat", "Hello-World", 2)
    assert len(comments) == 1
    body = comments[0].body
    assert body.startswith("<!-- slipway:report:")
    assert "CVE\\-2099\\-10001" in body
    assert "Gate failed" in body
    assert (
        "::error title=CVE-2099-10001 in openssl,file=examples/hello/Dockerfile,line=13::"
        in first.log
    )

    second = pr_run(devenv, tmp_path / "2", github, repository, TOKEN)
    assert second.returncode == 1, second.log
    again = github.comments("Codertocat", "Hello-World", 2)
    assert len(again) == 1  # updated in place, never a second comment
    assert again[0].id == comments[0].id


def test_fork_token_gets_no_comment_but_the_file(
    devenv: DevEnv, tmp_path: Path, github: GitHubStandIn
) -> None:
    github.seed_repo(
        "Codertocat",
        "Hello-World",
        pulls=[{"number": 2, "head_ref": "changes", "base_ref": "master"}],
    )
    github.add_token("ghs_fork_read_only", "read")
    run = pr_run(
        devenv, tmp_path, github, unique_repository("slipway-test/pr-fork"), "ghs_fork_read_only"
    )
    assert run.returncode == 1, run.log
    assert github.comments("Codertocat", "Hello-World", 2) == []
    assert run.log.count("::notice") >= 1
    comment_file = tmp_path / "workspace" / run.outputs["comment-file"]
    data = json.loads(comment_file.read_text())
    assert data["pr_number"] == 2
    assert data["body"].startswith(data["marker"])
    github.take_violations()  # the refused write is expected
