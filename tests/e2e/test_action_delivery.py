"""How the action's image reaches a runner: a release's ``docker://NAME@sha256:...`` is pulled
during "Set up job" with a plain anonymous ``docker pull``, up to 3 tries
(actions/runner ``ActionManager.PullActionContainerAsync``), on an engine that does not have
it yet; then the step runs it. On the hosted runner's kind of engine and on a
containerd-store one.

A package the runner cannot pull anonymously (GHCR makes a new package private) fails the job
before any step: the release workflow proves the anonymous pull before it moves a tag.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.act import action_image
from tests.support.devenv import DevEnv, load_devenv
from tests.support.engines import ENGINE_JOBS
from tests.support.images import small_app
from tests.support.launcher import Engine, Machine, job, pull_action_image
from tests.support.payloads import load_event

pytestmark = [pytest.mark.e2e, pytest.mark.new_machine]


def engines() -> list[Engine]:
    found = [Engine("hosted", "/var/run/docker.sock")]
    cs = load_devenv().cs_docker_host
    if cs:
        found.append(Engine("containerd", cs.removeprefix("unix://")))
    return found


@pytest.fixture(params=engines(), ids=lambda e: e.name)
def engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    """The engine, held for the whole test: it removes the action image that other sessions'
    launcher jobs on this engine run, and pulls it back."""
    value: Engine = request.param
    with ENGINE_JOBS.held(value):
        yield value


def released() -> str:
    """The action image as a release's action.yml names it: ``NAME@sha256:...``, no tag."""
    name, _, digest = action_image().partition("@")
    return f"{name.rpartition(':')[0]}@{digest}"


def remove(engine: Engine, reference: str) -> None:
    """A new runner's engine has no such image."""
    found = engine.docker("image", "inspect", "--format", "{{.Id}}", reference, check=False)
    if found.strip():
        engine.docker("image", "rm", "--force", found.strip(), check=False)
    assert engine.docker("image", "inspect", reference, check=False).strip() in ("", "[]")


def test_a_released_image_is_pulled_anonymously_then_run(
    engine: Engine, devenv: DevEnv, tmp_path: Path
) -> None:
    reference = released()
    remove(engine, reference)
    pulled = pull_action_image(engine, reference)
    assert pulled.exit_codes == (0,), pulled.output
    with Machine(tmp_path / "runner") as machine:
        machine.check_out(small_app(tmp_path / "app"))
        with job(machine, engine, host_network=True) as current:
            result = current.run_step(
                reference,
                {
                    "images": f"{devenv.registry}/acme/delivered",
                    "push": "false",
                    "scan": "false",
                    "buildkit-image": devenv.buildkit_image,
                    "github-token": "",
                    "check-run": "false",
                    "pr-comment": "never",
                },
                payload=load_event("push", index=4),
                api_url="http://127.0.0.1:9",
            )
    assert result.returncode == 0, result.log
    assert result.argv[-1] == reference  # the pulled image, by digest, is what ran


def test_an_image_the_runner_cannot_pull_anonymously_fails_after_three_tries(
    engine: Engine, devenv: DevEnv, tmp_path: Path
) -> None:
    """A private package: the registry wants credentials, the runner has none at set-up."""
    private = f"{devenv.auth_registry}/slipway/private-action:{tmp_path.name[-12:].lower()}"
    config = tmp_path / "pusher"
    config.mkdir()
    env = {**os.environ, "DOCKER_HOST": f"unix://{engine.socket}", "DOCKER_CONFIG": str(config)}
    login = subprocess.run(
        [
            "docker",
            "login",
            devenv.auth_registry,
            "--username",
            devenv.auth_user,
            "--password-stdin",
        ],
        input=devenv.auth_password,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert login.returncode == 0, login.stderr
    engine.docker("pull", released(), timeout=600)
    engine.docker("tag", released(), private)
    pushed = subprocess.run(
        ["docker", "push", "--quiet", private],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert pushed.returncode == 0, pushed.stderr
    remove(engine, private)
    try:
        pulled = pull_action_image(engine, private, backoff=0.1)
    finally:
        engine.docker("image", "rm", private, check=False)
    assert pulled.exit_codes == (1, 1, 1), pulled.output
    assert "no basic auth credentials" in pulled.output or "unauthorized" in pulled.output, (
        pulled.output
    )
