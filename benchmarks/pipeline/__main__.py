"""Benchmark (issue 18): what users compare. Per workload, in one alternated run, Slipway
against the bare commands and against the chain of actions it replaces, each as a fresh
hosted job, and Slipway again as a re-run of an unchanged commit.

Sides, one round each per workload, their order alternated round by round:

    bare           docker buildx create (docker-container, network=host) --bootstrap;
                   docker buildx build --push; trivy image per platform; docker buildx rm
    anchor         metadata-action's own bundle under node (METADATA_ACTION_JS, see below);
                   setup-buildx-action's commands (version, info, create, inspect
                   --bootstrap, inspect); build-push-action's argv (tags, labels and
                   annotations from metadata-action, --push, its metadata file, provenance
                   mode=max as it defaults for a public repository) and its build record
                   (history inspect + export); trivy-action's ``trivy image`` per platform
                   with the TRIVY_* it sets (format table, exit-code 1, ignore-unfixed,
                   severity CRITICAL,HIGH), its cache dir new, so the DB is downloaded;
                   then the post steps (the builder removed)
    slipway-fresh  the action image through the runner-faithful launcher
                   (tests/support/launcher.py), a new hosted machine and job: empty home,
                   empty runner temp (no OCI layout, no Trivy DB, no reused scan), no builder
    slipway-rerun  right after, the same commit and build args again, a new job and so, as
                   on GitHub's hosted runners, a new machine: only the registry and the
                   cache service (one stand-in for the pair, as the runner gives it) carry
                   anything over

Every fresh job starts without build cache (its own new builder, removed at the end), with
a new NONCE build arg where the workload takes one, so its layers are new to the registry
and to Trivy; each side pushes to its own repository of the local registry. The re-run
uses the NONCE of the fresh job before it; the realistic workloads are reproducible (the
same build args give the same layer digests, whatever the builder). What this machine
adds that a hosted runner has not: the local registry and Trivy DB (a small stand-in: its
download takes milliseconds, the real one seconds), a buildkitd config with the local
mirror for every builder, ``--network host`` for the action's container (loopback
services), a GitHub API stand-in for metadata-action and Slipway, the action image pulled
beforehand (the runner pulls it in "Set up job", outside the step's time).

Workloads (benchmarks/pipeline/workloads.py): ``tiny`` (examples/hello, amd64 + arm64),
``compile`` (pip install into a venv, 20 s or more of CPU, amd64 + arm64 with a smoke test
under QEMU), ``large`` (some 400 MB compressed in 15 layers, amd64).

Printed: each side's stages, median (min-max) per stage; the ratios of the median totals
with the goals met or not; Slipway's fixed overhead; the action image's compressed size per
layer; the peak memory of a 10,000-finding two-platform report (benchmarks/memory_bench.py).

Goals (issue 18), measured side by side in one run:

* Slipway fresh / anchor <= 0.7 on every workload;
* Slipway fresh / bare <= 1.10 on the realistic workloads; a re-run faster than bare;
* fixed overhead (container start to first line, preflight, exit) <= 1 s in total;
* the action image: Slipway and its dependencies <= 25 MB on top of its tools;
* peak memory on a 10,000-finding, two-platform report <= 200 MB.

    .venv/bin/python benchmarks/pipeline [--workloads tiny,compile,large] [--rounds 3]
        [--sides bare,anchor,slipway-fresh,slipway-rerun] [--json results.json] [--logs DIR]

    METADATA_ACTION_JS=/path/to/metadata-action/dist/index.cjs  # its public repository's
        bundle (not committed here); needs node on PATH. Without it, the anchor side runs
        without its metadata step (and says so).

Needs scripts/dev-env (registry, base image, Trivy DB, BuildKit image, QEMU binfmt). Not
part of the test suite: a full run (3 workloads x 3 rounds x 4 sides) takes about 25
minutes on 2 cores (a round: tiny 1, large 1.5, compile 5.5 minutes) and wants a quiet
machine.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "benchmarks"), str(ROOT), str(ROOT / "src")]

from memory_bench import measure as measure_memory
from tests.support.act import action_image
from tests.support.devenv import load_devenv

from pipeline.bench import Bench, github_api, machine_line, run
from pipeline.image_size import report_layers
from pipeline.report import Samples, fixed_table, goals_table, ratio_table, stage_table
from pipeline.sides import METADATA_SKIPPED, anchor, bare, metadata_bundle
from pipeline.slipway_side import SlipwayJobs
from pipeline.timing import StepFailed
from pipeline.workloads import WORKLOADS, Workload, make_wheelhouse

SIDES = ("bare", "anchor", "slipway-fresh", "slipway-rerun")
Side = Callable[[Bench, Workload, Path, str], dict[str, float]]


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="benchmarks/pipeline", description=__doc__.split("\n")[0])
    parser.add_argument("--workloads", default=",".join(WORKLOADS), help="tiny,compile,large")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sides", default=",".join(SIDES), help=",".join(SIDES))
    parser.add_argument("--json", type=Path, help="also write every round's stages there")
    parser.add_argument("--logs", type=Path, help="keep Slipway's step logs (stamped) there")
    args = parser.parse_args(argv)
    args.workloads = [w for w in args.workloads.split(",") if w]
    args.sides = [s for s in args.sides.split(",") if s]
    for name, known in (("workload", WORKLOADS), ("side", SIDES)):
        unknown = [v for v in getattr(args, f"{name}s") if v not in known]
        if unknown:
            parser.error(f"unknown {name}(s) {unknown}: choose from {', '.join(known)}")
    return args


def slipway_pair(
    bench: Bench, workload: Workload, context: Path, sides: Sequence[str], index: int
) -> dict[str, dict[str, float]]:
    """A fresh job on a new machine, then (when asked for) a re-run on another, sharing the
    cache service; the fresh job runs untimed when only the re-run is asked for, as what
    fills the cache service."""
    nonce = uuid.uuid4().hex[:12]
    jobs = SlipwayJobs(bench, workload, context)
    try:
        label = f"{workload.name}-r{index + 1}"
        found = {"slipway-fresh": jobs.job(nonce, f"{label}-slipway-fresh")}
        if "slipway-rerun" in sides:
            found["slipway-rerun"] = jobs.job(nonce, f"{label}-slipway-rerun")
    finally:
        jobs.remove()
    return {side: times for side, times in found.items() if side in sides}


def one_round(
    bench: Bench, workload: Workload, index: int, sides: Sequence[str], wheels: Path | None
) -> dict[str, dict[str, float]]:
    """Every side once, the order reversed on odd rounds; seconds per stage per side."""
    units = [s for s in ("bare", "anchor") if s in sides]
    if {"slipway-fresh", "slipway-rerun"} & set(sides):
        units.append("slipway")
    if index % 2:
        units.reverse()
    found: dict[str, dict[str, float]] = {}
    for unit in units:
        context = workload.lay_out(bench.work / f"context-{uuid.uuid4().hex[:8]}", wheels)
        try:
            if unit == "slipway":
                found |= slipway_pair(bench, workload, context, sides, index)
            else:
                side: Side = bare if unit == "bare" else anchor
                found[unit] = side(bench, workload, context, uuid.uuid4().hex[:12])
        finally:
            shutil.rmtree(context, ignore_errors=True)
        for name in (n for n in SIDES if n in found and n.startswith(unit)):
            times = found[name]
            shown = ", ".join(f"{k} {v:.2f}" for k, v in times.items() if k != "total")
            print(f"  round {index + 1} {name:14} total {times['total']:7.2f} s  ({shown})",
                  flush=True)  # fmt: skip
    return found


def measure(bench: Bench, args: argparse.Namespace, wheels: Path | None) -> Samples:
    """Every workload's rounds; the samples by workload, then side."""
    samples: dict[str, dict[str, list[dict[str, float]]]] = {}
    for name in args.workloads:
        workload = WORKLOADS[name]
        print(f"\n{name} ({workload.platform_list}):", flush=True)
        sides: dict[str, list[dict[str, float]]] = {s: [] for s in SIDES if s in args.sides}
        for index in range(args.rounds):
            for side, times in one_round(bench, workload, index, args.sides, wheels).items():
                sides[side].append(times)
        samples[name] = sides
    return samples


def main(argv: Sequence[str] | None = None) -> int:
    """Set up, measure, print."""
    args = parse_args(argv)
    devenv = load_devenv()
    started = time.monotonic()
    image = action_image()
    run(["docker", "pull", "--quiet", image], timeout=900)  # the runner's "Set up job"
    with (
        tempfile.TemporaryDirectory(prefix="slipway-pipeline-") as tmp,
        github_api(Path(tmp)) as api,
    ):
        bench = Bench(devenv, Path(tmp), image, api, metadata_bundle(), args.logs)
        print(machine_line(bench))
        if "anchor" in args.sides and bench.metadata_js is None:
            print(METADATA_SKIPPED)
        wheels = None
        if any(WORKLOADS[w].needs_wheels for w in args.workloads):
            requirements = WORKLOADS["compile"].source / "requirements.txt"
            wheels = make_wheelhouse(requirements, bench.work / "wheelhouse")
        try:
            samples = measure(bench, args, wheels)
        except StepFailed as failed:
            print(f"a round failed, nothing measured: {failed}", file=sys.stderr)
            return 1
        finally:
            bench.clean_up()
    for name, sides in samples.items():
        stage_table(name, WORKLOADS[name].platform_list, sides)
    judged = ratio_table(samples) + fixed_table(samples)
    base = f"{devenv.registry}/library/python:3.11-slim-bookworm"
    ours, met = report_layers(image, base)
    judged.append((f"action image: Slipway + deps {ours:.1f} MB (<= 25 MB)", met))
    print()
    peak, met = measure_memory()
    judged.append((f"peak memory, 10,000 findings x 2 platforms: {peak:.0f} MB (<= 200 MB)", met))
    goals_table(judged)
    print(f"\n({(time.monotonic() - started) / 60:.1f} minutes)")
    if args.json:
        args.json.write_text(json.dumps(samples, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("NO_COLOR", "1")
    sys.exit(main())
