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

from slipway.inputs import BuildOptions
from slipway.runner.workflow import Workflow
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
            ["docker", "ps", "--filter", f"name=^buildx_buildkit_{names[0]}0$", "--format",
             "{{.Status}}"], capture_output=True, text=True, check=True, timeout=60,
        ).stdout.split("\n")  # fmt: skip
        assert len([line for line in listed if line.startswith("Up")]) == 1
    finally:
        subprocess.run(["docker", "rm", "-f", "-v", f"buildx_buildkit_{names[0]}0"],
                       capture_output=True, check=False, timeout=60)  # fmt: skip
        subprocess.run(["docker", "volume", "rm", "-f", f"buildx_buildkit_{names[0]}0_state"],
                       capture_output=True, check=False, timeout=60)  # fmt: skip
