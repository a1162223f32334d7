"""The one place a subprocess is started.

Prints the command line (never a secret: secrets reach programs through stdin or
files), resolves the program on PATH with a clear error when it is missing, and
shows program output with workflow commands switched off, since build logs carry
untrusted text.
"""

from __future__ import annotations

import contextlib
import shlex
import shutil
import subprocess
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from slipway.core.redact import argv_for_log
from slipway.errors import ToolError
from slipway.runner.workflow import Workflow

INSTALL_HINTS = {
    "docker": "Install the Docker CLI (https://docs.docker.com/engine/install/), or run scripts/dev-env.",
    "trivy": "Install Trivy (https://trivy.dev/latest/getting-started/installation/), or run scripts/dev-env.",
}


# What the runner hands a container action that no program Slipway starts needs: the runtime
# tokens and endpoints (what buildx needs of them for `type=gha` is passed to it explicitly),
# the job's token, and every INPUT_* (Slipway reads its inputs itself; they hold the password,
# registry-auth and build secrets).
WITHHELD = frozenset(
    {
        "ACTIONS_RUNTIME_TOKEN",
        "ACTIONS_RUNTIME_URL",
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
        "ACTIONS_ID_TOKEN_REQUEST_URL",
        "ACTIONS_RESULTS_URL",
        "ACTIONS_CACHE_URL",
        "GITHUB_TOKEN",
        "GH_TOKEN",
    }
)


def child_environment(env: Mapping[str, str], secrets: Sequence[str] = ()) -> dict[str, str]:
    """``env`` without what the programs Slipway runs must not see: ``WITHHELD``, every
    ``INPUT_*``, and any variable whose value holds one of ``secrets``."""
    found = [s for s in secrets if len(s) >= 4]
    return {
        key: value
        for key, value in env.items()
        if key not in WITHHELD
        and not key.startswith("INPUT_")
        and not any(secret in value for secret in found)
    }


@dataclass(frozen=True)
class Result:
    """A finished program: exit code and captured output."""

    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str


class Runner:
    """Runs programs for the adapters, with one environment and one log."""

    def __init__(self, workflow: Workflow, env: Mapping[str, str]) -> None:
        self.workflow = workflow
        self.env = dict(env)

    def which(self, program: str) -> str:
        """The program's full path, or a ToolError that says how to install it."""
        path = shutil.which(program, path=self.env.get("PATH"))
        if path is None:
            raise ToolError(f"{program} was not found on PATH", INSTALL_HINTS.get(program, ""))
        return path

    def stream(self, argv: Sequence[str], *, env: Mapping[str, str] | None = None) -> Result:
        """Run ``argv`` showing its merged output live (commands off); output is also kept."""
        program = self.which(argv[0])
        self.workflow.info("$ " + shlex.join(argv_for_log(argv)))
        lines: list[str] = []
        with (
            self.workflow.stop_commands(),
            _started(
                [program, *argv[1:]],
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                text=True,
                env={**self.env, **(env or {})},
            ) as process,
        ):
            assert process.stdout is not None
            for line in process.stdout:
                lines.append(line)
                self.workflow.raw(line.rstrip("\n"))
            process.wait()
        return Result(tuple(argv), process.returncode, "".join(lines), "")

    def run(
        self,
        argv: Sequence[str],
        *,
        stdin: str | None = None,
        env: Mapping[str, str] | None = None,
        show_output: bool = False,
        timeout: float | None = None,
        quiet: bool = False,
    ) -> Result:
        """Run ``argv`` to completion; output is captured, and shown when asked. ``quiet``:
        neither the command line nor a failure's output is shown (questions whose "no" is an
        answer, such as ``git describe --exact-match``)."""
        program = self.which(argv[0])
        if not quiet:
            self.workflow.info("$ " + shlex.join(argv_for_log(argv)))
        full_env = {**self.env, **(env or {})}
        with _started(
            [program, *argv[1:]],
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=full_env,
        ) as process:
            try:
                stdout, stderr = process.communicate(stdin, timeout=timeout)
            except subprocess.TimeoutExpired:
                raise ToolError(f"{argv[0]} did not finish within {timeout:.0f} s") from None
        result = Result(tuple(argv), process.returncode, stdout, stderr)
        if show_output or (result.returncode != 0 and not quiet):
            self.workflow.verbatim(result.stderr + result.stdout)
        return result


# The programs running now, in every thread: what a cancelled run stops (`stop_all`).
_LIVE: set[subprocess.Popen[str]] = set()
# Re-entrant: the cancel handler (`stop_all`) runs in the main thread, which may hold it then.
_LIVE_LOCK = threading.RLock()
STOP_GRACE = 5.0  # seconds a stopped program has to end (buildx: to cancel its build)


@contextmanager
def _started(argv: list[str], **options: Any) -> Iterator[subprocess.Popen[str]]:
    """``argv`` started, known to `stop_all` while it runs, and never left running: an
    exception on the way (a timeout, `slipway.errors.Cancelled`) stops it."""
    process: subprocess.Popen[str] = subprocess.Popen(argv, **options)
    with _LIVE_LOCK:
        _LIVE.add(process)
    try:
        with process:
            try:
                yield process
            except BaseException:
                _stop(process)
                raise
    finally:
        with _LIVE_LOCK:
            _LIVE.discard(process)


def _stop(process: subprocess.Popen[str]) -> None:
    """SIGTERM, then SIGKILL after `STOP_GRACE` seconds."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(STOP_GRACE)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def stop_all() -> None:
    """Ask every program running now to end (SIGTERM): a cancelled run's first step. Their
    readers then see them end; `_started` finishes the job for those that linger."""
    with _LIVE_LOCK:
        running = [process for process in _LIVE if process.poll() is None]
    for process in running:
        with contextlib.suppress(ProcessLookupError):
            process.terminate()
