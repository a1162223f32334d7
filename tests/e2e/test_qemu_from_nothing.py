"""QEMU from nothing (issue 27): Slipway's own binfmt path, end to end through the launcher.

A hosted ubuntu-24.04 runner has no binfmt handler registered. Here, for each test, the kernel's
QEMU handlers are removed (:func:`tests.support.binfmt.without_qemu`), the action image runs a
two-platform job as a hosted job, and Slipway must find arm64 missing, run the binfmt image
privileged (``tonistiigi/binfmt:qemu-v8.1.5``: scripts/dev-env's stand-in from Debian's
qemu-user-static, through the docker.io mirror) with ``--install aarch64``, and build a RUN that
executes arm64's own dash; afterwards exactly that handler is registered, nothing else. A job
the runner runs natively runs no binfmt image. On both kinds of engine, each with the
docker-container builder Slipway creates there (the classic store needs one; on the containerd
store the job's ``services:`` registry, known by an alias only the job's network resolves, asks
for one): a new builder, which sees the handlers as they are now.

Not covered: an engine's own builder (the docker driver) remembers every platform it once ran
(BuildKit adds to a worker's platforms, never removes; checked: both engines here still list
linux/arm64 after the handlers are gone), so on an engine that ran QEMU before and lost its
handlers while running, Slipway would trust that list and the build would fail with an exec
format error. A hosted runner's engine starts on a machine with no handlers, so it never
claims a platform it cannot run; restarting this machine's engines per test is not done.

binfmt_misc is kernel-wide, so this module changes what every engine and builder on the machine
can run. Why that is safe:
- Each test's fixture puts back exactly the handlers recorded before it (try/finally, pass or
  fail) and checks that it did; a killed session leaves them for scripts/dev-env, which
  registers missing handlers on its next run (scripts/test runs it first).
- Nothing runs beside it that needs QEMU: pytest runs a session's tests one at a time, the
  tiers that use the engines run one after the other, and the tests scripts/test runs beside
  them (``no_engine``) start no container and no build. Two sessions must not share the engines
  at once anyway (README, Development).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.test_runner_launch import SERVICE, common_inputs, engines, registry_job, run
from tests.support.act import action_image
from tests.support.binfmt import Handler, foreign_context, handlers, qemu, without_qemu
from tests.support.devenv import load_devenv
from tests.support.launcher import Engine, Machine

pytestmark = [pytest.mark.e2e, pytest.mark.new_machine]

BINFMT_RUN = "--privileged tonistiigi/binfmt:qemu-v8.1.5 --install"


@pytest.fixture(scope="module", params=engines(), ids=lambda e: e.name)
def engine(request: pytest.FixtureRequest) -> Engine:
    value: Engine = request.param
    return value


@pytest.fixture(scope="module")
def image() -> str:
    return action_image()


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Each platform's dash runs in a RUN: arm64 builds only through QEMU."""
    directory = tmp_path_factory.mktemp("foreign-app")
    return foreign_context(directory, load_devenv().registry, ("amd64", "arm64"))


@pytest.fixture
def no_qemu() -> Iterator[dict[str, Handler]]:
    """No QEMU handler, as on a hosted runner; afterwards exactly the handlers of before."""
    with without_qemu() as before:
        assert qemu(handlers()) == {}
        yield before


@pytest.fixture
def machine(tmp_path: Path, app: Path) -> Iterator[Machine]:
    with Machine(tmp_path / "runner") as machine:
        machine.check_out(app)
        yield machine


def inputs(platforms: str) -> dict[str, str]:
    return common_inputs(
        images=f"{SERVICE}/acme/qemu-{uuid.uuid4().hex[:8]}", platforms=platforms, push="true"
    )


def test_two_platforms_register_only_what_arm64_needs(
    machine: Machine, engine: Engine, image: str, no_qemu: dict[str, Handler]
) -> None:
    with registry_job(machine, engine) as current:
        result = run(current, image, inputs("linux/amd64,linux/arm64"))
    assert result.returncode == 0, result.log
    assert f"{BINFMT_RUN} aarch64" in result.log  # Slipway's own path ran, for arm64 only
    after = handlers()
    others = {name for name in no_qemu if not name.startswith("qemu-")}
    assert set(after) == others | {"qemu-aarch64"}, "registered more than arm64 needs"
    registered = after["qemu-aarch64"]
    assert registered.enabled
    assert registered.interpreter == "/usr/bin/qemu-aarch64"  # the binfmt image's, as the real one
    assert "F" in registered.flags  # opened at registration: works after the container is gone
    if "qemu-aarch64" in no_qemu:
        assert registered.magic == no_qemu["qemu-aarch64"].magic
    digests = json.loads(result.outputs["platform-digests"])
    assert set(digests) == {"linux/amd64", "linux/arm64"}


def test_a_platform_the_runner_runs_registers_nothing(
    machine: Machine, engine: Engine, image: str, no_qemu: dict[str, Handler]
) -> None:
    with registry_job(machine, engine) as current:
        result = run(current, image, inputs("linux/amd64"))
    assert result.returncode == 0, result.log
    assert "binfmt" not in result.log
    assert qemu(handlers()) == {}
