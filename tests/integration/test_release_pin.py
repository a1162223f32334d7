"""scripts/release-pin in a copy of this repository: a caller who pins the reusable
workflow by the release's SHA runs the action of a fixed commit, which runs the image by
digest; nothing in the release names a movable tag."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
IMAGE = "ghcr.io/slipway/slipway@sha256:" + "b" * 64


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    (repo / ".github" / "workflows").mkdir(parents=True)
    (repo / "scripts").mkdir()
    for name in ("action.yml", ".github/workflows/build.yml", "scripts/release-pin"):
        shutil.copy2(ROOT / name, repo / name)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "the release's source")
    return repo


def release(repo: Path, version: str, image: str = IMAGE) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["scripts/release-pin"],
        cwd=repo,
        env={
            "PATH": "/usr/bin:/bin",
            "IMAGE": image,
            "VERSION": version,
            "GITHUB_REPOSITORY": "acme/slipway",
            "HOME": str(repo),
            "GIT_AUTHOR_NAME": "t",
            "GIT_AUTHOR_EMAIL": "t@example.invalid",
            "GIT_COMMITTER_NAME": "t",
            "GIT_COMMITTER_EMAIL": "t@example.invalid",
        },
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_workflow_runs_the_action_of_a_fixed_commit_which_runs_the_image(repo: Path) -> None:
    done = release(repo, "v1.2.3")
    assert done.returncode == 0, done.stderr
    tagged = done.stdout.strip()
    assert git(repo, "rev-parse", "v1.2.3^{commit}") == tagged
    assert git(repo, "rev-parse", "v1^{commit}") == tagged
    workflow = yaml.safe_load(git(repo, "show", f"{tagged}:.github/workflows/build.yml"))
    uses = [
        step["uses"]
        for job in workflow["jobs"].values()
        for step in job.get("steps", [])
        if "slipway@" in step.get("uses", "")
    ]
    assert len(uses) == 2
    (action_commit,) = {u.split("@")[1] for u in uses}
    assert all(u.startswith("acme/slipway@") for u in uses)
    assert len(action_commit) == 40  # a commit, not a tag
    action = yaml.safe_load(git(repo, "show", f"{action_commit}:action.yml"))
    assert action["runs"]["image"] == f"docker://{IMAGE}"
    # the other actions the workflow uses keep their own pins
    text = git(repo, "show", f"{tagged}:.github/workflows/build.yml")
    assert "actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683" in text


def test_a_prerelease_leaves_the_major_tag(repo: Path) -> None:
    assert release(repo, "v2.0.0-rc.1").returncode == 0
    assert git(repo, "tag", "--list") == "v2.0.0-rc.1"


@pytest.mark.parametrize(("image", "version"), [("ghcr.io/x/y:v1", "v1.0.0"), (IMAGE, "latest")])
def test_a_movable_image_or_version_is_refused(repo: Path, image: str, version: str) -> None:
    done = release(repo, version, image)
    assert done.returncode == 2
    assert git(repo, "rev-list", "--count", "HEAD") == "1"  # nothing committed
