"""BuildKit's own build checks become annotations (issue 28, item 5), with real buildx and
BuildKit: the checks BuildKit ran during the build, read back from the metadata file."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.actionrun import run_action, unique_repository
from tests.support.devenv import DevEnv
from tests.support.payloads import load_event

pytestmark = pytest.mark.integration

DOCKERFILE = "FROM scratch as base\nCOPY file /file\n"  # FromAsCasing: 'as' in lower case


def build(devenv: DevEnv, tmp_path: Path, *, annotations: str = "true") -> str:
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    (ctx / "file").write_text("x\n")
    (ctx / "Dockerfile").write_text(DOCKERFILE)
    run = run_action(
        tmp_path / "run",
        "push",
        load_event("push", index=4),
        {
            "IMAGES": f"{devenv.registry}/{unique_repository('slipway-test/checks')}",
            "CONTEXT": str(ctx),
            "PLATFORMS": "linux/amd64",
            "PUSH": "false",
            "SCAN": "false",
            "POLICY": "none",
            "PROVENANCE": "false",
        },
        extra_env={"DOCKER_BUILD_CHECKS_ANNOTATIONS": annotations},
    )
    assert run.returncode == 0, run.log
    return run.log


def test_a_build_check_is_an_annotation_on_its_line(devenv: DevEnv, tmp_path: Path) -> None:
    log = build(devenv, tmp_path)
    lines = [line for line in log.splitlines() if "BuildKit check FromAsCasing" in line]
    assert len(lines) == 1, log
    assert lines[0].startswith("::warning ")
    assert ",line=1::" in lines[0]


def test_they_can_be_turned_off_as_build_push_action_does(devenv: DevEnv, tmp_path: Path) -> None:
    log = build(devenv, tmp_path, annotations="false")
    assert "BuildKit check" not in log
