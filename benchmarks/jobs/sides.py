"""The four sides, each run job after job: what a user of each lives with.

* ``bare``: the commands a user would script (benchmarks/pipeline's ``bare``): a new
  docker-container builder, ``docker buildx build --push``, ``trivy image`` per platform;
  nothing kept from one job to the next.
* ``chain``: the actions Slipway replaces as their READMEs first show them
  (benchmarks/pipeline's ``anchor``): no cache at all.
* ``chain-cached``: the same chain configured for speed as their docs recommend:
  build-push-action with ``cache-from: type=gha`` and ``cache-to: type=gha,mode=max``, and
  trivy-action's ``cache: true`` (actions/cache of its cache dir under the key
  ``cache-trivy-<date>``, restore key ``cache-trivy-``), through the real ``@actions/cache``
  against the side's own cache service stand-in.
* ``slipway``: the action image through the runner-faithful launcher, with no cache input at
  all: each job a new hosted machine whose runtime points at the side's own cache service
  stand-in (``Runtime.for_cache``), the step on the host's network (the stand-ins listen on
  loopback).

Each side that uses the cache service gets a new stand-in (tests/support/gha_cache on a new
Azurite) for its jobs of a workload, so no side feeds another; a protocol violation in it
fails the round. Every job starts with a new builder and an empty Trivy cache.
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path
from typing import Any, Protocol

from pipeline.bench import Bench
from pipeline.sides import anchor, bare
from pipeline.slipway_side import SlipwayJobs
from pipeline.timing import StepFailed
from pipeline.workloads import Workload
from tests.support.gha_cache import Azurite, GhaCacheStandin
from tests.support.payloads import load_event

from jobs.actions_cache import ActionsCache
from jobs.chain import ChainJob, chain_cached
from jobs.commits import push_event

SIDES = ("bare", "chain", "chain-cached", "slipway")
TITLES = {
    "bare": "bare commands",
    "chain": "the chain as first shown",
    "chain-cached": "the chain configured for speed",
    "slipway": "Slipway, no cache input",
}


class Side(Protocol):
    """One side: its jobs on one workload, then :meth:`close`."""

    def job(self, job: str, context: Path, sha: str, nonce: str) -> dict[str, float]:
        """Run ``job`` on a checkout at ``context`` (commit ``sha``); seconds per stage."""
        ...

    def close(self) -> None:
        """Stop what the side started, remove what it left."""
        ...


class CacheService:
    """A cache service stand-in of a side's own: Azurite and the Twirp service on it."""

    def __init__(self) -> None:
        self.azurite = Azurite().start()
        try:
            self.standin = GhaCacheStandin(self.azurite.account_url).start()
        except BaseException:
            self.azurite.stop()
            raise

    def check(self) -> None:
        """Fail the round on a request the service would have refused."""
        if violations := self.standin.take_violations():
            raise StepFailed(
                "cache service protocol violations:\n" + "\n".join(map(str, violations))
            )

    def stop(self) -> None:
        """The service and its blobs go."""
        self.standin.stop()
        self.azurite.stop()


class _Plain:
    """``bare`` or ``chain``: benchmarks/pipeline's fresh job, with nothing kept between jobs."""

    def __init__(self, bench: Bench, workload: Workload, name: str) -> None:
        self.bench, self.workload, self.name = bench, workload, name

    def job(self, job: str, context: Path, sha: str, nonce: str) -> dict[str, float]:
        """A fresh job: its own builder and Trivy cache (its job folder is removed after)."""
        del job, sha  # nothing of the commit but the context reaches these commands
        side = bare if self.name == "bare" else anchor
        try:
            return side(self.bench, self.workload, context, nonce)
        finally:
            prefix = "bare" if self.name == "bare" else "anchor"
            shutil.rmtree(self.bench.work / f"{prefix}-{nonce}", ignore_errors=True)

    def close(self) -> None:
        """Nothing is kept."""


class _ChainCached:
    """``chain-cached``: its jobs share one cache service and one job folder (a new machine
    each time, emptied, but with the same paths, as GitHub's workspace path is)."""

    def __init__(self, bench: Bench, workload: Workload, client: ActionsCache, day: str) -> None:
        self.bench, self.workload, self.client, self.day = bench, workload, client, day
        self.folder = bench.work / f"chain-cached-{uuid.uuid4().hex[:8]}"
        self.service = CacheService()

    def job(self, job: str, context: Path, sha: str, nonce: str) -> dict[str, float]:
        """One job of the chain configured for speed."""
        del job
        payload: dict[str, Any] = push_event(load_event("push", index=4), sha)
        spec = ChainJob(self.workload, context, nonce, payload, self.day)
        times = chain_cached(self.bench, spec, self.folder, self.service.standin, self.client)
        self.service.check()
        return times

    def close(self) -> None:
        """The service and the job folder go."""
        self.service.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


class _Slipway:
    """``slipway``: benchmarks/pipeline's launcher jobs, each on a new machine, one cache
    service stand-in for the side's jobs."""

    def __init__(self, bench: Bench, workload: Workload, label: str) -> None:
        self.jobs = SlipwayJobs(bench, workload, Path())
        # Slipway names its builder after its configuration, so the other runs on this shared
        # engine (the e2e tests) would make and remove the builder of the same name during a
        # job: an environment variable of the builder's own makes the name this side's alone
        # (buildx's docker-container driver option `env.<name>`; nothing else changes).
        self.jobs.extra_inputs["driver-opts"] = f"env.SLIPWAY_BENCHMARK={label}"
        self.label = label

    def job(self, job: str, context: Path, sha: str, nonce: str) -> dict[str, float]:
        """One Slipway step in a new job on a new machine (a checkout of ``context``)."""
        self.jobs.context = context
        payload = push_event(load_event("push", index=4), sha)
        return self.jobs.job(nonce, f"{self.label}-{job}-slipway", payload)

    def close(self) -> None:
        """The service and the machines go."""
        self.jobs.remove()


def open_side(
    name: str, bench: Bench, workload: Workload, *, client: ActionsCache, day: str, label: str
) -> Side:
    """Side ``name`` ready for its jobs on ``workload``."""
    if name in ("bare", "chain"):
        return _Plain(bench, workload, name)
    if name == "chain-cached":
        return _ChainCached(bench, workload, client, day)
    if name == "slipway":
        return _Slipway(bench, workload, label)
    raise ValueError(f"unknown side {name}: choose from {', '.join(SIDES)}")
