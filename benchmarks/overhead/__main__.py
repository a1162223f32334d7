"""Benchmark: the whole Slipway run, as the action container runs it, against the bare
command sequence a user would otherwise script.

Slipway: ``docker run`` of the action image (scripts/build-action-image) with the
workspace, the docker socket, ``INPUT_*`` and a real push payload, exactly as the runner
starts a container action. Bare: ``docker buildx build --push`` for the same platforms,
then ``trivy image`` once per platform, nothing else. Same example (examples/hello),
same platforms, same build args and labels (a fixed SOURCE_DATE_EPOCH), same warm caches
(one warm-up round of each first), run alternately. Slipway's stages are timed from its
``::group::`` lines; the report gives the median per stage and the ratio Slipway / bare:

    build+push  Preflight + Build + Push by digest   vs  docker buildx build --push
    scan        Scan                                 vs  trivy image, per platform
    total       the whole container run              vs  the whole bare sequence

Every Slipway round after the first is a re-run of an unchanged commit, so with scan
reuse its scan stage should cost less than the bare scans. Goals: total <= 1.05 on a warm
cache; a re-run cheaper than the bare sequence.

    .venv/bin/python benchmarks/overhead [--rounds 3] [--platforms linux/amd64,linux/arm64]

Two Slipway sides: the layout gone with the container (as on GitHub) and kept.

Needs scripts/dev-env (registry, base image, Trivy DB). Not part of the test suite: it
takes minutes and wants a quiet machine.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.support.act import action_image
from tests.support.builders import oci_builder
from tests.support.devenv import DevEnv, load_devenv
from tests.support.payloads import load_event, write_event

EPOCH = "1767225600"  # the same labels every round, for both sides
STAGES = {"Preflight": "build+push", "Build": "build+push", "Push by digest": "build+push"}
STAGES |= {"Scan": "scan"}


def slipway_round(
    image: str, devenv: DevEnv, work: Path, platforms: str, *, keep_layout: bool = False
) -> dict[str, float]:
    """One container run; seconds per compared stage, per log group, and in total.

    ``keep_layout``: the OCI layout lives in the workspace (SLIPWAY_LAYOUT_DIR) and so
    outlasts the run; otherwise it is in the container's home, gone with the container,
    as on GitHub, where /github/home is emptied for every job.
    """
    workspace = work / "workspace"
    commands = work / "file_commands"
    commands.mkdir(exist_ok=True)
    env = write_event(
        workspace / "event.json", "push", load_event("push", index=4), "http://127.0.0.1:9"
    )
    env |= {
        "GITHUB_EVENT_PATH": "/github/workspace/event.json",
        "GITHUB_WORKSPACE": "/github/workspace",
        "GITHUB_OUTPUT": "/github/file_commands/output",
        "GITHUB_STEP_SUMMARY": "/github/file_commands/summary",
        "SOURCE_DATE_EPOCH": EPOCH,
        "INPUT_IMAGES": f"{devenv.registry}/slipway-bench/overhead-slipway",
        "INPUT_CONTEXT": "examples/hello",
        "INPUT_PLATFORMS": platforms,
        "INPUT_PUSH": "true",
        "INPUT_PROVENANCE": "false",
        "INPUT_FAIL-ON": "none",
        "INPUT_TRIVY-DB-REPOSITORY": devenv.trivy_db,
        "INPUT_TRIVY-CACHE-DIR": ".slipway-trivy",
    }
    if keep_layout:
        env["SLIPWAY_LAYOUT_DIR"] = "/github/workspace/.slipway-layout"
    argv = ["docker", "run", "--rm", "--network", "host", "--workdir", "/github/workspace"]
    argv += ["-v", "/var/run/docker.sock:/var/run/docker.sock"]
    argv += ["-v", f"{workspace}:/github/workspace", "-v", f"{commands}:/github/file_commands"]
    for key, value in env.items():
        argv += ["-e", f"{key}={value}"]
    times: dict[str, float] = {"build+push": 0.0, "scan": 0.0}
    started = time.monotonic()
    group: tuple[str, float] | None = None
    last = started
    with subprocess.Popen(
        [*argv, image], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    ) as process:
        assert process.stdout is not None
        for line in process.stdout:
            now = time.monotonic()
            times.setdefault("start", now - started)  # the container's first line
            if line.startswith("::group::"):
                group = (line.removeprefix("::group::").strip(), now)
            elif line.startswith("::endgroup::") and group is not None:
                stage = STAGES.get(group[0])
                if stage:
                    times[stage] += now - group[1]
                times[f"  {group[0]}"] = times.get(f"  {group[0]}", 0.0) + now - group[1]
                group = None
            last = now
    times["total"] = time.monotonic() - started
    times["end"] = times["total"] - (last - started)  # after the last line: exit, removal
    if process.returncode != 0:
        raise SystemExit(f"the Slipway run failed ({process.returncode})")
    return times


def bare_round(devenv: DevEnv, work: Path, platforms: str) -> dict[str, float]:
    """docker buildx build --push, then trivy image per platform; seconds per stage."""
    name = f"{devenv.registry}/slipway-bench/overhead-bare"
    metadata = work / "bare-metadata.json"
    started = time.monotonic()
    run(
        [
            "docker",
            "buildx",
            "build",
            # what a hosted runner's user has: a docker-container builder (setup-buildx-action)
            "--builder",
            oci_builder(),
            "--platform",
            platforms,
            "--provenance=false",
            "--build-arg",
            f"SOURCE_DATE_EPOCH={EPOCH}",
            "--metadata-file",
            str(metadata),
            "--tag",
            f"{name}:master",
            "--push",
            str(ROOT / "examples" / "hello"),
        ]
    )
    built = time.monotonic()
    digest = json.loads(metadata.read_text())["containerimage.digest"]
    for platform in platforms.split(","):
        run(
            [
                str(ROOT / ".venv" / "bin" / "trivy"),
                "image",
                "--quiet",
                "--format",
                "json",
                "--output",
                str(work / "bare-report.json"),
                "--severity",
                "HIGH,CRITICAL",
                "--cache-dir",
                str(work / "bare-trivy"),
                "--db-repository",
                devenv.trivy_db,
                "--platform",
                platform,
                "--image-src",
                "remote",
                "--insecure",
                f"{name}@{digest}",
            ]
        )
    done = time.monotonic()
    return {"build+push": built - started, "scan": done - built, "total": done - started}


def run(argv: Sequence[str]) -> None:
    """Run one bare command; its output is not part of the measurement."""
    subprocess.run(argv, check=True, capture_output=True)


SIDES = ("slipway", "slipway-kept", "bare")


def main() -> int:
    """Warm up, alternate the sides, print the medians and ratios."""
    parser = argparse.ArgumentParser(prog="benchmarks/overhead")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--platforms", default="linux/amd64,linux/arm64")
    args = parser.parse_args()
    devenv = load_devenv()
    image = action_image()
    with tempfile.TemporaryDirectory(prefix="slipway-overhead-") as tmp:
        work = Path(tmp)
        shutil.copytree(ROOT / "examples", work / "workspace" / "examples")
        samples: dict[str, list[dict[str, float]]] = {side: [] for side in SIDES}

        def one(side: str) -> dict[str, float]:
            if side == "bare":
                return bare_round(devenv, work, args.platforms)
            keep = side == "slipway-kept"
            return slipway_round(image, devenv, work, args.platforms, keep_layout=keep)

        for side in SIDES:  # warm-up: build cache, Trivy DB, scan results, kept layout
            one(side)
        for index in range(args.rounds):
            order = SIDES if index % 2 == 0 else SIDES[::-1]
            for side in order:
                sample = one(side)
                samples[side].append(sample)
                print(f"round {index + 1} {side:13}", json.dumps(sample), flush=True)
    report(samples)
    return 0


def report(samples: dict[str, list[dict[str, float]]]) -> None:
    """Medians per stage, the ratios to bare, and where Slipway's time goes."""
    median = {
        side: {k: statistics.median(s.get(k, 0.0) for s in runs) for k in runs[0]}
        for side, runs in samples.items()
    }
    print(f"\n{'stage':12} {'slipway':>9} {'kept':>9} {'bare':>9} {'ratio':>7} {'kept':>7}")
    for stage in ("build+push", "scan", "total"):
        fresh, kept, bare = (median[side][stage] for side in SIDES)
        print(
            f"{stage:12} {fresh:9.2f} {kept:9.2f} {bare:9.2f}"
            f" {fresh / bare if bare else 0:7.2f} {kept / bare if bare else 0:7.2f}"
        )
    print("\nwhere the Slipway run's time goes (median s; slipway / kept):")
    parts = [k for k in median["slipway"] if k not in ("build+push", "scan", "total")]
    for part in parts:
        print(f"  {part:40} {median['slipway'][part]:6.2f} {median['slipway-kept'][part]:6.2f}")
    print(
        "\nslipway: the layout in the container's home, gone with it (GitHub empties "
        "/github/home per job);\nkept: SLIPWAY_LAYOUT_DIR in the workspace, kept between runs."
        "\ngoal: total <= 1.05 warm; a re-run (every round here) cheaper than the bare run"
    )


if __name__ == "__main__":
    os.environ.setdefault("NO_COLOR", "1")
    sys.exit(main())
