"""The action container's entry (slipway.runner.container) on this machine's git and file
system: git reads the safe.directory it declares; what the run created is handed back to the
workspace owner, and nothing else is."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from slipway.runner.container import hand_back, safe_directory_env
from tests.support.act import RUNNER_UID

pytestmark = [pytest.mark.integration, pytest.mark.no_engine]


def test_safe_directory_env_is_what_git_reads(tmp_path: Path) -> None:
    env = {**os.environ, **safe_directory_env({}, str(tmp_path))}
    done = subprocess.run(
        ["git", "config", "--get-all", "safe.directory"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert str(tmp_path) in done.stdout.splitlines()


@pytest.mark.skipif(os.geteuid() != 0, reason="changing owners needs root")
def test_hand_back_changes_only_what_was_created_since(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    (workspace / "old").mkdir(parents=True)
    (workspace / "old" / "file").write_text("before")
    os.chown(workspace, RUNNER_UID, RUNNER_UID)
    old_time = time.time() - 3600
    since = time.time() - 1
    os.utime(workspace / "old" / "file", (old_time, old_time))
    (workspace / "new" / "deep").mkdir(parents=True)
    (workspace / "new" / "deep" / "file").write_text("created by the run")
    (workspace / "link").symlink_to("/etc/hostname")
    # ctime cannot be set back: "old" entries are told apart by a later `since`.
    changed = hand_back(workspace, since)
    owners = {str(p.relative_to(workspace)): p.lstat().st_uid for p in workspace.rglob("*")}
    assert changed >= 4
    assert owners["new/deep/file"] == RUNNER_UID
    assert owners["link"] == RUNNER_UID
    assert Path("/etc/hostname").stat().st_uid == 0  # the link was not followed
    assert hand_back(workspace, time.time() + 60) == 0
    assert set(owners) >= {"new", "new/deep", "new/deep/file", "link"}  # every entry reached


def test_hand_back_does_nothing_when_we_own_the_workspace(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    assert hand_back(tmp_path, 0.0, uid=tmp_path.stat().st_uid) == 0
