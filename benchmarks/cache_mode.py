"""Benchmark: which `type=gha` mode Slipway's default build cache uses (issue 22, item 3).

The `compile` workload (a builder stage that pip-installs dependencies, a final stage that
copies them) through the cache service stand-in (tests/support/gha_cache on Azurite), each
job with a new builder, as each hosted job is a new machine:

* job A, the first commit: a cold build that exports the cache with ``mode=min`` or ``max``;
* job B, the next commit, built from that cache, in two kinds: a change in the final stage
  (B-final), and a change in the builder stage after its dependencies are installed
  (B-builder: the code built in the builder stage, the common multi-stage pattern).

It prints per mode the seconds of each job, of A's export, and how many steps each B took
from the cache. The default is the mode whose A + B is smaller over both kinds of B.

    .venv/bin/python benchmarks/cache_mode.py [--rounds 1]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from pipeline.workloads import WORKLOADS, make_wheelhouse
from tests.support.devenv import load_devenv
from tests.support.gha_cache import Azurite, GhaCacheStandin

EXPORT = re.compile(r"^#(\d+) exporting to GitHub Actions Cache$", re.MULTILINE)
DONE = re.compile(r"^#(\d+) DONE ([0-9.]+)s$", re.MULTILINE)
CACHED = re.compile(r"^#\d+ CACHED$", re.MULTILINE)


def build(context: Path, mode: str, scope: str, cache: GhaCacheStandin) -> tuple[float, float, int]:
    """One job on a new builder: (seconds, seconds of the cache export, steps from cache)."""
    devenv = load_devenv()
    base = f"BASE={devenv.registry}/library/python:3.11-slim-bookworm"
    name = f"bench-mode-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "ACTIONS_RUNTIME_TOKEN": cache.token,
        "ACTIONS_RESULTS_URL": cache.url,
        "ACTIONS_CACHE_SERVICE_V2": "true",
    }
    subprocess.run(
        ["docker", "buildx", "create", "--name", name, "--driver", "docker-container",
         "--driver-opt", "network=host", "--driver-opt", f"image={devenv.buildkit_image}",
         "--bootstrap"], check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    try:
        argv = ["docker", "buildx", "build", "--builder", name, "--progress", "plain",
                "--platform", "linux/amd64", "--build-arg", base,
                "--cache-from", f"type=gha,scope={scope}",
                "--cache-to", f"type=gha,mode={mode},scope={scope},ignore-error=true",
                "--output", "type=cacheonly", str(context)]  # fmt: skip
        started = time.monotonic()
        done = subprocess.run(
            argv, env=env, capture_output=True, text=True, timeout=1800, check=False
        )
        seconds = time.monotonic() - started
        if done.returncode != 0:
            raise RuntimeError(done.stderr[-2000:])
        log = done.stderr
        export = 0.0
        for step in EXPORT.findall(log):
            export += sum(float(s) for n, s in DONE.findall(log) if n == step)
        return seconds, export, len(CACHED.findall(log))
    finally:
        subprocess.run(
            ["docker", "buildx", "rm", "--force", name], capture_output=True, check=False
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    workload = WORKLOADS["compile"]
    results: dict[str, list[tuple[float, float, float, int, float, int]]] = {"min": [], "max": []}
    with tempfile.TemporaryDirectory() as tmp, Azurite() as azurite:
        wheels = make_wheelhouse(workload.source / "requirements.txt", Path(tmp) / "wheels")
        for _ in range(args.rounds):
            for mode in ("min", "max"):
                with GhaCacheStandin(azurite.account_url) as cache:
                    context = workload.lay_out(Path(tmp) / f"ctx-{mode}", wheels)
                    dockerfile = context / "Dockerfile"
                    nonce = uuid.uuid4().hex  # a new commit: nothing cached elsewhere
                    text = dockerfile.read_text().replace("ARG NONCE=0", f"ARG NONCE={nonce}")
                    dockerfile.write_text(text)
                    a, export, _ = build(context, mode, f"bench-{mode}", cache)
                    final = text + "RUN echo the next commit > /tmp/commit\n"
                    dockerfile.write_text(final)
                    b_final, _, cached_final = build(context, mode, f"bench-{mode}", cache)
                    head, sep, tail = text.partition("\nFROM ${BASE}\n")
                    dockerfile.write_text(
                        head + "\nRUN echo the next commit >/tmp/commit\n" + sep + tail
                    )
                    b_builder, _, cached_builder = build(context, mode, f"bench-{mode}", cache)
                    results[mode].append(
                        (a, export, b_final, cached_final, b_builder, cached_builder)
                    )
                    subprocess.run(["rm", "-rf", str(context)], check=False)
    print("| mode | job A | of it, the cache export | B-final | from cache | B-builder | "
          "from cache | A + both B |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for mode, rows in results.items():
        a, export, bf, cf, bb, cb = (statistics.median(r[i] for r in rows) for i in range(6))
        print(f"| {mode} | {a:.2f} | {export:.2f} | {bf:.2f} | {cf:.0f} | {bb:.2f} | {cb:.0f} | "
              f"{a + bf + bb:.2f} |")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
