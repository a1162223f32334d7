"""Benchmark (issue 22, item 7): what users live with. Three jobs of a service's pipeline, each
on a new machine, on four sides, side by side in one alternated run; the issue's goals judged
from the medians.

Jobs (the ``app`` workload; the others run job A only, as a fresh job):

    A  the first commit, with an empty cache service
    B  the next commit: app's code changed (benchmarks/workloads/app/src/app/build_info.py),
       its dependencies not
    C  a re-run of B's commit

Sides (jobs/sides.py): ``bare`` (the commands a user would script), ``chain`` (the actions
Slipway replaces as their READMEs first show them: no cache), ``chain-cached`` (the same chain
configured for speed: build-push-action's ``type=gha`` cache, ``mode=max``, and trivy-action's
``cache: true`` through the real @actions/cache), ``slipway`` (the action through the
runner-faithful launcher, no cache input). The sides that use GitHub's cache service each get
a stand-in of their own (tests/support/gha_cache on a new Azurite), shared by their jobs of a
workload; only the registry and that stand-in carry anything from one job to the next. Each
round pushes to repositories of its own. Within a round the order of the sides is reversed
from one job to the next and from one round to the next.

Workloads: ``app`` (benchmarks/workloads/app: FastAPI + data + cloud clients, 62 pinned
wheels, some 20 s of ``pip install`` and 600 MB; amd64) and benchmarks/pipeline's ``tiny``,
``compile`` and ``large``. The Trivy DB is the size of the real one (jobs/trivydb_large.py:
some 70 MB compressed, ten times that unpacked), under a repository of its own.

Printed: per workload and job, each side's stages (median, min-max over the rounds; Slipway's
from its log groups); the median totals; the issue's Goals table with the measured values.

    .venv/bin/python benchmarks/jobs [--workloads app,tiny,compile,large] [--rounds 1]
        [--sides bare,chain,chain-cached,slipway] [--json FILE] [--logs DIR]
        [--action-image NAME@sha256:...]
    .venv/bin/python benchmarks/jobs --smoke   # app with a few dependencies, the tests' DB,
                                               # one round: does everything run? (~6 minutes)

``METADATA_ACTION_JS=/path/to/metadata-action/dist/index.cjs`` times metadata-action's own
bundle in both chains (see benchmarks/pipeline). Needs scripts/dev-env, node and npm (for
@actions/cache, installed into .cache by jobs/install-actions-cache) and a quiet machine: a
full run (4 workloads, 1 round) takes some 20 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "benchmarks"), str(ROOT), str(ROOT / "src")]

from pipeline.bench import Bench, github_api, machine_line, run
from pipeline.sides import METADATA_SKIPPED, metadata_bundle
from pipeline.timing import StepFailed
from pipeline.workloads import WORKLOADS, Workload
from pipeline.workloads import make_wheelhouse as make_compile_wheelhouse
from tests.support.act import action_image
from tests.support.devenv import load_devenv

from jobs import report, trivydb_large, wheelhouse
from jobs.actions_cache import ActionsCache
from jobs.commits import COMMIT_OF, app_workload, check_out, commit_sha, jobs_of, remove
from jobs.sides import SIDES, TITLES, Side, open_side

WORKLOAD_NAMES = ("app", "tiny", "compile", "large")
Collected = dict[str, dict[str, dict[str, list[dict[str, float]]]]]


@dataclass
class JobsBench(Bench):
    """benchmarks/pipeline's bench, each round pushing to repositories of its own."""

    round_tag: str = ""

    def repository(self, workload: str, side: str) -> str:
        """Where a side pushes a workload in this round."""
        return f"{self.devenv.registry}/slipway-bench/jobs-{workload}-{side}-{self.round_tag}"


@dataclass
class Setup:
    """What every round uses: the bench, the workloads, the wheelhouse, the cache client."""

    bench: JobsBench
    workloads: dict[str, Workload]
    compile_wheels: Path | None
    client: ActionsCache
    day: str
    smoke: bool


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="benchmarks/jobs", description=__doc__.split("\n")[0])
    parser.add_argument("--workloads", default=",".join(WORKLOAD_NAMES))
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--sides", default=",".join(SIDES))
    parser.add_argument("--smoke", action="store_true", help="one quick round of app")
    parser.add_argument("--json", type=Path, help="also write every round's stages there")
    parser.add_argument("--logs", type=Path, help="keep Slipway's step logs (stamped) there")
    parser.add_argument(
        "--action-image", help="NAME@sha256:... to run (default: build it from this checkout)"
    )
    args = parser.parse_args(argv)
    if args.smoke:
        args.workloads, args.rounds = "app", 1
    args.workloads = [w for w in args.workloads.split(",") if w]
    args.sides = [s for s in args.sides.split(",") if s]
    for name, known in (("workload", WORKLOAD_NAMES), ("side", SIDES)):
        unknown = [v for v in getattr(args, f"{name}s") if v not in known]
        if unknown:
            parser.error(f"unknown {name}(s) {unknown}: choose from {', '.join(known)}")
    if args.rounds < 1:
        parser.error("--rounds must be 1 or more")
    return args


def run_job(setup: Setup, side: Side, workload: Workload, job: str) -> dict[str, float]:
    """One job of one side on a new checkout of the job's commit."""
    tag = setup.bench.round_tag
    sha = commit_sha(tag, COMMIT_OF[job])
    checkout = setup.bench.work / f"checkout-{uuid.uuid4().hex[:8]}"
    wheels = setup.compile_wheels if workload.needs_wheels else None
    check_out(workload, checkout, sha, wheelhouse=wheels, smoke=setup.smoke)
    try:
        return side.job(job, checkout, sha, tag.replace("-", ""))
    finally:
        remove(checkout)


def one_workload(
    setup: Setup, name: str, sides: Sequence[str], index: int, found: Collected, *, turn: int
) -> list[str]:
    """Every side's jobs on one workload in round ``index``; the failures, said. The sides go
    in ``sides``' order on even turns, the other way round on odd ones; the turn goes up by
    one with each job, each workload and each round."""
    bench = dataclasses.replace(setup.bench, round_tag=f"r{index + 1}-{uuid.uuid4().hex[:6]}")
    step = dataclasses.replace(setup, bench=bench)
    workload = setup.workloads[name]
    failures: list[str] = []
    with ExitStack() as stack:
        opened: dict[str, Side] = {}
        for side in sides:
            opened[side] = open_side(
                side, bench, workload, client=setup.client, day=setup.day,
                label=f"{name}-{bench.round_tag}",
            )  # fmt: skip
            stack.callback(opened[side].close)
        for position, job in enumerate(jobs_of(name)):
            order = list(sides)[:: -1 if (turn + position) % 2 else 1]
            for side in order:
                try:
                    times = run_job(step, opened[side], workload, job)
                except StepFailed as failed:
                    failures.append(f"{name} {job} {side}: {failed}")
                    print(f"  round {index + 1} {name} {job} {side:13} FAILED", flush=True)
                    continue
                found.setdefault(name, {}).setdefault(side, {}).setdefault(job, []).append(times)
                shown = ", ".join(f"{k} {v:.2f}" for k, v in times.items() if k != "total")
                print(f"  round {index + 1} {name} {job} {side:13} total {times['total']:7.2f} s"
                      f"  ({shown})", flush=True)  # fmt: skip
    return failures


@contextmanager
def prepared(args: argparse.Namespace, work: Path) -> Iterator[Setup]:
    """The action image, the Trivy DB, the wheelhouses, the cache client, the API stand-in."""
    devenv = load_devenv()
    image = args.action_image or action_image()  # a given image: runs compared across runs
    run(["docker", "pull", "--quiet", image], timeout=900)  # the runner's "Set up job"
    if args.smoke:
        print(f"Trivy DB: the tests' small DB ({devenv.trivy_db}); smoke run, not a measurement")
    else:
        db = trivydb_large.publish(devenv.registry, Path(devenv.cache), datetime.now(UTC))
        devenv = dataclasses.replace(devenv, trivy_db=db.reference)
        print(f"Trivy DB: {db.reference}, {db.compressed / 1e6:.1f} MB compressed, "
              f"trivy.db {db.uncompressed / 1e6:.0f} MB ({db.ratio:.1f}x)")  # fmt: skip
    client = ActionsCache.install() if "chain-cached" in args.sides else ActionsCache(Path())
    wheels = wheelhouse.make_wheelhouse(Path(devenv.cache), ROOT / "benchmarks" / "workloads"
                                        / "app" / "requirements.txt")  # fmt: skip
    compile_wheels = None
    if "compile" in args.workloads:
        requirements = WORKLOADS["compile"].source / "requirements.txt"
        compile_wheels = make_compile_wheelhouse(requirements, work / "compile-wheels")
    with wheelhouse.serve(wheels) as index, github_api(work) as api:
        bench = JobsBench(devenv, work, image, api, metadata_bundle(), args.logs)
        workloads: dict[str, Workload] = {**WORKLOADS, "app": app_workload(index)}
        day = datetime.now(UTC).strftime("%Y-%m-%d")
        try:
            yield Setup(bench, workloads, compile_wheels, client, day, args.smoke)
        finally:
            bench.clean_up()


def print_tables(samples: Collected, judged: list[report.Judged], smoke: bool) -> None:
    """Stages per workload and job, the totals, the goals."""
    for workload, by_side in samples.items():
        for job in jobs_of(workload):
            sides = {side: by_job[job] for side, by_job in by_side.items() if job in by_job}
            if not sides:
                continue
            print(f"\n{workload}, job {report.JOB_TITLES[job]}: seconds, median (min-max)")
            print("\n".join(report.stage_table(sides, TITLES)))
    print("\nmedian totals, seconds")
    print("\n".join(report.totals_table(samples, TITLES)))
    print("\ngoals (issue 22)" + (" -- smoke run: not a measurement" if smoke else ""))
    print("\n".join(report.goals_table(judged)))


def main(argv: Sequence[str] | None = None) -> int:
    """Set up, measure, print."""
    args = parse_args(argv)
    started = time.monotonic()
    samples: Collected = {}
    failures: list[str] = []
    with (
        tempfile.TemporaryDirectory(prefix="slipway-jobs-") as tmp,
        prepared(args, Path(tmp)) as setup,
    ):
        print(machine_line(setup.bench))
        if {"chain", "chain-cached"} & set(args.sides) and setup.bench.metadata_js is None:
            print(METADATA_SKIPPED.replace("anchor:", "chain sides:"))
        for index in range(args.rounds):
            for offset, name in enumerate(args.workloads):
                print(f"\n{name} ({setup.workloads[name].platform_list}), round {index + 1}:",
                      flush=True)  # fmt: skip
                turn = index + offset
                failures += one_workload(setup, name, args.sides, index, samples, turn=turn)
    samples = {  # the sides in their usual order, whichever ran first
        name: {side: by_side[side] for side in SIDES if side in by_side}
        for name, by_side in samples.items()
    }
    print_tables(samples, report.judge(samples), args.smoke)
    for problem in report.missing_reuse(samples):
        print(f"\nWRONG {problem}")
    for failure in failures:
        print(f"\nFAILED {failure}", file=sys.stderr)
    print(f"\n({(time.monotonic() - started) / 60:.1f} minutes)")
    if args.json:
        args.json.write_text(json.dumps(samples, indent=2) + "\n", encoding="utf-8")
    return 1 if failures else 0


if __name__ == "__main__":
    os.environ.setdefault("NO_COLOR", "1")
    sys.exit(main())
