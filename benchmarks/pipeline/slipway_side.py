"""Slipway's side: the action image started as GitHub's runner starts it
(tests/support/launcher.py), its stages read from its log as the lines arrive.

* a fresh job: a new hosted runner machine (empty runner temp and home, so no state: no OCI
  layout, no Trivy DB, no reusable scan results; no builder);
* a re-run of an unchanged commit, right after, with the same build args: a new job, so on
  GitHub's hosted runners a new machine again. Only what crosses jobs on GitHub is carried
  over: the registry, and the cache service (one stand-in, tests/support/gha_cache on
  Azurite, shared by the pair and given to both jobs as the runner gives it:
  ``ACTIONS_RESULTS_URL``, ``ACTIONS_CACHE_URL``, ``ACTIONS_RUNTIME_TOKEN``). Whatever Slipway
  keeps in the cache service is what makes the re-run faster; a protocol violation in the
  stand-in fails the round.

The step gets the launcher's argv and environment unchanged, with one exception: the job's
network is ``host`` (``host_network=True``), because this machine's registry, API and cache
stand-ins listen on loopback only (on GitHub they are remote and the default bridge reaches
them). The launcher runs
``docker run`` to completion and returns its output; to stamp each line as it comes, the
launcher's ``subprocess`` is replaced for that one call by one whose ``run`` streams.

The timeline, from the log and the engine's events:

    start        docker run -> the first line (client, container start, Python, inputs,
                 metadata, the GitHub API)
    <group>      each ::group:: (Build split into its builder and the build proper, Scan into
                 the DB download and each platform's scan)
    between      lines outside any group (tagging, the report, annotations)
    builder rm   ``$ docker buildx rm`` -> its container and volume gone (engine events)
    exit         -> the container gone and ``docker run`` returned

and the fixed overhead = start + Preflight + exit.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

from tests.support import launcher
from tests.support.gha_cache import Azurite, GhaCacheStandin
from tests.support.launcher import Machine, NotANewMachineError, Runtime, job
from tests.support.payloads import load_event

from pipeline.bench import Bench
from pipeline.timing import EngineEvents, StepFailed, Streamed, stream
from pipeline.workloads import Workload

FIXED = ("start", "Preflight", "exit")  # the fixed overhead's parts
BUILDER_NAME = re.compile(r"^\$ docker buildx create --name (\S+)")
PLATFORM_REPORT = re.compile(r"trivy-(linux-[\w-]+)\.json")
REUSED = re.compile(r"^(\S+): unchanged image and DB, scan result reused")


class _StreamingSubprocess:
    """The ``subprocess`` module for the launcher during one step, except that ``docker
    run`` streams (:func:`pipeline.timing.stream`); the streamed run is kept."""

    def __init__(self) -> None:
        self.runs: list[Streamed] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(subprocess, name)

    def run(self, argv: Sequence[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        """``docker run``: streamed and stamped; anything else: subprocess.run."""
        if list(argv[:2]) != ["docker", "run"]:
            return subprocess.run(argv, **kwargs)  # noqa: PLW1510 (the caller's check=)
        done = stream(argv, env=kwargs.get("env"), timeout=kwargs.get("timeout") or 1800)
        self.runs.append(done)
        return subprocess.CompletedProcess(list(argv), done.returncode, done.text, "")


@contextmanager
def streamed_steps() -> Iterator[_StreamingSubprocess]:
    """Within the block, the launcher's ``docker run`` is streamed."""
    shim = _StreamingSubprocess()
    with mock.patch.object(launcher, "subprocess", shim):
        yield shim


class SlipwayJobs:
    """Slipway's jobs on one commit of a workload: each on a new hosted machine (its
    workspace a checkout of the workload), sharing the registry and one cache service."""

    def __init__(self, bench: Bench, workload: Workload, context: Path) -> None:
        self.bench = bench
        self.workload = workload
        self.context = context
        self.root = bench.work / f"slipway-jobs-{uuid.uuid4().hex[:8]}"
        self.azurite = Azurite().start()
        try:
            self.cache = GhaCacheStandin(self.azurite.account_url).start()
        except BaseException:
            self.azurite.stop()
            raise
        self.runtime = Runtime.for_cache(self.cache)
        self.extra_inputs: dict[str, str] = {}  # more inputs for every job (none by default)

    def job(
        self, nonce: str, label: str, payload: dict[str, Any] | None = None
    ) -> dict[str, float]:
        """One job on a new machine running the step (its event ``payload``, a push by
        default); seconds per stage. With ``bench.logs``, its log is kept there as
        ``LABEL.log``, each line with its second."""
        bench, workload = self.bench, self.workload
        inputs = {
            "images": bench.repository(workload.name, "slipway"),
            "platforms": workload.platform_list,
            "push": "true",
            "fail-on": "none",  # the test DB plants CRITICALs: the gate is not what is timed
            "trivy-db-repository": bench.devenv.trivy_db,
            "buildkit-image": bench.devenv.buildkit_image,
        }
        args = workload.build_args(nonce)
        if args:
            inputs["build-args"] = "\n".join(f"{k}={v}" for k, v in args.items())
        inputs.update(self.extra_inputs)
        with Machine(self.root / label / "runner") as machine:  # a hosted job: a new VM
            machine.check_out(self.context)
            # the registry, the API and the cache stand-ins are on loopback: the host's network
            try:
                with (
                    job(machine, bench.engine, runtime=self.runtime, host_network=True) as current,
                    EngineEvents() as events,
                    streamed_steps() as shim,
                ):
                    result = current.run_step(
                        bench.action_image,
                        inputs,
                        payload=payload or load_event("push", index=4),
                        api_url=bench.api_url,
                    )
            except NotANewMachineError as warm:  # a builder left on the engine: not a cold job
                raise StepFailed(str(warm)) from None
        if result.returncode != 0 or not shim.runs:
            raise StepFailed(f"the Slipway step exited {result.returncode}:\n{result.log[-4000:]}")
        if violations := self.cache.take_violations():
            raise StepFailed(
                "cache service protocol violations:\n" + "\n".join(map(str, violations))
            )
        step = shim.runs[-1]
        if bench.logs is not None:
            bench.logs.mkdir(parents=True, exist_ok=True)
            (bench.logs / f"{label}.log").write_text(
                "".join(f"{stamp - step.started:8.3f} {line}" for stamp, line in step.lines),
                encoding="utf-8",
            )
        return stages(step, events)

    def remove(self) -> None:
        """The cache service and the machines' folders go (what Slipway handed back is the
        runner user's; we are root)."""
        self.cache.stop()
        self.azurite.stop()
        shutil.rmtree(self.root, ignore_errors=True)


def stages(run: Streamed, events: EngineEvents) -> dict[str, float]:
    """Seconds per stage of one step, from its stamped log and the engine's events."""
    times: dict[str, float] = {}

    def add(name: str, seconds: float) -> None:
        times[name] = times.get(name, 0.0) + seconds

    first = run.lines[0][0] if run.lines else run.ended
    add("start", first - run.started)
    grouped = 0.0
    group: tuple[str, float] | None = None  # the open group and when it opened
    part: tuple[str, float] | None = None  # the part of it being timed
    builder, removing = "", None
    for stamp, raw in run.lines:
        line = raw.rstrip("\n")
        if line.startswith("::group::"):
            name = line.removeprefix("::group::").strip()
            group, part = (name, stamp), (first_part(name), stamp)
        elif line.startswith("::endgroup::") and group is not None:
            if part is not None:
                add(part[0], stamp - part[1])
            grouped += stamp - group[1]
            group = part = None
        elif group is not None and part is not None:
            found = next_part(group[0], line)
            if found and found != part[0]:
                add(part[0], stamp - part[1])
                part = (found, stamp)
        if match := BUILDER_NAME.match(line):
            builder = match.group(1)
        if line.startswith("$ docker buildx rm"):
            removing = stamp
    last = run.lines[-1][0] if run.lines else run.ended
    gone = last
    if builder and removing is not None:
        container = f"buildx_buildkit_{builder}0"
        ends = [events.last("destroy", container), events.last("destroy", f"{container}_state")]
        if known := [e for e in ends if e is not None]:
            gone = max(*known, last)
            add("builder rm", gone - removing)
    add("exit", run.ended - gone)
    total = run.ended - run.started
    outside = times["start"] + grouped + times.get("builder rm", 0.0) + times["exit"]
    ordered = {k: v for k, v in times.items() if k not in ("builder rm", "exit")}
    ordered["between"] = max(0.0, total - outside)
    for name in ("builder rm", "exit"):
        if name in times:
            ordered[name] = times[name]
    ordered["fixed overhead"] = sum(times.get(name, 0.0) for name in FIXED)
    ordered["total"] = total
    return ordered


def first_part(group: str) -> str:
    """What a group's first part is called (Build starts with its builder, Scan with the
    DB: whether Slipway downloads it or finds it fresh in its state)."""
    return {"Build": "builder", "Scan": "scan DB"}.get(group, group)


def next_part(group: str, line: str) -> str:
    """The part of ``group`` that ``line`` opens, or "" if none."""
    if group == "Build" and line.startswith("$ docker buildx build"):
        return "build"
    if group == "Scan" and line.startswith("$ trivy image --download-db-only"):
        return "scan DB"
    if group == "Scan" and line.startswith("$ trivy image"):
        found = PLATFORM_REPORT.search(line)
        return f"scan {found.group(1).replace('-', '/', 1)}" if found else ""
    if group == "Scan" and (reused := REUSED.match(line)):
        return f"scan {reused.group(1)}"
    return ""
