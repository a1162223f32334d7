"""The ``app`` workload's package index: its pinned wheels downloaded once into a wheelhouse
on the host, and served on the host's loopback while the benchmark runs.

A build on this machine cannot reach PyPI (shared/ENVIRONMENT.md), so the wheels are fetched
here with the project's pip (the index scripts/dev-env configured) and served by a plain HTTP
directory listing, which pip takes as ``--find-links`` (``PIP_FIND_LINKS``). The builders'
RUN steps share the host's network (the BuildKit image has no CNI: buildkitd falls back to
the host's namespace), so a build reaches it as a build on GitHub reaches PyPI, and only the
builds that run ``pip install`` pay for the download.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from pipeline.bench import run
from tests.support.lifecycle import serve_in_thread

ROOT = Path(__file__).resolve().parents[2]
PIP = ROOT / ".venv" / "bin" / "pip"
DONE = ".complete"  # written last: a wheelhouse without it was cut short


def wheelhouse_dir(cache: Path, requirements: Path) -> Path:
    """Where the wheels of ``requirements`` are kept: named after the file's content."""
    digest = hashlib.sha256(requirements.read_bytes()).hexdigest()[:12]
    return cache / "benchmarks" / f"app-wheels-{digest}"


def make_wheelhouse(cache: Path, requirements: Path) -> Path:
    """The wheels of the pinned ``requirements`` (binary only, no dependency resolution: the
    file pins every package), downloaded once; returns their folder."""
    into = wheelhouse_dir(cache, requirements)
    if (into / DONE).is_file():
        return into
    shutil.rmtree(into, ignore_errors=True)
    into.mkdir(parents=True)
    run(
        [str(PIP), "download", "--quiet", "--disable-pip-version-check", "--no-deps",
         "--only-binary", ":all:", "--dest", str(into), "--requirement", str(requirements)],
        timeout=900,
    )  # fmt: skip
    if not any(into.glob("*.whl")):
        raise RuntimeError(f"pip downloaded no wheel for {requirements} into {into}")
    (into / DONE).write_text("", encoding="utf-8")
    return into


class _QuietHandler(SimpleHTTPRequestHandler):
    """A directory listing and its files, without a line per request on stderr."""

    def log_message(self, format: str, *args: Any) -> None:
        """Say nothing: pip's requests are not the benchmark's output."""


@contextmanager
def serve(folder: Path) -> Iterator[str]:
    """Serve ``folder`` on 127.0.0.1 for the block; yields its URL (for ``PIP_FIND_LINKS``)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_QuietHandler, directory=str(folder)))
    thread = serve_in_thread(server)
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
