"""Several images in one step (issue 28): a bake file's targets are each built, pushed by
digest, scanned and gated; the tags move only when every target passed, all or none."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.actionrun import ActionRun, run_action, unique_repository
from tests.support.devenv import DevEnv
from tests.support.images import scratch_context, small_app
from tests.support.oci import RegistryView
from tests.support.payloads import load_event
from tests.support.regfront import RegFront

pytestmark = pytest.mark.integration

# small_app's openssl carries the test DB's planted CRITICAL (tests/data/trivy-db)


@pytest.fixture
def front(devenv: DevEnv) -> Iterator[RegFront]:
    with RegFront(devenv.registry_backend) as started:
        yield started


def bake(tmp_path: Path, devenv: DevEnv, targets: dict[str, tuple[Path, str]]) -> ActionRun:
    """Run the step on a bake file of ``targets`` (name -> (context, image)); push on
    branch master (so the tag is ``master``)."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    body = "".join(
        f'target "{name}" {{\n  context = "{context}"\n  tags = ["{image}"]\n}}\n'
        for name, (context, image) in targets.items()
    )
    names = ", ".join(f'"{name}"' for name in targets)
    (tmp_path / "docker-bake.hcl").write_text(f'group "default" {{ targets = [{names}] }}\n{body}')
    given = {
        "BAKE-FILES": str(tmp_path / "docker-bake.hcl"),
        "BAKE-SET": "*.platform=linux/amd64",
        "PUSH": "true",
        "PROVENANCE": "false",
        "POLICY": "none",
        "SCANNERS": "vuln,secret",
        "TRIVY-DB-REPOSITORY": devenv.trivy_db,
        "TRIVY-CACHE-DIR": str(tmp_path.parent / "trivy-cache"),
        "REGISTRY-TIMEOUT": "2",
    }
    return run_action(tmp_path / "run", "push", load_event("push", index=4), given)


def test_tags_move_only_when_every_target_passed(devenv: DevEnv, tmp_path: Path) -> None:
    api, web = (
        unique_repository("slipway-test/bake-api"),
        unique_repository("slipway-test/bake-web"),
    )
    images = {"api": f"{devenv.registry}/{api}", "web": f"{devenv.registry}/{web}"}
    view = RegistryView(devenv.registry)

    # Both pass: both are tagged, and the outputs cover both.
    first = bake(
        tmp_path / "1",
        devenv,
        {
            "api": (scratch_context(tmp_path / "api1", ("linux/amd64",)), images["api"]),
            "web": (scratch_context(tmp_path / "web1", ("linux/amd64",)), images["web"]),
        },
    )
    assert first.returncode == 0, first.log
    result = json.loads(first.outputs["bake-result"])
    assert set(result) == {"api", "web"}
    for name, repo in (("api", api), ("web", web)):
        assert result[name]["passed"] is True
        assert result[name]["images"] == [images[name]]
        assert result[name]["tagged"] == [f"{images[name]}:master"]
        served = view.manifest(repo, "master")
        assert served is not None
        assert served[0] == result[name]["digest"], name
    assert first.outputs["scan-result"] == "passed"
    assert "Bake target `api`" in first.summary
    assert "Bake target `web`" in first.summary

    # web carries a planted CRITICAL: neither target's tag moves; both were pushed by digest.
    second = bake(
        tmp_path / "2",
        devenv,
        {
            "api": (scratch_context(tmp_path / "api2", ("linux/amd64",)), images["api"]),
            "web": (small_app(tmp_path / "web2"), images["web"]),
        },
    )
    assert second.returncode == 1, second.log
    again = json.loads(second.outputs["bake-result"])
    assert again["api"]["passed"] is True
    assert again["web"]["passed"] is False
    assert again["api"]["tagged"] == []
    assert again["web"]["tagged"] == []
    assert again["api"]["digest"] != result["api"]["digest"]
    for name, repo in (("api", api), ("web", web)):
        served = view.manifest(repo, "master")
        assert served is not None
        assert served[0] == result[name]["digest"], name  # unmoved
        assert view.manifest(repo, again[name]["digest"]) is not None  # pushed by digest
    assert second.outputs["scan-result"] == "failed"
    assert "| `web` | " in second.summary  # the table's row of the failing target
    # the failing target's own section names the finding (Markdown-escaped, as every summary)
    web_section = second.summary.split("Bake target `web`", 1)[1]
    assert "CVE\\-2099\\-10001" in web_section
    assert "No tag was created or moved for any target: `web` failed the gate." in second.summary
    assert "bake target 'web'" in second.log


def test_a_failed_tag_write_puts_the_other_targets_tags_back(
    devenv: DevEnv, front: RegFront, tmp_path: Path
) -> None:
    api, web = (
        unique_repository("slipway-test/bake-api"),
        unique_repository("slipway-test/bake-web"),
    )
    images = {"api": f"{devenv.registry}/{api}", "web": f"{front.address}/{web}"}
    view = RegistryView(devenv.registry)

    def targets(round_: str) -> dict[str, tuple[Path, str]]:
        return {
            name: (scratch_context(tmp_path / f"{name}{round_}", ("linux/amd64",)), images[name])
            for name in ("api", "web")
        }

    first = bake(tmp_path / "1", devenv, targets("1"))
    assert first.returncode == 0, first.log
    before = json.loads(first.outputs["bake-result"])

    # api's tag is written first; web's write then fails for good: api's is put back.
    front.set_faults({"rules": [{"kind": "503", "method": "PUT", "path": "/manifests/master"}]})
    second = bake(tmp_path / "2", devenv, targets("2"))
    assert second.returncode == 4, second.log
    assert "tag(s) already written were put back" in second.log
    after = json.loads(second.outputs["bake-result"])
    assert after["api"]["digest"] != before["api"]["digest"]
    assert after["api"]["tagged"] == []
    assert after["web"]["tagged"] == []
    for name, repo in (("api", api), ("web", web)):
        served = view.manifest(repo, "master")
        assert served is not None
        assert served[0] == before[name]["digest"], name


@pytest.mark.no_engine
@pytest.mark.parametrize(
    ("given", "hcl", "named"),
    [
        pytest.param({"BAKE-FILES": "/etc/passwd"}, "", "bake-files", id="outside-the-workspace"),
        pytest.param({"CONTEXT": "."}, 'target "a" { tags = ["r.io/a"] }', "context", id="context"),
        pytest.param({}, 'target "a" { tags = ["r.io/a:v1"] }', "bake-files", id="a-tag-in-tags"),
        pytest.param({}, 'target "a" {\n  secret = ["id=npm"]\n}', "bake-files", id="a-secret"),
        pytest.param({}, 'target "a" {}\ntarget "b" {}', "bake-files", id="no-image"),
    ],
)
def test_refused_before_anything_is_built(
    tmp_path: Path, given: dict[str, str], hcl: str, named: str
) -> None:
    (tmp_path / "docker-bake.hcl").write_text(hcl + "\n")
    inputs = {"BAKE-FILES": str(tmp_path / "docker-bake.hcl"), "PUSH": "true", **given}
    run = run_action(tmp_path / "run", "push", load_event("push", index=4), inputs)
    assert run.returncode == 2, run.log
    assert f"input '{named}'" in run.log
    assert "buildx build" not in run.log
