"""What the tests left behind on the engines: containers, networks, volumes, buildx builders.

``python -m tests.support.leftovers`` (scripts/test runs it after pytest) prints, on each engine
scripts/dev-env started, every container (act's job containers, BuildKit builders, services,
action containers), every network and volume the tests make, and every buildx builder but
the default ones; exit 1 when anything is left.
"""

from __future__ import annotations

import subprocess
import sys

from tests.support.devenv import load_devenv
from tests.support.launcher import INSTANCE_LABEL, Engine

TEST_NETWORKS = ("github_network_", "act-")
TEST_VOLUMES = ("act-", "buildx_buildkit_")


def on_engine(engine: Engine) -> list[str]:
    """Everything the tests made that is still on ``engine``."""
    found = [f"container {n}" for n in engine.docker("ps", "-a", "--format", "{{.Names}}").split()]
    found += [
        f"network {n}"
        for n in engine.docker("network", "ls", "--format", "{{.Name}}").split()
        if n.startswith(TEST_NETWORKS)
    ]
    found += [
        f"network {n}"
        for n in engine.docker(
            "network", "ls", "--filter", f"label={INSTANCE_LABEL}", "--format", "{{.Name}}"
        ).split()
        if not n.startswith(TEST_NETWORKS)
    ]
    found += [
        f"volume {n}"
        for n in engine.docker("volume", "ls", "--format", "{{.Name}}").split()
        if n.startswith(TEST_VOLUMES)
    ]
    builders = subprocess.run(
        ["docker", "buildx", "ls", "--format", "{{.Name}}"],
        env=engine.env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    ).stdout.split()
    found += [
        f"builder {b}"
        for b in builders
        if b.rstrip("*") not in ("default",) and not b.startswith("\\_")
    ]
    return found


def main() -> int:
    devenv = load_devenv()
    engines = [Engine("hosted", "/var/run/docker.sock")]
    if devenv.cs_docker_host:
        engines.append(Engine("containerd", devenv.cs_docker_host.removeprefix("unix://")))
    if devenv.old_docker_host:
        engines.append(Engine("old", devenv.old_docker_host.removeprefix("unix://")))
    left = [f"{e.name}: {item}" for e in engines for item in on_engine(e)]
    for line in left:  # silent when nothing is left: pytest's summary stays the last line
        print(f"left behind by the tests: {line}")
    return 1 if left else 0


if __name__ == "__main__":
    sys.exit(main())
