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
from tests.support.devenv import DevEnv, load_devenv
from tests.support.payloads import load_event, write_event

EPOCH = "1767225600"  # the same labels every round, for both sides
STAGES = {"Preflight": "build+push", "Build": "build+push", "Push by digest": "build+push"}
STAGES |= {"Scan": "scan"}


def slipway_round(image: str, devenv: DevEnv, work: Path, platforms: str) -> dict[str, float]:
    """One container run; returns seconds per compared stage and in total."""
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
    argv = ["docker", "run", "--rm", "--network", "host", "--workdir", "/github/workspace"]
    argv += ["-v", "/var/run/docker.sock:/var/run/docker.sock"]
    argv += ["-v", f"{workspace}:/github/workspace", "-v", f"{commands}:/github/file_commands"]
    for key, value in env.items():
        argv += ["-e", f"{key}={value}"]
    times: dict[str, float] = {"build+push": 0.0, "scan": 0.0}
    started = time.monotonic()
    group: tuple[str, float] | None = None
    with subprocess.Popen(
        [*argv, image], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    ) as process:
        assert process.stdout is not None
        for line in process.stdout:
            now = time.monotonic()
            if line.startswith("::group::"):
                group = (line.removeprefix("::group::").strip(), now)
            elif line.startswith("::endgroup::") and group is not None:
                stage = STAGES.get(group[0])
                if stage:
                    times[stage] += now - group[1]
                group = None
    times["total"] = time.monotonic() - started
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


def main() -> int:
    """Warm up, alternate the two sides, print the medians and ratios."""
    parser = argparse.ArgumentParser(prog="benchmarks/overhead")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--platforms", default="linux/amd64,linux/arm64")
    args = parser.parse_args()
    devenv = load_devenv()
    image = action_image()
    with tempfile.TemporaryDirectory(prefix="slipway-overhead-") as tmp:
        work = Path(tmp)
        shutil.copytree(ROOT / "examples", work / "workspace" / "examples")
        samples: dict[str, list[dict[str, float]]] = {"slipway": [], "bare": []}
        slipway_round(image, devenv, work, args.platforms)  # warm-up (caches, DB)
        bare_round(devenv, work, args.platforms)
        for index in range(args.rounds):
            order = ("slipway", "bare") if index % 2 == 0 else ("bare", "slipway")
            for side in order:
                if side == "slipway":
                    sample = slipway_round(image, devenv, work, args.platforms)
                else:
                    sample = bare_round(devenv, work, args.platforms)
                samples[side].append(sample)
                print(f"round {index + 1} {side:8}", json.dumps(sample), flush=True)
    print(f"\n{'stage':12} {'slipway s':>10} {'bare s':>10} {'ratio':>7}")
    for stage in ("build+push", "scan", "total"):
        mine = statistics.median(s[stage] for s in samples["slipway"])
        bare = statistics.median(s[stage] for s in samples["bare"])
        print(f"{stage:12} {mine:10.2f} {bare:10.2f} {mine / bare if bare else 0:7.2f}")
    print("\ngoal: total <= 1.05 warm; a re-run (every round here) cheaper than the bare run")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("NO_COLOR", "1")
    sys.exit(main())
