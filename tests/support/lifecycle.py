"""What every local stand-in (registry front, GitHub API, cache service, Azurite) does to run
and stop: a context manager over ``start``/``stop``, an HTTP server on a thread, a process
stopped politely then killed."""

from __future__ import annotations

import subprocess
import threading
from http.server import HTTPServer
from types import TracebackType
from typing import Self


class Running:
    """``with X(...) as x:`` starts ``x`` and stops it however the block ends."""

    def start(self) -> Self:
        """Start serving; returns self."""
        raise NotImplementedError

    def stop(self) -> None:
        """Stop serving and release what was held."""
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def serve_in_thread(server: HTTPServer) -> threading.Thread:
    """``server.serve_forever`` on a daemon thread, polling often so ``shutdown`` is quick."""
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    return thread


def terminate(
    process: subprocess.Popen[bytes] | subprocess.Popen[str], timeout: float = 10
) -> None:
    """SIGTERM, wait up to ``timeout`` seconds, then SIGKILL."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=timeout)
