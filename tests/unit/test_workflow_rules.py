"""Every workflow file of the repository (the reusable workflow, release, CI, the example and
the e2e tests' workflows) follows the house rules: no permissions unless a job asks for
them, a timeout on every job, concurrency, no ``${{ }}`` inside a ``run:`` script, and
third-party actions pinned by commit SHA."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]

WORKFLOW_FILES = [
    ROOT / ".github" / "workflows" / "build.yml",
    ROOT / ".github" / "workflows" / "release.yml",
    ROOT / ".github" / "workflows" / "ci.yml",
    ROOT / "examples" / "workflows" / "image.yml",
    *sorted((ROOT / "tests" / "e2e" / "workflows").glob("*.yml")),
]
CALLERS_GRANT = {"build", "merge"}  # build.yml's jobs that run with the calling job's permissions
PINNED = re.compile(r"^[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}$")


def _steps(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


@pytest.mark.parametrize("path", WORKFLOW_FILES, ids=lambda p: p.name)
def test_workflow_rules(path: Path) -> None:
    """permissions {} by default and per job; a timeout on every job; concurrency; no
    ${{ }} in a run: script; third-party actions pinned by commit SHA. The reusable
    workflow's Slipway jobs take the calling job's grant instead (a called workflow can only
    narrow it, and asking for more than the caller gives fails the run: see build.yml)."""
    workflow = yaml.safe_load(path.read_text(encoding="utf-8"))
    inherits = CALLERS_GRANT if path.name == "build.yml" else set()
    assert workflow.get("permissions") == (None if inherits else {})
    assert "concurrency" in workflow
    for name, job in workflow["jobs"].items():
        assert ("permissions" in job) != (name in inherits), name
        if "uses" not in job:  # a called workflow sets its own timeouts
            assert "timeout-minutes" in job, name
    for step in _steps(workflow):
        assert "${{" not in step.get("run", ""), step
        uses = step.get("uses", "")
        if uses and not uses.startswith(("./", "slipway/slipway@")):
            assert PINNED.match(uses), uses
