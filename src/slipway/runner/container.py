"""Running as the action container: root in someone else's workspace.

GitHub runs container actions as root, with the runner user's checkout mounted at
``GITHUB_WORKSPACE``. Two consequences, handled here around the ordinary main():

* git refuses a repository owned by another user ("detected dubious ownership"), and
  buildx runs git for the build's provenance (revision, source): the workspace is declared
  a ``safe.directory`` through git's environment configuration (``GIT_CONFIG_COUNT`` /
  ``GIT_CONFIG_KEY_n`` / ``GIT_CONFIG_VALUE_n``, git >= 2.31), which reaches every git the
  run starts and writes no file.
* files the run creates in the workspace or in runner temp would be root's, and the job's
  later steps (as the runner user) could not change, cache or delete them
  (actions/runner#434): at exit, whatever this run created or changed there is handed to the
  folder's owner.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from slipway.__main__ import main
from slipway.core.numbers import is_int, parse_int

DEFAULT_WORKSPACE = "/github/workspace"
MAX_GIT_CONFIG = 10_000  # more entries than any environment holds: a garbled count


def safe_directory_env(env: Mapping[str, str], workspace: str) -> dict[str, str]:
    """Return the variables that add ``workspace`` to git's ``safe.directory``.

    Keeps configuration already passed the same way (appends entry ``GIT_CONFIG_COUNT``).
    """
    # git itself refuses a count that is not a number ("bogus count"): ours replaces it
    count = env.get("GIT_CONFIG_COUNT", "0").strip()
    index = parse_int(count, high=MAX_GIT_CONFIG) if is_int(count, high=MAX_GIT_CONFIG) else 0
    return {
        "GIT_CONFIG_COUNT": str(index + 1),
        f"GIT_CONFIG_KEY_{index}": "safe.directory",
        f"GIT_CONFIG_VALUE_{index}": workspace,
    }


def _entries(top: Path) -> Iterator[Path]:
    yield top
    for directory, dirnames, filenames in os.walk(top, followlinks=False):
        for name in (*dirnames, *filenames):
            yield Path(directory, name)


def hand_back(workspace: Path, since: float, uid: int | None = None) -> int:
    """Give what ``uid`` (default: us) created or changed in ``workspace`` since ``since``
    (a ``time.time()``) to the workspace's owner; returns how many entries changed hands.

    Nothing happens when we already are the owner. Symbolic links are changed themselves,
    never followed; entries that vanish meanwhile are skipped.
    """
    ours = os.geteuid() if uid is None else uid
    try:
        owner = workspace.stat()
    except OSError:
        return 0
    if owner.st_uid == ours:
        return 0
    changed = 0
    for path in _entries(workspace):
        try:
            info = path.lstat()
            if info.st_uid == ours and info.st_ctime >= since:
                os.lchown(path, owner.st_uid, owner.st_gid)
                changed += 1
        except OSError:
            continue
    return changed


def run_in_container(argv: Sequence[str] | None = None) -> int:
    """The action's entry point: main() with the workspace safe for git, then handed back."""
    since = time.time() - 1  # ctime has coarse granularity on some filesystems
    workspace = os.environ.get("GITHUB_WORKSPACE") or DEFAULT_WORKSPACE
    os.environ.update(safe_directory_env(os.environ, workspace))
    try:
        return main(argv)
    finally:
        # The workspace, and what outlives the container in runner temp (the state folder,
        # local caches): a later step or actions/cache reads and replaces them as the runner.
        hand_back(Path(workspace), since)
        if os.environ.get("RUNNER_TEMP"):
            hand_back(Path(os.environ["RUNNER_TEMP"]), since)
