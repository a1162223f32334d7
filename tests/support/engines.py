"""The Docker engines the launcher's jobs run on (tests/support/launcher.py): a docker client
per engine, the buildx builders on it (which a job's steps made, which they found), and one
launcher job at a time per engine across processes.

A buildx ``docker-container`` builder ``NAME`` is a container ``buildx_buildkit_NAME0`` with
a volume ``buildx_buildkit_NAME0_state`` (buildx ``driver/docker-container``). The engines are
shared by tests and by other sessions, so a builder is a job's only when it is new since the
job started and a step's log names it: ``docker buildx create … --name NAME`` (Slipway prints
every command it runs) or the container's name (``--bootstrap`` prints it).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

BUILDER_PREFIX = "buildx_buildkit_"  # buildx's docker-container driver: container and volume


@dataclass(frozen=True)
class Engine:
    """A Docker engine: its socket on the host (mounted as /var/run/docker.sock)."""

    name: str  # "hosted" (classic image store) or "containerd"
    socket: str

    @property
    def env(self) -> dict[str, str]:
        """The environment for a docker client talking to this engine."""
        return {**os.environ, "DOCKER_HOST": f"unix://{self.socket}"}

    def docker(self, *args: str, timeout: float = 120, check: bool = True) -> str:
        """Run ``docker ARGS`` against this engine; its stdout."""
        done = subprocess.run(
            ["docker", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if check and done.returncode != 0:
            raise RuntimeError(f"docker {' '.join(args)} failed: {done.stderr.strip()}")
        return done.stdout

    def builder_parts(self) -> frozenset[str]:
        """The buildx builders' containers and volumes on this engine, by name."""
        containers = self.docker("ps", "--all", "--format", "{{.Names}}").split()
        volumes = self.docker("volume", "ls", "--format", "{{.Name}}").split()
        return frozenset(n for n in (*containers, *volumes) if n.startswith(BUILDER_PREFIX))

    def remove_builder_parts(self, names: Sequence[str]) -> None:
        """Remove builder containers (with their anonymous volumes), then named volumes."""
        for name in sorted(names, key=lambda n: n.endswith("_state")):  # containers first
            if name.endswith("_state"):
                self.docker("volume", "rm", "--force", name, check=False)
            else:
                self.docker("rm", "--force", "--volumes", name, check=False)


_CREATE = re.compile(r"buildx\s+create\b.*?\s--name[= ]([A-Za-z0-9][A-Za-z0-9_.-]*)")
_CONTAINER = re.compile(rf"\b{BUILDER_PREFIX}([A-Za-z0-9][A-Za-z0-9_.-]*)")


def builders_named(log: str) -> set[str]:
    """The builder containers and volumes a step's log names (``docker buildx create … --name
    NAME``: ``buildx_buildkit_NAME0`` and its ``_state``; or the container's own name)."""
    containers = {f"{BUILDER_PREFIX}{m}0" for m in _CREATE.findall(log)}
    containers |= {f"{BUILDER_PREFIX}{m.removesuffix('_state')}" for m in _CONTAINER.findall(log)}
    return containers | {f"{c}_state" for c in containers}


def job_builders(before: frozenset[str], after: frozenset[str], logs: Sequence[str]) -> set[str]:
    """The builder parts a job made: new since it started, and named by one of its steps."""
    named = set().union(*(builders_named(log) for log in logs))
    return {part for part in after - before if part in named}


def reused_builders(before: frozenset[str], logs: Sequence[str]) -> set[str]:
    """The builder parts a job's steps named that were on the engine before the job started:
    what a new VM would not have had."""
    return set().union(*(builders_named(log) for log in logs)) & before


class EngineJobs:
    """One launcher job at a time per engine across processes (an exclusive ``flock`` on a
    file named after the engine's socket), any number within this process.

    Slipway names a builder after its configuration, so two jobs of the same configuration
    running at once (two test sessions) would share one builder, and whichever ended first
    would remove it under the other's build. Jobs of other sessions wait instead; a job of
    this process never waits for this process (a test may hold two machines' jobs)."""

    def __init__(self) -> None:
        self._held: dict[str, tuple[int, IO[str]]] = {}

    @staticmethod
    def path(engine: Engine) -> Path:
        """The lock file of ``engine``."""
        digest = hashlib.sha256(engine.socket.encode()).hexdigest()[:12]
        return Path(tempfile.gettempdir()) / f"slipway-launcher-{digest}.lock"

    def acquire(self, engine: Engine) -> None:
        """Take ``engine`` for a job (waits while another process's job has it)."""
        depth, handle = self._held.get(engine.socket, (0, None))
        if handle is None:
            handle = self.path(engine).open("a", encoding="utf-8")
            fcntl.flock(handle, fcntl.LOCK_EX)
        self._held[engine.socket] = (depth + 1, handle)

    @contextmanager
    def held(self, engine: Engine) -> Iterator[None]:
        """``engine`` taken for what is not a job but changes what jobs find on it (its image
        store): no other process's job runs there meanwhile."""
        self.acquire(engine)
        try:
            yield
        finally:
            self.release(engine)

    def release(self, engine: Engine) -> None:
        """A job of this process on ``engine`` has ended."""
        depth, handle = self._held.pop(engine.socket)
        if depth > 1:
            self._held[engine.socket] = (depth - 1, handle)
            return
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


ENGINE_JOBS = EngineJobs()
