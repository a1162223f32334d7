"""README command 1, `scripts/demo`: the `slipway` command on this checkout, with output for
a person (stages with durations, the verdict, the files written) and no runner protocol."""

from __future__ import annotations

import os
import subprocess

import pytest

from tests.support.devenv import ROOT

pytestmark = pytest.mark.e2e


def test_the_demo_shows_a_terminal_not_the_runners_protocol() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "INPUT_"))}
    done = subprocess.run(
        [str(ROOT / "scripts" / "demo")],
        cwd=ROOT,
        env={**env, "NO_COLOR": "1"},
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    out = done.stdout
    assert done.returncode == 0, out + done.stderr
    lines = out.splitlines()
    assert [line for line in lines if line.startswith("::")] == []
    assert [line for line in lines if line.startswith(("output ", "env "))] == []
    # built, or (the demo run again on this machine: its registry keeps what it pushed)
    # the identical build found and reused
    built = any(line.startswith("✓ Build ") for line in lines)
    reused = any(line.strip().startswith("reused ") for line in lines)
    assert built != reused, out
    assert any(line.startswith("✓ Scan ") for line in lines), out
    assert any(line.startswith("tags ") and "slipway-demo/hello:" in line for line in lines)
    assert lines[-1].startswith("exit 0")
    assert "\x1b" not in out  # NO_COLOR
