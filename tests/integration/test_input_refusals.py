"""Every refused spelling of every input (tests/support/input_table.py), given to Slipway's
entry point as the runner gives it: exit 2, one ``::error title=Invalid input::`` naming the
input, no traceback, and not one program started.

Each spelling runs in a process of its own, forked from this one with Slipway already
imported (``slipway.__main__.main`` with the row's environment and its own stdout and
stderr), so the 250 cases do not each pay an interpreter's start and Slipway's imports; one
case also runs as ``python -m slipway`` itself, the runner's way.

The programs Slipway would run (docker, trivy, hadolint, git) are stand-ins on PATH that
append their command line to a file and fail; the file must stay empty.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

import pytest

import slipway.commands.run  # noqa: F401 - imported once here, not in every forked child
from slipway.__main__ import main
from tests.support.input_table import INVALID, Row, env_for, prepare_workspace

pytestmark = [pytest.mark.integration, pytest.mark.no_engine]

ROOT = Path(__file__).resolve().parents[2]
PROGRAMS = ("docker", "trivy", "hadolint", "git", "buildctl", "docker-buildx")


@pytest.fixture(scope="module")
def stand_ins(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("bin")
    for name in PROGRAMS:
        script = folder / name
        script.write_text(f'#!/bin/sh\necho "{name} $*" >> "$STARTED"\nexit 1\n')
        script.chmod(0o755)
    return folder


@pytest.mark.parametrize("row", INVALID, ids=lambda r: r.id)
def test_refused_before_anything_runs(row: Row, stand_ins: Path, tmp_path: Path) -> None:
    env, workspace, started = environment(row, stand_ins, tmp_path)
    code, log = forked_main(env, workspace)
    assert code == 2, log
    assert f"::error title=Invalid input::input '{row.named}'" in log, log
    assert "Traceback" not in log
    assert not started.exists(), started.read_text()


def test_refused_by_python_m_slipway_itself(stand_ins: Path, tmp_path: Path) -> None:
    row = INVALID[0]
    env, workspace, started = environment(row, stand_ins, tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "slipway"],
        cwd=workspace,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    log = done.stdout + done.stderr
    assert done.returncode == 2, log
    assert f"::error title=Invalid input::input '{row.named}'" in log, log
    assert "Traceback" not in log
    assert not started.exists(), started.read_text()


def environment(row: Row, stand_ins: Path, tmp_path: Path) -> tuple[dict[str, str], Path, Path]:
    """The runner's environment for ``row`` (the workspace and the stand-ins' record)."""
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    prepare_workspace(workspace)
    started = tmp_path / "started"
    env = {
        "PATH": f"{stand_ins}{os.pathsep}/usr/bin{os.pathsep}/bin",
        "HOME": str(tmp_path / "home"),
        "STARTED": str(started),
        "GITHUB_ACTIONS": "true",
        "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_OUTPUT": str(tmp_path / "output"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary"),
        "GITHUB_API_URL": "http://127.0.0.1:9",
        "GITHUB_REPOSITORY": "octo-org/hello",
        "GITHUB_REF": "refs/heads/main",
        "GITHUB_SHA": "a" * 40,
        "GITHUB_EVENT_NAME": "push",
        "RUNNER_TEMP": str(tmp_path / "temp"),
        "PYTHONPATH": str(ROOT / "src"),
        **env_for(row),
    }
    return env, workspace, started


def forked_main(env: dict[str, str], cwd: Path, timeout: float = 60) -> tuple[int, str]:
    """``main()`` in a forked child with exactly ``env``, in ``cwd``: its exit code and its
    merged stdout and stderr."""
    with tempfile.TemporaryFile() as out:
        pid = os.fork()
        if pid == 0:  # the child: never returns into pytest
            code = 70
            try:
                os.chdir(cwd)
                os.environ.clear()
                os.environ.update(env)
                os.dup2(out.fileno(), 1)
                os.dup2(out.fileno(), 2)
                sys.stdout = sys.stderr = open(1, "w", closefd=False)  # noqa: SIM115
                code = main([])
            except BaseException:  # noqa: BLE001 - reported as the test's failure
                traceback.print_exc()
            finally:
                sys.stdout.flush()
                os._exit(code)
        deadline = time.monotonic() + timeout
        while (found := os.waitpid(pid, os.WNOHANG)) == (0, 0):
            if time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                pytest.fail(f"no answer within {timeout} s")
            time.sleep(0.005)
        out.seek(0)
        return os.waitstatus_to_exitcode(found[1]), out.read().decode("utf-8", "replace")
