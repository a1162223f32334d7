"""The workloads as commits: what each job checks out, and the push event it runs for.

Job A builds the first commit, job B the next one (the ``app`` workload's code changed, its
dependencies not), job C re-runs B's commit. ``app`` (benchmarks/workloads/app) installs its
dependencies from the wheelhouse served on the host (its ``PIP_FIND_LINKS`` and
``PIP_NO_INDEX`` build args); the other workloads are benchmarks/pipeline's, built by job A
only (a fresh job), ``compile`` and ``large`` with a ``NONCE`` new to each round.

Everything here but :func:`check_out` is pure.
"""

from __future__ import annotations

import copy
import hashlib
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.workloads import WORKLOADS_DIR, Workload

APP_SOURCE = WORKLOADS_DIR / "app"
BUILD_INFO = Path("src") / "app" / "build_info.py"  # the file every commit of app changes
JOBS = ("A", "B", "C")
COMMIT_OF = {"A": "A", "B": "B", "C": "B"}  # C re-runs B's commit
# What the smoke mode installs (benchmarks/jobs --smoke): the web framework's pins only, a
# build of seconds rather than half a minute.
SMOKE_PACKAGES = frozenset(
    {"annotated-doc", "annotated-types", "anyio", "fastapi", "idna", "pydantic",
     "pydantic-core", "starlette", "typing-extensions", "typing-inspection"}
)  # fmt: skip


@dataclass(frozen=True)
class AppWorkload(Workload):
    """``app``: its build args name the package index (the wheelhouse's URL)."""

    index_url: str = ""

    def build_args(self, nonce: str) -> dict[str, str]:
        """The index, the same for every job (a build arg is part of the build's cache key)."""
        del nonce  # each round pushes to repositories of its own: the layers are new to them
        return {"PIP_FIND_LINKS": self.index_url, "PIP_NO_INDEX": "1"}


def app_workload(index_url: str) -> AppWorkload:
    """``app``, amd64 (its wheels are x86_64 builds), its wheels from ``index_url``."""
    return AppWorkload("app", APP_SOURCE, ("linux/amd64",), False, index_url=index_url)


def jobs_of(workload: str) -> tuple[str, ...]:
    """The jobs a workload runs: A, B and C for ``app``, the fresh job A for the others."""
    return JOBS if workload == "app" else ("A",)


def commit_sha(round_tag: str, commit: str) -> str:
    """A commit's 40-hex SHA, different for every round and commit."""
    return hashlib.sha1(f"{round_tag}/{commit}".encode(), usedforsecurity=False).hexdigest()


def build_info(sha: str) -> str:
    """app's ``build_info.py`` at commit ``sha``."""
    return (
        '"""Which commit this is. The benchmark rewrites this file for each commit it makes '
        '(jobs A and\nB of benchmarks/jobs), as any commit changes some code."""\n\n'
        f'COMMIT = "{sha}"\n'
    )


def smoke_requirements(text: str) -> str:
    """``requirements.txt`` cut down to :data:`SMOKE_PACKAGES` (comments kept)."""

    def name(line: str) -> str:
        return line.split("==", 1)[0].strip().lower().replace("_", "-")

    return "".join(
        line
        for line in text.splitlines(keepends=True)
        if line.startswith("#") or not line.strip() or name(line) in SMOKE_PACKAGES
    )


def push_event(base: dict[str, Any], sha: str) -> dict[str, Any]:
    """The push payload ``base`` for commit ``sha`` (``after`` and the head commit)."""
    payload = copy.deepcopy(base)
    payload["after"] = sha
    if isinstance(payload.get("head_commit"), dict):
        payload["head_commit"]["id"] = sha
    return payload


def check_out(
    workload: Workload, into: Path, sha: str, *, wheelhouse: Path | None, smoke: bool = False
) -> Path:
    """What a checkout of ``workload`` at commit ``sha`` holds, laid out at ``into``."""
    workload.lay_out(into, wheelhouse)
    if isinstance(workload, AppWorkload):
        (into / BUILD_INFO).write_text(build_info(sha), encoding="utf-8")
        if smoke:
            requirements = into / "requirements.txt"
            text = requirements.read_text(encoding="utf-8")
            requirements.write_text(smoke_requirements(text), encoding="utf-8")
    return into


def remove(path: Path) -> None:
    """A checkout gone."""
    shutil.rmtree(path, ignore_errors=True)
