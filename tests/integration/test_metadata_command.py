"""``python -m slipway metadata``: the documented contract, run as the runner runs it.

Real webhook payloads, the GitHub API stand-in for the repository record, and the
``GITHUB_OUTPUT`` / ``GITHUB_ENV`` files read back as the runner reads them.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support import payloads
from tests.support.pytest_github import GitHubStandIn

TOKEN = "ghs_metadata_command_token"
OCI = "org.opencontainers.image"


@dataclass(frozen=True)
class Run:
    """What one ``python -m slipway metadata`` left behind."""

    returncode: int
    log: str
    outputs: dict[str, str]
    exported: dict[str, str]


def _records(path: Path) -> dict[str, str]:
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    pattern = r"^(\S+?)<<(\S+)\n(.*?)\n?\2$"
    return {m[1]: m[3] for m in re.finditer(pattern, text, flags=re.MULTILINE | re.DOTALL)}


def run_metadata(tmp_path: Path, event: str, payload: dict[str, Any], **env: str) -> Run:
    """Write the event, run the command with the runner's environment, read the files."""
    api = env.pop("api", "http://127.0.0.1:9")
    runner = payloads.write_event(tmp_path / "event.json", event, payload, api)
    files = {"GITHUB_OUTPUT": tmp_path / "output", "GITHUB_ENV": tmp_path / "env"}
    full = {
        "PATH": "/usr/bin:/bin",
        **runner,
        **{k: str(v) for k, v in files.items()},
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary"),
        **env,
    }
    done = subprocess.run(
        [sys.executable, "-m", "slipway", "metadata"],
        env=full,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return Run(
        done.returncode,
        done.stdout + done.stderr,
        _records(files["GITHUB_OUTPUT"]),
        _records(files["GITHUB_ENV"]),
    )


def _tag_push(tag: str) -> dict[str, Any]:
    payload = payloads.load_event("push", None, 0)
    payload["ref"] = f"refs/tags/{tag}"
    return payload


def test_tag_push_with_the_repository_from_the_api(tmp_path: Path, github: GitHubStandIn) -> None:
    github.add_token(TOKEN, "read")
    github.seed_repo("Codertocat", "Hello-World", description="Hello app", license="MIT")
    result = run_metadata(
        tmp_path,
        "push",
        _tag_push("v1.2.3"),
        api=github.url,
        **{
            "INPUT_IMAGES": "ghcr.io/codertocat/hello",
            "INPUT_TAGS": "type=semver,pattern={{version}}\ntype=semver,pattern={{major}}",
            "INPUT_GITHUB-TOKEN": TOKEN,
            "SOURCE_DATE_EPOCH": "1700000000",
        },
    )
    assert result.returncode == 0, result.log
    assert result.outputs["version"] == "1.2.3"
    assert result.outputs["tags"].splitlines() == [
        "ghcr.io/codertocat/hello:1.2.3",
        "ghcr.io/codertocat/hello:1",
        "ghcr.io/codertocat/hello:latest",
    ]
    assert result.outputs["tag-names"].splitlines() == ["1.2.3", "1", "latest"]
    labels = dict(line.split("=", 1) for line in result.outputs["labels"].splitlines())
    assert labels[f"{OCI}.description"] == "Hello app"
    assert labels[f"{OCI}.licenses"] == "MIT"
    assert labels[f"{OCI}.created"] == "2023-11-14T22:13:20.000Z"
    assert result.outputs["annotations"].startswith(f"manifest:{OCI}.created=")
    document = json.loads(result.outputs["json"])
    assert document["labels"] == labels
    assert result.exported["DOCKER_METADATA_OUTPUT_TAG_NAMES"] == result.outputs["tag-names"]
    assert result.exported["DOCKER_METADATA_OUTPUT_JSON"] == result.outputs["json"]
    assert TOKEN not in result.log


def test_pull_request_without_a_token_uses_the_payload(tmp_path: Path) -> None:
    result = run_metadata(
        tmp_path,
        "pull_request",
        payloads.load_event("pull_request", "opened"),
        INPUT_IMAGES="user/app",
        DOCKER_METADATA_SET_OUTPUT_ENV="false",
    )
    assert result.returncode == 0, result.log
    assert result.outputs["tags"] == "user/app:pr-2"
    assert "::warning::no github-token" in result.log
    assert f"{OCI}.title=Hello-World" in result.outputs["labels"]
    assert result.exported == {}


def test_latest_highest_keeps_latest_on_the_newest_major(
    tmp_path: Path, github: GitHubStandIn
) -> None:
    github.add_token(TOKEN, "read")
    github.seed_repo(
        "Codertocat",
        "Hello-World",
        tags=[{"name": name, "sha": "b" * 40} for name in ("v2.1.0", "v1.4.1", "v1.4.0")],
    )
    result = run_metadata(
        tmp_path,
        "push",
        _tag_push("v1.4.1"),
        api=github.url,
        INPUT_IMAGES="user/app",
        INPUT_FLAVOR="latest=highest",
        **{"INPUT_GITHUB-TOKEN": TOKEN},
    )
    assert result.returncode == 0, result.log
    assert result.outputs["tags"] == "user/app:v1.4.1"
    assert "older than v2.1.0" in result.log


def test_bad_input_exits_2_with_one_clear_error(tmp_path: Path) -> None:
    result = run_metadata(
        tmp_path,
        "push",
        payloads.load_event("push", None, 4),
        INPUT_IMAGES="user/app",
        INPUT_TAGS="type=semver",
    )
    assert result.returncode == 2
    assert "::error title=Invalid input::input 'tags'" in result.log
    assert "needs the pattern attribute" in result.log
    assert "Traceback" not in result.log
    assert result.outputs == {}


def test_commit_date_comes_from_the_commits_api(tmp_path: Path, github: GitHubStandIn) -> None:
    github.add_token(TOKEN, "read")
    payload = payloads.load_event("workflow_dispatch")  # no commit date in the payload
    env = payloads.runner_env("workflow_dispatch", payload, tmp_path / "e.json", github.url)
    owner, name = payload["repository"]["full_name"].split("/")
    github.seed_repo(
        owner, name, commits=[{"sha": env["GITHUB_SHA"], "date": "2020-02-29T23:30:00Z"}]
    )
    result = run_metadata(
        tmp_path,
        "workflow_dispatch",
        payload,
        api=github.url,
        **{
            "INPUT_IMAGES": "ghcr.io/o/app",
            "INPUT_TAGS": "type=raw,value={{commit_date 'YYYYMMDD-HHmm' tz='Asia/Tokyo'}}",
            "INPUT_GITHUB-TOKEN": TOKEN,
        },
    )
    assert result.returncode == 0, result.log
    assert result.outputs["tags"] == "ghcr.io/o/app:20200301-0830"
    assert any(r.path.endswith(f"/commits/{env['GITHUB_SHA']}") for r in github.requests)


def test_unknown_commit_warns_and_falls_back(tmp_path: Path, github: GitHubStandIn) -> None:
    github.add_token(TOKEN, "read")
    payload = payloads.load_event("workflow_dispatch")
    github.seed_repo(*payload["repository"]["full_name"].split("/"))
    result = run_metadata(
        tmp_path,
        "workflow_dispatch",
        payload,
        api=github.url,
        **{
            "INPUT_IMAGES": "ghcr.io/o/app",
            "INPUT_TAGS": "type=raw,value={{commit_date 'YYYY'}}",
            "INPUT_GITHUB-TOKEN": TOKEN,
            "SOURCE_DATE_EPOCH": "1767225600",
        },
    )
    assert result.returncode == 0, result.log
    assert "::warning::GitHub API commit failed (HTTP 422" in result.log
    assert re.fullmatch(r"ghcr\.io/o/app:\d{4}", result.outputs["tags"])
