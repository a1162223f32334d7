"""The launcher's jobs as GitHub runs them (tests/support/launcher.py): a hosted job is a new
machine, a self-hosted runner keeps its engine's builders but still empties runner temp.

The steps are tiny: the action image with ``runs.entrypoint: /bin/sh`` (DockerRun's
``--entrypoint``), looking at what a step sees and creating a buildx builder from inside the
step, as Slipway does; what they see comes back through ``GITHUB_OUTPUT`` (heredocs, as the launcher reads it).
"""

from __future__ import annotations

import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest

from tests.support.act import action_image
from tests.support.devenv import load_devenv
from tests.support.launcher import (
    Engine,
    Job,
    Machine,
    NotANewMachineError,
    Runtime,
    StepResult,
    job,
)
from tests.support.payloads import load_event

pytestmark = [pytest.mark.e2e, pytest.mark.new_machine]

HOSTED = Engine("hosted", "/var/run/docker.sock")
RUNNERS_OWN = "_github_home _github_workflow _runner_file_commands"  # what a step finds in _temp

# What the step sees, as outputs; then, when PROBE_CREATE is set, a builder named PROBE.
SCRIPT = r"""
set -eu
listing() { ls -A "$1" | tr '\n' ' ' | sed 's/ $//'; }
out() { printf '%s<<_END_\n%s\n_END_\n' "$1" "$2" >>"$GITHUB_OUTPUT"; }
out action "$GITHUB_ACTION"
out environment "$RUNNER_ENVIRONMENT"
out temp "$(listing "$RUNNER_TEMP")"
out home "$(listing "$HOME")"
out runtime "$(env | sed -n 's/^\(ACTIONS_[A-Z_]*\)=.*/\1/p' | sort | tr '\n' ' ' | sed 's/ $//')"
if [ "${ACTIONS_ID_TOKEN_REQUEST_TOKEN:-}" = "$ACTIONS_RUNTIME_TOKEN" ]; then
  out id-token "the runtime token"
fi
out engine-has "$(docker ps -a --filter "name=^buildx_buildkit_${PROBE}0\$" --format '{{.Names}}')"
out buildx-knows "$(docker buildx ls --format '{{.Name}}' | grep -cx "$PROBE" || true)"
touch "$RUNNER_TEMP/left-by-$GITHUB_ACTION" "$HOME/left-by-$GITHUB_ACTION"
if [ -n "${PROBE_CREATE:-}" ]; then
  set -x
  docker buildx create --name "$PROBE" --driver docker-container \
    --driver-opt "image=$BUILDKIT_IMAGE" --bootstrap
fi
"""
ALWAYS = "ACTIONS_CACHE_URL ACTIONS_RESULTS_URL ACTIONS_RUNTIME_TOKEN ACTIONS_RUNTIME_URL"


def look(current: Job, probe: str, *, create: bool = False) -> StepResult:
    """One tiny step: what it sees; with ``create``, it makes the builder ``probe``."""
    env = {"PROBE": probe, "BUILDKIT_IMAGE": load_devenv().buildkit_image}
    if create:
        env["PROBE_CREATE"] = "1"
    result = current.run_step(
        action_image(),
        {},
        payload=load_event("push", index=4),
        extra_env=env,
        entrypoint="/bin/sh",
        args=("-c", SCRIPT),
    )
    assert result.returncode == 0, result.log
    return result


def parts(probe: str) -> set[str]:
    return {f"buildx_buildkit_{probe}0", f"buildx_buildkit_{probe}0_state"}


def test_each_hosted_job_is_a_new_machine(tmp_path: Path) -> None:
    probe = f"launcher-probe-{uuid.uuid4().hex[:8]}"
    with Machine(tmp_path / "runner") as machine:
        with job(machine, HOSTED) as first:
            made = look(first, probe, create=True)
            assert made.outputs["action"] == "__slipway_slipway"
            assert made.outputs["environment"] == "github-hosted"
            assert made.outputs["temp"] == RUNNERS_OWN
            assert made.outputs["home"] == ""
            assert made.outputs["runtime"] == ALWAYS  # no id-token: write, no cache mode
            assert parts(probe) <= HOSTED.builder_parts()
            # the job's next step: the same machine, runner temp and home kept
            same_job = look(first, probe)
            assert same_job.outputs["action"] == "__slipway_slipway_2"
            assert "left-by-__slipway_slipway" in same_job.outputs["temp"].split()
            assert "left-by-__slipway_slipway" in same_job.outputs["home"].split()
            assert same_job.outputs["engine-has"] == f"buildx_buildkit_{probe}0"
            assert same_job.outputs["buildx-knows"] == "1"
        # the VM is discarded: runner temp emptied, the builder the step made gone
        assert list(machine.temp.iterdir()) == []
        assert parts(probe) & HOSTED.builder_parts() == set()
        with job(machine, HOSTED) as second:
            fresh = look(second, probe)
        assert fresh.outputs["action"] == "__slipway_slipway"  # a new job counts again
        assert fresh.outputs["temp"] == RUNNERS_OWN
        assert fresh.outputs["home"] == ""
        assert fresh.outputs["engine-has"] == ""
        assert fresh.outputs["buildx-knows"] == "0"


def self_hosted_engine() -> Engine:
    """Self-hosted runners run Docker 29, whose new installs use the containerd store."""
    cs = load_devenv().cs_docker_host
    return Engine("containerd", cs.removeprefix("unix://")) if cs else HOSTED


def test_a_self_hosted_runner_keeps_builders_but_not_runner_temp(tmp_path: Path) -> None:
    engine = self_hosted_engine()
    probe = f"launcher-probe-{uuid.uuid4().hex[:8]}"
    with Machine(tmp_path / "runner", hosted=False) as machine:
        with job(machine, engine) as first:
            made = look(first, probe, create=True)
        assert made.outputs["environment"] == "self-hosted"
        assert list(machine.temp.iterdir()) == []  # emptied at the job's end all the same
        assert parts(probe) <= engine.builder_parts()  # the engine keeps the builder
        runtime = Runtime().with_id_token("http://127.0.0.1:9/idtoken?api-version=2.0")
        with job(machine, engine, runtime=runtime) as second:
            later = look(second, probe)
        assert later.outputs["temp"] == RUNNERS_OWN
        assert later.outputs["home"] == ""  # so buildx's own record of the builder is gone
        assert later.outputs["engine-has"] == f"buildx_buildkit_{probe}0"
        assert later.outputs["buildx-knows"] == "0"
        assert later.outputs["runtime"].split() == sorted(
            [*ALWAYS.split(), "ACTIONS_ID_TOKEN_REQUEST_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_URL"]
        )
        assert later.outputs["id-token"] == "the runtime token"
    # the machine is thrown away at the end of the test: what its jobs left goes with it
    assert parts(probe) & engine.builder_parts() == set()


def test_a_hosted_job_that_finds_a_builder_is_not_on_a_new_machine(tmp_path: Path) -> None:
    """A builder of the same name left on the engine by something else (Slipway names its
    builders after their configuration): the job fails, and the builder, not the job's, stays."""
    probe = f"launcher-probe-{uuid.uuid4().hex[:8]}"
    with tempfile.TemporaryDirectory() as config:
        made = subprocess.run(
            [
                "docker",
                "buildx",
                "create",
                "--name",
                probe,
                "--driver",
                "docker-container",
                "--driver-opt",
                f"image={load_devenv().buildkit_image}",
                "--bootstrap",
            ],
            env={**HOSTED.env, "DOCKER_CONFIG": config},
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    try:
        assert made.returncode == 0, made.stderr
        with Machine(tmp_path / "runner") as machine:
            with pytest.raises(NotANewMachineError, match=probe), job(machine, HOSTED) as current:
                look(current, probe, create=True)  # buildx takes the container it finds
            assert list(machine.temp.iterdir()) == []
        assert parts(probe) <= HOSTED.builder_parts()
    finally:
        HOSTED.remove_builder_parts(sorted(parts(probe)))
