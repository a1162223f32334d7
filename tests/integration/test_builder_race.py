"""Two jobs on one engine create the builder of one configuration at the same moment (a
self-hosted machine with two runners, the jobs of an act matrix): both build with it, neither
removes the other's (tools/builder.py, `Builders.create`)."""

from __future__ import annotations

import io
import os
import subprocess
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from slipway.buildx.builders import BuilderSpec, builder_name
from slipway.inputs import BuildOptions
from slipway.runner.workflow import Workflow
from slipway.tools import builder
from slipway.tools.builder import Builders
from slipway.tools.run import Runner
from tests.support.devenv import DevEnv


@pytest.mark.parametrize("shared", [False, True], ids=["own-configs", "one-config"])
def test_two_jobs_creating_one_builder_both_get_it(
    devenv: DevEnv, tmp_path: Path, shared: bool
) -> None:
    # A configuration of this test's own (a unique buildkitd.toml): a builder nobody else has.
    config = f'# {uuid.uuid4().hex}\n[registry."127.0.0.1:5000"]\nhttp = true\n'
    options = BuildOptions(driver="docker-container", buildkit_image=devenv.buildkit_image)

    def job(n: int) -> str:
        home = tmp_path / f"job{n}"
        home.mkdir()
        # each job its own Docker config (GitHub, act), or two runs on one laptop's config
        docker = tmp_path / "docker" if shared else home / "docker"
        docker.mkdir(exist_ok=True)
        env = {**os.environ, "DOCKER_CONFIG": str(docker)}
        builders = Builders(Runner(Workflow({}, io.StringIO()), env), home)
        return builders.create("docker-container", options, config)

    with ThreadPoolExecutor(2) as pool:
        names = list(pool.map(job, (1, 2)))
    try:
        assert names[0] == names[1]
        listed = subprocess.run(
            [
                "docker",
                "ps",
                "--filter",
                f"name=^buildx_buildkit_{names[0]}0$",
                "--format",
                "{{.Status}}",
            ],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout.split("\n")
        assert len([line for line in listed if line.startswith("Up")]) == 1
    finally:
        subprocess.run(
            ["docker", "rm", "-f", "-v", f"buildx_buildkit_{names[0]}0"],
            capture_output=True,
            check=False,
            timeout=60,
        )
        subprocess.run(
            ["docker", "volume", "rm", "-f", f"buildx_buildkit_{names[0]}0_state"],
            capture_output=True,
            check=False,
            timeout=60,
        )
    assert _locks() == []  # neither job left its lock on the engine


def _locks() -> list[str]:
    return subprocess.run(
        ["docker", "ps", "-a", "--filter", f"label={builder.LOCK_LABEL}", "--format", "{{.Names}}"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.split()


def _remove_builder(name: str) -> None:
    subprocess.run(
        ["docker", "rm", "-f", "-v", f"buildx_buildkit_{name}0"],
        capture_output=True,
        check=False,
        timeout=60,
    )
    subprocess.run(
        ["docker", "volume", "rm", "-f", f"buildx_buildkit_{name}0_state"],
        capture_output=True,
        check=False,
        timeout=60,
    )


def _hold_lock(name: str, image: str) -> str:
    """Another job's lock on builder ``name``."""
    lock = builder.LOCK_PREFIX + name
    subprocess.run(
        ["docker", "container", "create", "--name", lock, "--label", builder.LOCK_LABEL, image],
        capture_output=True,
        check=True,
        timeout=300,
    )
    return lock


def _own_config(image: str) -> tuple[str, str]:
    """A buildkitd.toml nobody else has, and the name of its builder."""
    config = f'# {uuid.uuid4().hex}\n[registry."127.0.0.1:5000"]\nhttp = true\n'
    return config, builder_name(BuilderSpec("", "docker-container", image=image), config)


def test_a_job_waits_while_another_creates_the_builder_then_takes_it(
    devenv: DevEnv, tmp_path: Path
) -> None:
    config, name = _own_config(devenv.buildkit_image)
    options = BuildOptions(driver="docker-container", buildkit_image=devenv.buildkit_image)
    lock = _hold_lock(name, devenv.buildkit_image)
    waits: list[float] = []

    def sleep(seconds: float) -> None:  # the other job finishes after three polls
        waits.append(seconds)
        if len(waits) == 3:
            subprocess.run(
                ["docker", "rm", "-f", lock], capture_output=True, check=True, timeout=60
            )

    env = {**os.environ, "DOCKER_CONFIG": str(tmp_path / "docker")}
    builders = Builders(Runner(Workflow({}, io.StringIO()), env), tmp_path, sleep=sleep)
    try:
        assert builders.create("docker-container", options, config) == name
        assert waits == [builder.LOCK_POLL] * 3  # it waited for the lock, then made the builder
        assert _locks() == []
    finally:
        _remove_builder(name)


def test_a_lock_left_by_a_killed_job_is_taken_over(
    devenv: DevEnv, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config, name = _own_config(devenv.buildkit_image)
    options = BuildOptions(driver="docker-container", buildkit_image=devenv.buildkit_image)
    _hold_lock(name, devenv.buildkit_image)
    monkeypatch.setattr(builder, "LOCK_STALE", -1.0)  # any lock is older than that

    def sleep(seconds: float) -> None:
        raise AssertionError(f"waited {seconds} s for a stale lock")

    env = {**os.environ, "DOCKER_CONFIG": str(tmp_path / "docker")}
    builders = Builders(Runner(Workflow({}, io.StringIO()), env), tmp_path, sleep=sleep)
    try:
        assert builders.create("docker-container", options, config) == name
        assert _locks() == []
    finally:
        _remove_builder(name)
