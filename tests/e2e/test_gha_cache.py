"""``type=gha`` through the runner-faithful launcher on the hosted runner's kind of engine,
against the cache service v2 stand-in (tests/support/gha_cache) with its blobs in Azurite.

The job gets only what GitHub's runner gives a container action (the launcher's
:class:`Runtime`): ``ACTIONS_RUNTIME_URL``, ``ACTIONS_RUNTIME_TOKEN``, ``ACTIONS_RESULTS_URL``
and ``ACTIONS_CACHE_URL`` (no ``ACTIONS_CACHE_SERVICE_V2``), and the step says nothing but
``type=gha``. Each job is a new machine: what a later job reads, it reads from the cache
service. The stand-in and Azurite listen on loopback, so jobs that use them run their steps
on the host's network (on GitHub the service is remote and the default bridge reaches it).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.act import action_image
from tests.support.devenv import load_devenv
from tests.support.gha_cache import Azurite, GhaCacheStandin
from tests.support.images import small_app
from tests.support.launcher import Engine, Job, Machine, Runtime, StepResult, foreign_owned, job
from tests.support.payloads import load_event

pytestmark = [pytest.mark.e2e, pytest.mark.new_machine]

HOSTED = Engine("hosted", "/var/run/docker.sock")


@pytest.fixture(scope="module")
def azurite() -> Iterator[Azurite]:
    with Azurite() as running:
        yield running


@pytest.fixture
def cache(azurite: Azurite) -> Iterator[GhaCacheStandin]:
    with GhaCacheStandin(azurite.account_url) as standin:
        yield standin
        standin.assert_no_violations()


@pytest.fixture
def machine(tmp_path: Path) -> Iterator[Machine]:
    with Machine(tmp_path / "runner") as machine:
        machine.check_out(small_app(tmp_path / "app"))
        yield machine


def step(current: Job, **inputs: str) -> StepResult:
    return current.run_step(
        action_image(),
        {
            "images": "127.0.0.1:5000/acme/cached",
            "scan": "false",
            "policy": "none",
            "check-run": "false",
            "pr-comment": "never",
            "buildkit-image": load_devenv().buildkit_image,
            "github-token": "",  # nothing answers API calls here: see test_runner_launch
            **inputs,
        },
        payload=load_event("push", index=4),
        api_url="http://127.0.0.1:9",
    )


def cached_steps(log: str) -> int:
    return len(re.findall(r"^#\d+ CACHED$", log, flags=re.MULTILINE))


def without_mask_lines(log: str) -> str:
    """The log as GitHub shows it: ``::add-mask::`` commands are consumed by the runner."""
    return "\n".join(line for line in log.splitlines() if not line.startswith("::add-mask::"))


def test_a_fresh_job_reads_what_the_first_wrote(machine: Machine, cache: GhaCacheStandin) -> None:
    runtime = Runtime.for_cache(cache)
    with job(machine, HOSTED, runtime=runtime, host_network=True) as first:
        wrote = step(first, platforms="linux/amd64", **{"cache-to": "type=gha,mode=max"})
    assert wrote.returncode == 0, wrote.log
    assert cached_steps(wrote.log) == 0
    finalized = [e for e in cache.entries if e.finalized]
    assert any(e.key.startswith("index-acme/cached-linux-amd64-") for e in finalized), finalized
    assert len(cache.blobs()) == len(finalized) > 1  # the layers and the index, in Azurite
    # a new job, a new machine: empty runner temp and home, no builder; only the service crosses
    with job(machine, HOSTED, runtime=runtime, host_network=True) as second:
        assert sorted(p.name for p in machine.temp.iterdir()) == [
            "_github_home",
            "_github_workflow",
            "_runner_file_commands",
        ]
        read = step(second, platforms="linux/amd64", **{"cache-from": "type=gha"})
    assert read.returncode == 0, read.log
    assert cached_steps(read.log) == 2, read.log  # the base root's COPY and the app's
    for result in (wrote, read):
        shown = without_mask_lines(result.log)
        assert cache.token not in shown
        assert f"::add-mask::{cache.token}" in result.log
        assert "token=" not in shown
        assert "ACTIONS_CACHE_SERVICE_V2" not in shown
    assert foreign_owned(machine.workspace) == []


def test_split_parts_keep_separate_scopes(machine: Machine, cache: GhaCacheStandin) -> None:
    for platform in ("linux/amd64", "linux/arm64"):
        with job(machine, HOSTED, runtime=Runtime.for_cache(cache), host_network=True) as part:
            result = step(part, platforms=platform, **{"cache-to": "type=gha,mode=max"})
        assert result.returncode == 0, result.log
    indexes = {e.key.rsplit("-1-", 1)[0] for e in cache.entries if e.key.startswith("index-")}
    assert indexes == {"index-acme/cached-linux-amd64", "index-acme/cached-linux-arm64"}


def test_without_the_runners_cache_service_nothing_is_built(machine: Machine) -> None:
    """A server that sends the runner no cache URLs (github.com always sends them): the
    runner sets neither ACTIONS_CACHE_URL nor ACTIONS_RESULTS_URL."""
    with job(machine, HOSTED, runtime=Runtime().without_cache_service()) as current:
        result = current.run_step(
            action_image(),
            {"images": "127.0.0.1:5000/acme/cached", "cache-to": "type=gha"},
            payload=load_event("push", index=4),
            api_url="http://127.0.0.1:9",
        )
    assert result.returncode == 2, result.log
    assert "input 'cache-to': type=gha has no cache service to talk to" in result.log
    assert "buildx build" not in result.log
