"""Clocks for the pipeline benchmark: processes whose output lines are stamped as they
arrive, stages timed by a stopwatch, Trivy's DB download told apart from its scan, and the
engine's own record of when containers and volumes went (``docker events``).

Every stamp is ``time.time()`` (the wall clock), because the engine's events carry wall
time too and the two are compared.
"""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self

# Trivy's log line once the vulnerability DB is in the cache (0.76: "[vulndb] Artifact
# successfully downloaded"); everything after it is the scan proper.
DB_DONE = ("[vulndb]", "successfully downloaded")


class StepFailed(RuntimeError):
    """A command of a side failed: the round is not a measurement."""


@dataclass
class Streamed:
    """A finished process: when it started and ended, its exit code, its stamped lines."""

    argv: tuple[str, ...]
    started: float
    ended: float = 0.0
    returncode: int = 0
    lines: list[tuple[float, str]] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        """Wall time from start to exit."""
        return self.ended - self.started

    @property
    def text(self) -> str:
        """The output, as one string."""
        return "".join(line for _, line in self.lines)

    def first(self, *words: str) -> float | None:
        """When the first line containing every one of ``words`` arrived."""
        for stamp, line in self.lines:
            if all(word in line for word in words):
                return stamp
        return None

    def check(self, allowed: Sequence[int] = (0,)) -> Streamed:
        """Raise StepFailed (with the output's tail) unless the exit code is ``allowed``."""
        if self.returncode not in allowed:
            tail = self.text[-3000:]
            raise StepFailed(f"{' '.join(self.argv[:4])} ... exited {self.returncode}:\n{tail}")
        return self


def stream(
    argv: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = 1800,
) -> Streamed:
    """Run ``argv`` with stdout and stderr merged; stamp each line as it arrives."""
    done = Streamed(tuple(argv), time.time())
    with subprocess.Popen(
        list(argv),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        errors="replace",
        env=dict(env) if env is not None else None,
        cwd=cwd,
    ) as process:
        assert process.stdout is not None
        timer = threading.Timer(timeout, process.kill)
        timer.start()
        try:
            for line in process.stdout:
                done.lines.append((time.time(), line))
        finally:
            timer.cancel()
        done.returncode = process.wait()
    done.ended = time.time()
    return done


def trivy_split(scan: Streamed) -> tuple[float, float]:
    """(DB download, scan) seconds of one ``trivy image`` run; no download: (0, all of it)."""
    downloaded = scan.first(*DB_DONE)
    if downloaded is None:
        return 0.0, scan.seconds
    return downloaded - scan.started, scan.ended - downloaded


class Stopwatch:
    """Seconds per named stage of one round, in the order first timed."""

    def __init__(self) -> None:
        self.stages: dict[str, float] = {}
        self.started = time.time()

    def add(self, name: str, seconds: float) -> None:
        """Count ``seconds`` more for stage ``name``."""
        self.stages[name] = self.stages.get(name, 0.0) + seconds

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Time the block as stage ``name``."""
        begun = time.time()
        try:
            yield
        finally:
            self.add(name, time.time() - begun)

    def result(self) -> dict[str, float]:
        """The stages and, last, the round's total wall time."""
        return {**self.stages, "total": time.time() - self.started}


@dataclass(frozen=True)
class Event:
    """One engine event: when, what happened, to which container or volume."""

    stamp: float
    kind: str  # "container" or "volume"
    action: str  # create, start, die, destroy, ...
    name: str  # container name, or volume name


class EngineEvents:
    """``docker events`` for containers and volumes while a step runs (a context manager).

    The engine stamps each event itself, so the moment a builder's container and volume
    were gone is known even though the step's log says nothing after ``docker buildx rm``.
    """

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        self.events: list[Event] = []
        self._env = dict(env) if env is not None else dict(os.environ)
        self._process: subprocess.Popen[str] | None = None
        self._reader: threading.Thread | None = None

    def __enter__(self) -> Self:
        argv = ["docker", "events", "--format", "{{json .}}", "--since", f"{time.time():.3f}"]
        argv += ["--filter", "type=container", "--filter", "type=volume"]
        self._process = subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=self._env
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        return self

    def _read(self) -> None:
        assert self._process is not None
        assert self._process.stdout is not None
        for line in self._process.stdout:
            try:
                data = json.loads(line)
            except json.JSONDecodeError:
                continue
            actor = data.get("Actor") or {}
            name = (actor.get("Attributes") or {}).get("name") or actor.get("ID", "")
            stamp = int(data.get("timeNano", 0)) / 1e9
            self.events.append(Event(stamp, data.get("Type", ""), data.get("Action", ""), name))

    def __exit__(self, *_: object) -> None:
        time.sleep(0.3)  # the last events (the step's own container going) arrive late
        if self._process is not None:
            self._process.terminate()
            self._process.wait(timeout=10)
        if self._reader is not None:
            self._reader.join(timeout=5)

    def last(self, action: str, name: str) -> float | None:
        """When the last ``action`` event for ``name`` happened, if it did."""
        found = [e.stamp for e in self.events if e.action == action and e.name == name]
        return max(found) if found else None
