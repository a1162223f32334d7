"""A cancelled job's signal stops the program Slipway is running (slipway.runner.cancel with
slipway.tools.run), with real processes and real signals: the program gets SIGTERM, the
run ends at once with the cancelled exit code, and nothing is left running."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.no_engine]

ROOT = Path(__file__).resolve().parents[2]

# Slipway's own pieces as a run uses them: the handlers installed, a program started
# through the one subprocess module (shown live, or captured), the Cancelled error reported.
SCRIPT = """
import sys
from slipway.errors import Cancelled
from slipway.runner import cancel
from slipway.runner.workflow import Workflow
from slipway.tools.run import Runner, stop_all

cancel.install(stop_all)
runner = Runner(Workflow({}), {"PATH": "/usr/bin:/bin", "MARK": sys.argv[2]})
program = ["sh", "-c", "trap 'echo stopped > $MARK; exit 143' TERM; echo started >&2; "
           "sleep 60 & wait"]
try:
    if sys.argv[1] == "stream":
        runner.stream(program)
    else:
        runner.run(program)
except Cancelled as error:
    print(error.message, flush=True)
    sys.exit(int(error.exit_code))
sys.exit(0)
"""


@pytest.mark.parametrize("how", ["stream", "run"])
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_the_running_program_is_stopped_and_the_run_ends_cancelled(
    tmp_path: Path, how: str, signum: int
) -> None:
    mark = tmp_path / "mark"
    process = subprocess.Popen(
        [sys.executable, "-c", SCRIPT, how, str(mark)],
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not _has_child(process.pid, "sleep"):  # the program runs
            assert process.poll() is None, "the script ended early"
            assert time.monotonic() < deadline, "the program never started"
            time.sleep(0.05)
        process.send_signal(signum)
        out, _ = process.communicate(timeout=30)  # the program would sleep 60 s
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 130, out
    assert out.splitlines()[-1] == f"cancelled ({signal.Signals(signum).name})"
    assert mark.read_text().strip() == "stopped"  # the program was told to end (SIGTERM)
    assert not _has_child(process.pid, "sleep")


def _has_child(pid: int, name: str) -> bool:
    """Whether a process named ``name`` descends from ``pid`` (read from /proc)."""
    parents: dict[int, int] = {}
    names: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        head, _, rest = stat.rpartition(")")
        names[int(entry.name)] = head.partition("(")[2]
        parents[int(entry.name)] = int(rest.split()[1])
    for child, child_name in names.items():
        ancestor = parents.get(child)
        while ancestor:
            if ancestor == pid:
                if child_name == name:
                    return True
                break
            ancestor = parents.get(ancestor)
    return False
