"""What a deterministic program printed, kept by everything it depended on.

``trivy config`` and hadolint read only the Dockerfile (and hadolint its config file) with
checks built into the binary: the same binary on the same bytes prints the same report. A
re-run of a commit then waits for neither (the state kept in GitHub's cache service carries
the folder, `slipway.stages.cache`). A damaged or missing entry is only a miss.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from slipway.tools.run import Runner

FOLDER = "slipway-lint"  # inside the cache directory, next to the scan results


def identity(runner: Runner, program: str) -> str:
    """Which build of ``program`` this is, without running it: its path, size and
    modification time (an upgrade changes them); "" when it cannot be told (then nothing is
    remembered for it)."""
    path = Path(runner.which(program))
    try:
        info = path.stat()
    except OSError:
        return ""
    return f"{path}:{info.st_size}:{info.st_mtime_ns}"


def remembered(
    folder: Path | None, parts: Sequence[str | bytes], produce: Callable[[], str]
) -> str:
    """``produce()``'s text, or what it printed before for the same ``parts``."""
    if folder is None:
        return produce()
    digest = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "big") + data)
    path = folder / f"{digest.hexdigest()}.txt"
    try:
        text = path.read_text(encoding="utf-8")
        path.touch()  # used: kept another month
        return text
    except (OSError, UnicodeDecodeError):
        pass
    text = produce()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=folder, suffix=".part")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        Path(temporary).replace(path)
    except OSError:
        pass  # not kept: the next run runs the program again
    return text
