"""Run ``python -m slipway`` the way the runner runs the action, and read back what it wrote."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support.devenv import ROOT
from tests.support.payloads import write_event


@dataclass(frozen=True)
class ActionRun:
    """The finished run: exit code, log, step outputs and job summary."""

    returncode: int
    log: str
    outputs: dict[str, str]
    summary: str


def parse_outputs(text: str) -> dict[str, str]:
    """Read a GITHUB_OUTPUT file (``name<<DELIM`` heredocs and ``name=value`` lines)."""
    outputs: dict[str, str] = {}
    for match in re.finditer(r"^(\S+?)<<(\S+)\n(.*?)\n?\2$", text, flags=re.MULTILINE | re.DOTALL):
        outputs[match.group(1)] = match.group(3)
    return outputs


def unique_repository(prefix: str = "slipway-test/e2e") -> str:
    """A repository name no other test uses."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def run_action(
    tmp_path: Path,
    event: str,
    payload: dict[str, Any],
    inputs: dict[str, str],
    *,
    api_url: str = "http://127.0.0.1:9",
    extra_env: dict[str, str] | None = None,
    args: tuple[str, ...] = (),
    timeout: float = 1200,
    cwd: Path = ROOT,
) -> ActionRun:
    """Run Slipway with ``INPUT_*`` (hyphens kept) and a real event payload."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    out, summary = tmp_path / "github_output", tmp_path / "step_summary.md"
    out.touch()
    summary.touch()
    env = {
        "PATH": f"{ROOT / '.venv' / 'bin'}{os.pathsep}{os.environ['PATH']}",
        "HOME": os.environ.get("HOME", "/root"),
        # Slipway's state folder ($XDG_CACHE_HOME/slipway): a session's own when it has one
        # (scripts/test gives the e2e runs beside the integration tier theirs)
        **{name: os.environ[name] for name in ("XDG_CACHE_HOME",) if name in os.environ},
        **write_event(tmp_path / "event.json", event, payload, api_url),
        # The workspace files may be read from (slipway.runner.validation): where the runner has the
        # checkout, tests have their files, in the temporary folder (a test that looks at what
        # is written into the workspace names its own, with its context inside)
        "GITHUB_WORKSPACE": tempfile.gettempdir(),
        "GITHUB_OUTPUT": str(out),
        "GITHUB_STEP_SUMMARY": str(summary),
        **{f"INPUT_{name.upper()}": value for name, value in inputs.items()},
        **(extra_env or {}),
    }
    completed = subprocess.run(
        [sys.executable, "-m", "slipway", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return ActionRun(
        completed.returncode,
        completed.stdout + completed.stderr,
        parse_outputs(out.read_text()),
        summary.read_text(),
    )
