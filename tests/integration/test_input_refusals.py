"""Every refused spelling of every input (tests/support/input_table.py), given to
``python -m slipway`` as the runner gives it: exit 2, one ``::error title=Invalid input::``
naming the input, no traceback, and not one program started.

The programs Slipway would run (docker, trivy, hadolint, git) are stand-ins on PATH that
append their command line to a file and fail; the file must stay empty.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

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
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    prepare_workspace(workspace)
    started = tmp_path / "started"
    output = tmp_path / "output"
    env = {
        "PATH": f"{stand_ins}{os.pathsep}/usr/bin{os.pathsep}/bin",
        "HOME": str(tmp_path / "home"),
        "STARTED": str(started),
        "GITHUB_ACTIONS": "true",
        "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_OUTPUT": str(output),
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
