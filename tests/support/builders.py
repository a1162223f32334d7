"""A docker-container builder for tests that call buildx directly, on any engine.

The hosted runner's classic image store cannot export an OCI layout or build several
platforms with buildx's default driver, so such tests build with one BuildKit builder per
test process, configured as Slipway configures its own (the engine's mirrors: the local base
images), from the BuildKit image scripts/dev-env made. Removed when the process exits.
"""

from __future__ import annotations

import atexit
import functools
import os
import re
import subprocess
import tempfile
from pathlib import Path

from slipway.buildx.builders import (
    BuilderSpec,
    create_argv,
    parse_engine_info,
    remove_argv,
)
from slipway.buildx.buildkitd import buildkitd_config
from tests.support.devenv import ROOT


def _run(argv: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, timeout=300, env=env, check=False)


def oci_builder(docker_host: str = "") -> str:
    """The name of this process's test builder on ``docker_host`` ("" = the default engine)."""
    return _builder(docker_host or "")


@functools.cache
def _builder(docker_host: str) -> str:
    env = {**os.environ, "DOCKER_HOST": docker_host} if docker_host else None
    values = dict(
        line.removeprefix("export ").split("=", 1)
        for line in (ROOT / ".cache" / "dev-env.sh").read_text().splitlines()
        if line.startswith("export ")
    )
    info = _run(["docker", "info", "--format", "{{json .}}"], env)
    config = Path(tempfile.mkdtemp(prefix="slipway-test-builder-")) / "buildkitd.toml"
    config.write_text(buildkitd_config(parse_engine_info(info.stdout)), encoding="utf-8")
    name = f"slipway-tests-{os.getpid()}-{abs(hash(docker_host)) % 10_000}"
    spec = BuilderSpec(name, image=values["SLIPWAY_BUILDKIT_IMAGE"], config_file=str(config))
    atexit.register(_run, remove_argv(name), env)
    done = _run(create_argv(spec), env)
    if done.returncode != 0:
        raise RuntimeError(f"could not create the test builder: {done.stderr[-2000:]}")
    return name


# The builders Slipway creates and keeps: slipway-<12 hex>; their containers are node 0's.
KEPT = re.compile(r"slipway-[0-9a-f]{12}")


def _records() -> set[str]:
    """Builders buildx has a record of in the user's Docker config (a laptop's runs)."""
    config = Path(os.environ.get("DOCKER_CONFIG") or Path.home() / ".docker")
    folder = config / "buildx" / "instances"
    return (
        {p.name for p in folder.iterdir() if KEPT.fullmatch(p.name)} if folder.is_dir() else set()
    )


def kept_builders(docker_host: str) -> set[str]:
    """The builders Slipway created and kept: containers on the engine at ``docker_host``,
    and buildx's records of them."""
    env = {**os.environ, "DOCKER_HOST": docker_host}
    listed = _run(["docker", "ps", "-a", "--format", "{{.Names}}"], env=env).stdout.split()
    containers = {
        n.removeprefix("buildx_buildkit_")[:-1] for n in listed if n.startswith("buildx_buildkit_")
    }
    return {n for n in containers if KEPT.fullmatch(n)} | _records()


def remove_kept_builders(docker_host: str, keep: set[str]) -> None:
    """Remove the builders Slipway kept on ``docker_host`` (but those in ``keep``): their
    containers, state volumes and buildx records, as a user would (README, "What crosses
    jobs")."""
    env = {**os.environ, "DOCKER_HOST": docker_host}
    for name in sorted(kept_builders(docker_host) - keep):
        _run(["docker", "buildx", "rm", "--force", name], env=env)
        container = f"buildx_buildkit_{name}0"
        _run(["docker", "rm", "--force", "--volumes", container], env=env)
        _run(["docker", "volume", "rm", "--force", f"{container}_state"], env=env)
