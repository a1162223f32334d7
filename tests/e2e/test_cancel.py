"""A cancelled job, through the runner-faithful launcher: the step's ``docker run`` client gets
SIGINT, SIGTERM 7.5 s later and SIGKILL 2.5 s after that (actions/runner ``ProcessInvoker.cs``),
while Slipway builds, while it scans, and while it moves tags.

Each time the run ends on the SIGINT with the cancelled exit code (130, not SIGKILL's 137),
stops what it was running (BuildKit's build, Trivy), gives back the builder lock, and leaves
no tag half-moved.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.support.act import action_image
from tests.support.actionrun import unique_repository
from tests.support.devenv import DevEnv
from tests.support.engines import builders_named
from tests.support.images import small_app
from tests.support.launcher import Engine, Job, Machine, RunningStep, StepResult, job
from tests.support.payloads import load_event
from tests.support.regfront import RegFront
from tests.support.regfront.faults import FaultKind, FaultRule

pytestmark = [pytest.mark.e2e, pytest.mark.new_machine]

HOSTED = Engine("hosted", "/var/run/docker.sock")
INDEX = "application/vnd.oci.image.index.v1+json"
LOCK = "label=org.slipway.lock=builder"


def inputs(devenv: DevEnv, image: str, **more: str) -> dict[str, str]:
    return {
        "images": image,
        "push": "true",
        "platforms": "linux/amd64",
        "trivy-db-repository": devenv.trivy_db,
        "buildkit-image": devenv.buildkit_image,
        "check-run": "false",
        "pr-comment": "never",
        "fail-on": "none",  # the small app's root carries planted CRITICALs
        "github-token": "",  # nothing answers API calls here
        **more,
    }


def start(current: Job, given: dict[str, str]) -> RunningStep:
    return current.start_step(
        action_image(), given, payload=load_event("push", index=4), api_url="http://127.0.0.1:9"
    )


def cancelled(step: RunningStep) -> StepResult:
    """Cancel as the runner does; the step's result."""
    step.cancel()
    result = step.result(timeout=60)
    assert result.returncode == 130, result.log  # the SIGINT was handled: no SIGKILL (137)
    assert "::error title=Cancelled::cancelled (SIGINT)" in result.log, result.log
    return result


def tag_digest(registry: str, repository: str, tag: str) -> str | None:
    answer = requests.head(
        f"http://{registry}/v2/{repository}/manifests/{tag}", headers={"Accept": INDEX}, timeout=30
    )
    return answer.headers["Docker-Content-Digest"] if answer.status_code == 200 else None


@pytest.fixture
def machine(tmp_path: Path) -> Iterator[Machine]:
    """A self-hosted runner's machine: it outlives the job, so what a cancelled run leaves
    behind would still be there for the next."""
    with Machine(tmp_path / "runner", hosted=False) as current:
        current.check_out(small_app(tmp_path / "app"))
        yield current


def test_cancelled_while_building_the_build_stops(machine: Machine, devenv: DevEnv) -> None:
    (machine.workspace / "Dockerfile").write_text(
        "FROM python:3.11-slim-bookworm\nRUN sleep 300\n", encoding="utf-8"
    )
    machine.give_to_runner(machine.workspace)
    image = f"{devenv.registry}/{unique_repository('slipway-test/cancel-build')}"
    with job(machine, HOSTED, host_network=True) as current:
        step = start(current, inputs(devenv, image))
        step.wait_for(r"RUN sleep 300")
        builder = next(n for n in sorted(builders_named(step.log)) if not n.endswith("_state"))
        result = cancelled(step)
        assert "buildx build" in result.log
        assert "pushed" not in result.log
        # BuildKit's build was cancelled with its client: the RUN no longer runs in the builder
        deadline = time.monotonic() + 30
        while "sleep 300" in HOSTED.docker("top", builder, check=False):
            assert time.monotonic() < deadline, "the build still runs in " + builder
            time.sleep(0.5)
        assert HOSTED.docker("ps", "--all", "--filter", LOCK, "--format", "{{.Names}}") == ""
    registry, _, repository = image.partition("/")
    assert tag_digest(registry, repository, "master") is None


def test_cancelled_while_scanning_trivy_stops(machine: Machine, devenv: DevEnv) -> None:
    image = f"{devenv.registry}/{unique_repository('slipway-test/cancel-scan')}"
    db_registry, _, db_repository = devenv.trivy_db.partition("/")
    with RegFront(db_registry) as front:
        # the DB's layer answers 503 (retry after 1 s) for good: the scan waits in its download
        front.set_faults([FaultRule(FaultKind.UNAVAILABLE, method="GET", path="/blobs/sha256:")])
        given = inputs(devenv, image, **{"trivy-db-repository": f"{front.address}/{db_repository}"})
        with job(machine, HOSTED, host_network=True) as current:
            step = start(current, given)
            step.wait_for(r"^\$ trivy image --download-db-only")
            while front.stats.faults_total == 0:  # Trivy asked for the layer, and waits
                time.sleep(0.2)
            result = cancelled(step)
    assert "::group::Scan" in result.log
    registry, _, repository = image.partition("/")
    assert tag_digest(registry, repository, "master") is None  # pushed by digest, never tagged


def test_cancelled_while_tagging_moves_no_tag_half_way(machine: Machine, devenv: DevEnv) -> None:
    repository = unique_repository("slipway-test/cancel-tags")
    with RegFront(devenv.registry_backend) as front:
        image = f"{front.address}/{repository}"
        given = inputs(devenv, image, tags="type=raw,value=one\ntype=raw,value=two", scan="false")
        with job(machine, HOSTED, host_network=True) as current:
            first = current.run_step(
                action_image(),
                given,
                payload=load_event("push", index=4),
                api_url="http://127.0.0.1:9",
            )
        assert first.returncode == 0, first.log
        before = first.outputs["digest"]
        app = machine.workspace / "src" / "hello" / "app.py"
        app.write_text(app.read_text() + "\n# the next commit\n")
        machine.give_to_runner(app)
        # "one" moves, then every write of "two" answers 503: the run retries it, and is
        # cancelled while it waits
        front.set_faults([FaultRule(FaultKind.UNAVAILABLE, method="PUT", path="/manifests/two$")])
        with job(machine, HOSTED, host_network=True) as current:
            step = start(current, given)
            while front.stats.faults_total == 0:
                assert step.process.poll() is None, step.log
                time.sleep(0.2)
            result = cancelled(step)
    assert "tagging stopped; the 1 tag(s) already written were put back" in result.log
    registry = devenv.registry
    assert tag_digest(registry, repository, "one") == before  # put back
    assert tag_digest(registry, repository, "two") == before  # never moved
