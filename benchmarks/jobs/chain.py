"""The chain configured for speed, one job: benchmarks/pipeline's anchor chain with what the
anchors' docs recommend for a fast pipeline.

* build-push-action with ``cache-from: type=gha`` and ``cache-to: type=gha,mode=max``
  (docker/build-push-action's README, "Cache", and docs.docker.com's "GitHub Actions cache"):
  buildx finds the cache service in the step's environment (``ACTIONS_RESULTS_URL``,
  ``ACTIONS_RUNTIME_TOKEN``, ``ACTIONS_CACHE_SERVICE_V2``: docker/buildx ``build/opt.go``,
  ``addGithubToken``), which the runner gives every node action;
* trivy-action with ``cache: true``: before each scan its composite runs actions/cache on
  its cache dir (``${{ github.workspace }}/.cache/trivy``, key ``cache-trivy-<date>``, restore
  key ``cache-trivy-``: aquasecurity/trivy-action ``action.yaml``, "Restore DB from cache"),
  and after the job's main steps each of those actions/cache post steps saves the dir unless
  its restore hit the key itself (actions/cache ``saveImpl.ts``). The client is the real
  ``@actions/cache`` (jobs/actions_cache.py); the DB it keeps holds Trivy's layer analysis
  too, as the cache dir does.

The post steps run in reverse order of their main steps, as the runner runs them: the cache
saves, then build-push-action's build record, then setup-buildx-action's builder removal.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.bench import Bench, run
from pipeline.sides import (
    Build,
    anchor_env,
    build_push,
    build_record,
    metadata,
    setup_buildx,
    trivy_action,
)
from pipeline.timing import Stopwatch
from pipeline.workloads import Workload
from tests.support.gha_cache import GhaCacheStandin

from jobs.actions_cache import ActionsCache, node_action_env

CACHE_FROM = ("type=gha",)
CACHE_TO = ("type=gha,mode=max",)
TRIVY_KEY = "cache-trivy-{day}"  # day: `date +'%Y-%m-%d'` on the runner (UTC)
TRIVY_RESTORE_KEYS = ("cache-trivy-",)


@dataclass(frozen=True)
class ChainJob:
    """One job's commit: the workload, its checkout, the round's nonce, the push event and
    the day (trivy-action's cache key)."""

    workload: Workload
    context: Path
    nonce: str
    payload: dict[str, Any]
    day: str


def exact_hit(key: str, restored: str | None) -> bool:
    """actions/cache's ``isExactKeyMatch``: the restore hit the primary key (case aside)."""
    return restored is not None and restored.casefold() == key.casefold()


def chain_cached(
    bench: Bench, spec: ChainJob, folder: Path, service: GhaCacheStandin, client: ActionsCache
) -> dict[str, float]:
    """One job of the chain configured for speed in ``folder`` (emptied: a new machine);
    seconds per stage."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    env = {**anchor_env(bench, folder, spec.payload), **node_action_env(service.url, service.token)}
    repository = bench.repository(spec.workload.name, "chain-cached")
    trivy_cache = str(Path(env["GITHUB_WORKSPACE"]) / ".cache" / "trivy")  # its cache-dir input
    key = TRIVY_KEY.format(day=spec.day)
    clock = Stopwatch()
    builder = ""
    try:
        builder = setup_buildx(bench, env, clock)
        meta = metadata(bench, env, repository, clock)
        build = Build(builder, spec.workload, spec.context, spec.nonce, meta, CACHE_FROM, CACHE_TO)
        built = build_push(env, build, clock)
        image = f"{repository}@{built['containerimage.digest']}"
        restored: list[str | None] = []
        for platform in spec.workload.platforms:  # one trivy-action step per platform
            with clock.stage("cache restore"):
                restored.append(client.restore(env, key, TRIVY_RESTORE_KEYS, [trivy_cache]))
            trivy_action(bench, env, image, (platform,), clock)
        for hit in reversed(restored):  # the post steps
            if not exact_hit(key, hit):
                with clock.stage("cache save"):
                    client.save(env, key, [trivy_cache])
        with clock.stage("build record"):
            build_record(env, builder, str(built["buildx.build.ref"]), folder)
    finally:
        if builder:
            with clock.stage("builder rm"):  # setup-buildx-action's post step
                run(["docker", "buildx", "rm", builder], env=env, check=False)
    return clock.result()
