"""`slipway --workflow FILE --step ID --dry-run` in a git checkout prints the plan the same
step computes under GitHub Actions for a push of that commit; the output is for people."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from slipway.inputs.spec import INPUTS, Input
from tests.support.devenv import ROOT
from tests.support.payloads import runner_env

pytestmark = pytest.mark.integration
EPOCH = "1764547200"
TOKEN = "ghs_" + "T" * 36  # what ${{ secrets.GITHUB_TOKEN }} is on the runner


def git(folder: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-C", str(folder), *args], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A clone of acme/hello on main, with the README's example workflow in it."""
    folder = tmp_path / "hello"
    (folder / ".github" / "workflows").mkdir(parents=True)
    shutil.copy(
        ROOT / "examples" / "workflows" / "single-step.yml",
        folder / ".github" / "workflows" / "image.yml",
    )
    (folder / "Dockerfile").write_text("FROM scratch\nCOPY Dockerfile /\n")
    git(folder, "init", "-q", "-b", "main")
    git(folder, "remote", "add", "origin", "https://github.com/acme/hello.git")
    git(folder, "add", ".")
    git(folder, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "x")
    return folder


def slipway(folder: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "slipway", *args],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def plan_of(output: str) -> list[str]:
    lines = output.splitlines()
    start = lines.index("plan:")
    return [line for line in lines[start:] if line == "plan:" or line.startswith("  ")]


def local_env() -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "INPUT_"))}
    return {**keep, "SOURCE_DATE_EPOCH": EPOCH, "NO_COLOR": "1"}


def test_the_dry_run_here_is_the_plan_under_actions(checkout: Path, tmp_path: Path) -> None:
    here = slipway(
        checkout,
        local_env(),
        "--workflow",
        ".github/workflows/image.yml",
        "--step",
        "image",
        "--dry-run",
    )
    assert here.returncode == 0, here.stdout + here.stderr
    sha = git(checkout, "rev-parse", "HEAD")
    payload = {
        "ref": "refs/heads/main",
        "after": sha,
        "head_commit": {"id": sha, "timestamp": git(checkout, "show", "-s", "--format=%cI")},
        "repository": {
            "full_name": "acme/hello",
            "name": "hello",
            "owner": {"login": "acme"},
            "html_url": "https://github.com/acme/hello",
            "default_branch": "main",
        },
    }
    event = tmp_path / "event.json"
    event.write_text(json.dumps(payload))
    # What the runner passes for that step: its `with:` block evaluated, the rest defaults.
    inputs = {
        "IMAGES": "ghcr.io/acme/hello",
        "PLATFORMS": "linux/amd64,linux/arm64",
        "PUSH": "true",
        "USERNAME": "acme",
        "PASSWORD": TOKEN,
        "FAIL-ON": "CRITICAL",
        "GITHUB-TOKEN": "",
    }
    actions_env = {
        **local_env(),
        **runner_env("push", payload, event, "http://127.0.0.1:9"),
        "GITHUB_WORKSPACE": str(checkout),
        **{f"INPUT_{k}": v for k, v in inputs.items()},
    }
    there = slipway(checkout, actions_env, "--dry-run")
    assert there.returncode == 0, there.stdout + there.stderr
    assert plan_of(here.stdout) == plan_of(there.stdout)
    assert "    ghcr.io/acme/hello:main" in plan_of(here.stdout)
    assert f"org.opencontainers.image.revision={sha}" in here.stdout
    # For people: no workflow commands, no output protocol; what was left out is said.
    assert [line for line in here.stdout.splitlines() if line.startswith("::")] == []
    assert "input 'password'" in here.stdout + here.stderr
    assert TOKEN not in there.stdout.replace(f"::add-mask::{TOKEN}", "")


def test_help_lists_every_input_and_a_bad_option_is_refused(checkout: Path) -> None:
    shown = slipway(checkout, local_env(), "--help")
    assert shown.returncode == 0
    assert "--registry-auth" in shown.stdout
    assert "--trivy-db-repository" in shown.stdout
    refused = slipway(checkout, local_env(), "--imagez", "x")
    assert refused.returncode == 2
    assert "unknown option --imagez; did you mean --images?" in refused.stderr


def test_outside_a_checkout_the_error_says_so(tmp_path: Path) -> None:
    result = slipway(
        tmp_path,
        {**local_env(), "GIT_CEILING_DIRECTORIES": str(tmp_path)},
        "--images",
        "ghcr.io/acme/app",
        "--dry-run",
    )
    assert result.returncode == 2
    assert "not a git checkout" in result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr


PLANTED = "pl4nt3d-cli-" + "z9" * 8


@pytest.mark.parametrize(
    "spec",
    [s for s in INPUTS if s.sensitive and s.name != "github-token"],  # the API: e2e
    ids=lambda s: s.name,
)
def test_the_commands_plan_shows_no_planted_secret(spec: Input, checkout: Path) -> None:
    value = spec.sensitive.replace("{secret}", PLANTED)
    needs = {  # the input a secret belongs to, which must be set with it
        "password": ["--username", "octocat"],
        "sign-key-password": [
            "--sign-key",
            "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----",
        ],
    }
    more = needs.get(spec.name, [])
    env = {**local_env(), "NPM_TOKEN": PLANTED}  # what secret-envs' planted entry names
    result = slipway(
        checkout, env, "--images", "ghcr.io/acme/hello", f"--{spec.name}", value, *more, "--dry-run"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "plan:" in result.stdout
    assert PLANTED not in result.stdout + result.stderr
