"""Tags are applied all-or-nothing across images, after the gate (issue: never tag what fails)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.actionrun import ActionRun, run_action, unique_repository
from tests.support.devenv import DevEnv
from tests.support.images import scratch_context
from tests.support.oci import RegistryView
from tests.support.payloads import load_event
from tests.support.regfront import RegFront

pytestmark = pytest.mark.integration


@pytest.fixture
def front(devenv: DevEnv) -> Iterator[RegFront]:
    with RegFront(devenv.registry_backend) as started:
        yield started


def run_two_images(tmp_path: Path, images: list[str], context: Path) -> ActionRun:
    given = {
        "IMAGES": "\n".join(images),
        "CONTEXT": str(context),
        "PLATFORMS": "linux/amd64",
        "PUSH": "true",
        "SCAN": "false",
        "REGISTRY-TIMEOUT": "2",
    }
    return run_action(tmp_path, "push", load_event("push", index=4), given)


def test_registry_down_at_tagging_time_tags_nothing(
    devenv: DevEnv, front: RegFront, tmp_path: Path
) -> None:
    repo_a, repo_b = (
        unique_repository("slipway-test/tag-a"),
        unique_repository("slipway-test/tag-b"),
    )
    # Pushing works (uploads and PUTs by digest); reading manifests back, the first step of
    # tagging, fails: the registry went away between push and tag.
    front.set_faults({"rules": [{"kind": "503", "method": "GET|HEAD", "path": "/manifests/"}]})
    images = [f"{devenv.registry}/{repo_b}", f"{front.address}/{repo_a}"]
    result = run_two_images(tmp_path, images, scratch_context(tmp_path / "ctx", ("linux/amd64",)))
    assert result.returncode == 4, result.log
    assert "::error title=Registry error::" in result.log
    view = RegistryView(devenv.registry)
    assert view.tags(repo_a) == []
    assert view.tags(repo_b) == []
    assert view.manifest(repo_b, result.outputs["digest"]) is not None  # content is there, untagged


def test_failed_tag_write_puts_moved_tags_back(
    devenv: DevEnv, front: RegFront, tmp_path: Path
) -> None:
    repo_a, repo_b = (
        unique_repository("slipway-test/tag-a"),
        unique_repository("slipway-test/tag-b"),
    )
    images = [f"{devenv.registry}/{repo_b}", f"{front.address}/{repo_a}"]
    first = run_two_images(
        tmp_path / "1", images, scratch_context(tmp_path / "ctx1", ("linux/amd64",))
    )
    assert first.returncode == 0, first.log
    view = RegistryView(devenv.registry)
    for repo in (repo_a, repo_b):
        served = view.manifest(repo, "master")
        assert served is not None
        assert served[0] == first.outputs["digest"]

    # The second run's tag write to image A fails for good, after image B's tag was moved.
    front.set_faults({"rules": [{"kind": "503", "method": "PUT", "path": "/manifests/master"}]})
    second = run_two_images(
        tmp_path / "2", images, scratch_context(tmp_path / "ctx2", ("linux/amd64",))
    )
    assert second.returncode == 4, second.log
    assert second.outputs["digest"] != first.outputs["digest"]
    assert "tag(s) already written were put back" in second.log
    for repo in (repo_a, repo_b):
        served = view.manifest(repo, "master")
        assert served is not None
        assert served[0] == first.outputs["digest"], repo
