"""Benchmark: Slipway's build + push stage against the bare `docker buildx build --push`.

Same example (examples/hello), same platforms, same labels and build args, warm cache,
run alternately; prints each run's wall time, the medians and the ratio. Slipway's run
includes its preflight, the OCI-layout export, the push by digest and the tag writes
(scan off, so only the build + push stage is compared).

    .venv/bin/python benchmarks/build_push.py [--rounds 5] [--platforms linux/amd64,linux/arm64]

Needs scripts/dev-env (the local registry and base image). Goal: Slipway adds under 5 %
(or under 1 s) to the bare command on a warm cache.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from tests.support.builders import oci_builder
from tests.support.devenv import load_devenv
from tests.support.payloads import load_event, write_event

from slipway.core.context import read_context
from slipway.core.plan import make_plan
from slipway.inputs import read_inputs
from slipway.tools.buildx import build_argv

EPOCH = "1767225600"  # fixed SOURCE_DATE_EPOCH: the same labels every round, for both sides


def slipway_env(registry: str, platforms: str, work: Path) -> dict[str, str]:
    env = write_event(
        work / "event.json", "push", load_event("push", index=4), "http://127.0.0.1:9"
    )
    return {
        **os.environ,
        **env,
        "PATH": f"{ROOT / '.venv' / 'bin'}:{os.environ['PATH']}",
        "SOURCE_DATE_EPOCH": EPOCH,
        "INPUT_IMAGES": f"{registry}/slipway-bench/slipway",
        "INPUT_CONTEXT": str(ROOT / "examples" / "hello"),
        "INPUT_PLATFORMS": platforms,
        "INPUT_PUSH": "true",
        "INPUT_SCAN": "false",
        "INPUT_PROVENANCE": "false",
        "GITHUB_OUTPUT": str(work / "out"),
        "GITHUB_STEP_SUMMARY": str(work / "summary"),
    }


def bare_argv(env: dict[str, str], registry: str) -> list[str]:
    """What a user would script: the same build (labels, args, platforms), pushed with a tag."""
    inputs = read_inputs(env)
    context = read_context(env, load_event("push", index=4))
    plan = make_plan(inputs, context, env=env, now=datetime.fromtimestamp(int(EPOCH), tz=UTC))
    # the bare side builds as a hosted runner's user would: a docker-container builder
    argv = build_argv(plan, "/dev/null", "/unused", builder=oci_builder())
    argv = [
        *argv[: argv.index("--output")],
        "--push",
        "-t",
        f"{registry}/slipway-bench/bare:master",
        argv[-1],
    ]
    return [part for part in argv if not part.startswith("--metadata-file") and part != "/dev/null"]


def timed(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, env=env, check=True, capture_output=True, cwd=ROOT)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--platforms", default="linux/amd64,linux/arm64")
    args = parser.parse_args()
    registry = load_devenv().registry
    with tempfile.TemporaryDirectory() as tmp:
        env = slipway_env(registry, args.platforms, Path(tmp))
        slipway_cmd = [sys.executable, "-m", "slipway"]
        bare = bare_argv(env, registry)
        timed(bare, env)  # warm both caches
        timed(slipway_cmd, env)
        results: dict[str, list[float]] = {"bare": [], "slipway": []}
        for round_number in range(args.rounds):
            for name, argv in (("bare", bare), ("slipway", slipway_cmd)):
                seconds = timed(argv, env)
                results[name].append(seconds)
                print(f"round {round_number + 1} {name:8s} {seconds:6.2f} s")
    bare_median, slipway_median = (
        statistics.median(results["bare"]),
        statistics.median(results["slipway"]),
    )
    print(f"median bare    {bare_median:6.2f} s")
    print(f"median slipway {slipway_median:6.2f} s")
    print(
        f"ratio          {slipway_median / bare_median:6.3f}  (added {slipway_median - bare_median:+.2f} s)"
    )


if __name__ == "__main__":
    main()
