"""Where a run keeps what should outlive it: the OCI layout, the Trivy DB and scan results,
the layer store, and the run's reports. One folder, ``state_dir``:

* under GitHub Actions, ``$RUNNER_TEMP/slipway`` (``/github/runner_temp/slipway`` in the
  action's container, ``${{ runner.temp }}/slipway`` for the job's other steps). It outlives
  the container (``docker run --rm``) and the runner user can read it afterwards (the entry
  point hands it back); the runner empties it at the end of the job, so what the next job can
  reuse goes to GitHub's cache service (`slipway.stages.cache`).
  The container's ``HOME`` (``/github/home``) is emptied for every job and is not the place;
* elsewhere, ``$XDG_CACHE_HOME/slipway`` or ``~/.cache/slipway``;
* ``SLIPWAY_STATE_DIR`` overrides both.

Reports (scan JSON, SARIF, the comment body) go to ``reports/<step>`` in it: never into the
checkout, where a later ``git status`` or ``COPY . .`` would pick them up.

One run at a time uses the folder (`held`): two ``slipway`` commands at once on a laptop would
otherwise export into one OCI layout and write one reports folder, each reading or pruning
what the other wrote. The second waits, and says for what.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import tempfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

LOCK_FILE = ".lock"  # in the state folder: held for a whole run


def state_dir(env: Mapping[str, str]) -> Path:
    """The folder a run keeps its reusable state in (see the module's text)."""
    if env.get("SLIPWAY_STATE_DIR"):
        return Path(env["SLIPWAY_STATE_DIR"])
    if env.get("GITHUB_ACTIONS") == "true" and env.get("RUNNER_TEMP"):
        return Path(env["RUNNER_TEMP"]) / "slipway"
    cache = env.get("XDG_CACHE_HOME") or str(
        Path(env.get("HOME") or tempfile.gettempdir()) / ".cache"
    )
    return Path(cache) / "slipway"


def layout_dir(env: Mapping[str, str]) -> Path:
    """The OCI layout builds are exported to (kept: unchanged blobs are not rewritten)."""
    if env.get("SLIPWAY_LAYOUT_DIR"):
        return Path(env["SLIPWAY_LAYOUT_DIR"])
    return state_dir(env) / "oci-layout"


def trivy_cache_dir(env: Mapping[str, str]) -> Path:
    """Trivy's cache (DB, scan results, layer store) when `trivy-cache-dir` is not given."""
    return state_dir(env) / "trivy"


def reports_dir(env: Mapping[str, str]) -> Path:
    """This step's reports: ``reports/<GITHUB_ACTION>`` (each step of a job its own)."""
    step = re.sub(r"[^A-Za-z0-9._-]", "_", env.get("GITHUB_ACTION") or "local").lstrip(".")
    return state_dir(env) / "reports" / (step or "local")


@contextlib.contextmanager
def held(env: Mapping[str, str], waiting: Callable[[str], None]) -> Iterator[None]:
    """The state folder for this run alone, while the ``with`` lasts. When another run holds
    it, ``waiting`` is told (once) and the run waits; a cancelling signal ends the wait
    (`slipway.runner.cancel`). The kernel lets go of the lock when the process ends, however
    it ends. A folder that cannot be made or locked is used as it is (the run then fails
    where it writes, naming what)."""
    folder = state_dir(env)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(folder / LOCK_FILE, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    except OSError:
        yield
        return
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            waiting(
                f"another Slipway run is using {folder}: waiting for it to end (to run both "
                "at once, give this one a folder of its own with SLIPWAY_STATE_DIR)"
            )
            fcntl.flock(descriptor, fcntl.LOCK_EX)
        except OSError:  # a file system without locks
            pass
        yield
    finally:
        os.close(descriptor)
