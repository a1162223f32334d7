"""What every side of a round shares: the machine's services, the builder settings, the
GitHub API stand-in, and the bookkeeping that leaves nothing behind."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.devenv import ROOT, DevEnv
from tests.support.launcher import JOB_TOKEN, Engine

from pipeline.timing import StepFailed
from slipway.buildx.builders import parse_engine_info
from slipway.buildx.buildkitd import buildkitd_config

TRIVY = ROOT / ".venv" / "bin" / "trivy"  # the Trivy of the action image (0.76.0)
REPOSITORY = "Codertocat/Hello-World"  # the repository of the push payload every side gets


@dataclass
class Bench:
    """The run's shared settings and what it created (removed by :meth:`clean_up`)."""

    devenv: DevEnv
    work: Path  # the run's temporary folder
    action_image: str  # NAME@sha256:..., pulled before the first round
    api_url: str  # the GitHub API stand-in
    metadata_js: Path | None  # metadata-action's dist/index.cjs, when given and node is there
    logs: Path | None = None  # where Slipway's step logs are kept (--logs)
    engine: Engine = field(default_factory=lambda: Engine("hosted", "/var/run/docker.sock"))
    builders: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    @property
    def buildkitd_config(self) -> Path:
        """The BuildKit config a builder needs on this offline machine: the engine's docker.io
        mirror (the local base images) and the plain-HTTP local registry. The same file
        Slipway derives for its own builder; a hosted runner needs none."""
        path = self.work / "buildkitd.toml"
        if not path.is_file():
            info = run(["docker", "info", "--format", "{{json .}}"]).stdout
            path.write_text(buildkitd_config(parse_engine_info(info)), encoding="utf-8")
        return path

    def repository(self, workload: str, side: str) -> str:
        """Where a side pushes a workload (one repository per side: no blob of another
        side's push is ever "already there")."""
        return f"{self.devenv.registry}/slipway-bench/pipeline-{workload}-{side}"

    def made_builder(self, name: str, env: dict[str, str]) -> None:
        """Remember a builder this run created (and the env whose BUILDX_CONFIG knows it)."""
        self.builders.append((name, env))

    def clean_up(self) -> None:
        """Remove every builder this run created that is still there."""
        for name, env in self.builders:
            run(["docker", "buildx", "rm", "--force", name], env=env, check=False)
            container = f"buildx_buildkit_{name}0"
            run(["docker", "rm", "--force", "--volumes", container], check=False)
            run(["docker", "volume", "rm", "--force", f"{container}_state"], check=False)
        self.builders.clear()


def machine_line(bench: Bench) -> str:
    """What the machine is: CPUs, memory, kernel, engine, buildx, BuildKit, Trivy."""
    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")), platform.machine(),
    )  # fmt: skip
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    engine = run(["docker", "version", "--format", "{{.Server.Version}}"]).stdout.strip()
    store = run(["docker", "info", "--format", "{{.Driver}}"]).stdout.strip()
    buildx = run(["docker", "buildx", "version"]).stdout.split()[1]
    trivy = run([str(ROOT / ".venv" / "bin" / "trivy"), "--version"]).stdout.split()[1]
    qemu = Path("/proc/sys/fs/binfmt_misc/qemu-aarch64").exists()
    return (
        f"machine: {os.cpu_count()} x {cpu}, {memory:.0f} GiB, Linux {platform.release()}; "
        f"Docker {engine} ({store}), buildx {buildx}, BuildKit {bench.devenv.buildkit_image}, "
        f"Trivy {trivy}, arm64 {'under QEMU (binfmt)' if qemu else 'not available'}"
    )


def run(
    argv: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    check: bool = True,
    timeout: float = 1800,
) -> subprocess.CompletedProcess[str]:
    """Run one command of a side; its output is not part of the measurement."""
    done = subprocess.run(
        list(argv),
        env=dict(env) if env is not None else None,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    if check and done.returncode != 0:
        tail = (done.stdout + done.stderr)[-3000:]
        raise StepFailed(f"{' '.join(argv[:4])} ... exited {done.returncode}:\n{tail}")
    return done


def new_name(prefix: str) -> str:
    """A builder name nobody else uses."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


@contextmanager
def github_api(work: Path) -> Iterator[str]:
    """The GitHub REST API stand-in (tests/support/github_standin) in its own process, with
    the push payload's repository and the job's token; yields its URL.

    Slipway and metadata-action both read the repository from the API (metadata-action
    fails without it). Here it answers on loopback in milliseconds; api.github.com costs a
    round trip more to each side that calls it.
    """
    seed = work / "github-seed.json"
    owner, name = REPOSITORY.split("/")
    seed.write_text(
        json.dumps({"tokens": {JOB_TOKEN: "write"}, "repos": [{"owner": owner, "name": name}]}),
        encoding="utf-8",
    )
    log = work / "github-standin.log"
    argv = [
        sys.executable,
        "-m",
        "tests.support.github_standin",
        "--port",
        "0",
        "--seed",
        str(seed),
    ]
    with (
        log.open("w", encoding="utf-8") as out,
        subprocess.Popen(
            argv,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONPATH": f"{ROOT}:{ROOT / 'src'}"},
        ) as process,
    ):
        try:
            deadline = time.monotonic() + 60
            while "serving " not in log.read_text(encoding="utf-8"):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the GitHub API stand-in did not start:\n{log.read_text()}")
                time.sleep(0.1)
            yield log.read_text(encoding="utf-8").split("serving ", 1)[1].split()[0]
        finally:
            process.terminate()
            process.wait(timeout=30)
