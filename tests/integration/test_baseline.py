"""The gate on what a change adds (issue 25), with real parts: the local registry, real Trivy
and the test DB's planted advisories, `python -m slipway` run as the action runs it.

The base branch's image (``master``) is a Debian 12 root whose openssl carries a planted
CRITICAL (CVE-2099-10001); it is published with its scan report attached, as every run
publishes it. A pull request then adds either a Python package with a planted HIGH
(setuptools, CVE-2099-30002) or a plain file.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.support.actionrun import ActionRun, run_action, unique_repository
from tests.support.devenv import DevEnv
from tests.support.payloads import load_event
from tests.support.pytest_github import GitHubStandIn
from tests.support.trivydb.rootfs import write_debian_root, write_python_dist

pytestmark = pytest.mark.integration

DOCKERFILE = "FROM scratch\nCOPY root/ /\n"
SITE_PACKAGES = "usr/local/lib/python3.11/site-packages"
TOKEN = "ghs_baseline_write_token_0123456789"


def context(folder: Path, *, vulnerable: bool = False, note: str = "") -> Path:
    """The base's root, plus setuptools 78.0.0 (a planted HIGH) or a plain file."""
    write_debian_root(folder / "root")
    if vulnerable:
        write_python_dist(folder / "root" / SITE_PACKAGES, "setuptools", "78.0.0")
    if note:
        (folder / "root" / "etc" / "note").write_text(note)
    (folder / "Dockerfile").write_text(DOCKERFILE)
    return folder


def inputs(devenv: DevEnv, image: str, ctx: Path, cache: Path, **more: str) -> dict[str, str]:
    return {
        "IMAGES": image,
        "CONTEXT": str(ctx),
        "PLATFORMS": "linux/amd64",
        "PROVENANCE": "false",
        "POLICY": "none",
        "TRIVY-DB-REPOSITORY": devenv.trivy_db,
        "TRIVY-CACHE-DIR": str(cache),
        "SEVERITY": "HIGH,CRITICAL",
        "SCANNERS": "vuln,secret",  # the Dockerfile's own checks gate as always: not the point
        **more,
    }


def push_to(branch: str) -> dict[str, Any]:
    payload = load_event("push", index=4)
    payload["ref"] = f"refs/heads/{branch}"
    return payload


@pytest.fixture(scope="module")
def published(devenv: DevEnv, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The base branch's image, pushed with its scan report attached (fail-on: none: the
    base carries a CRITICAL, and is published all the same)."""
    base = tmp_path_factory.mktemp("baseline")
    image = f"{devenv.registry}/{unique_repository('slipway-test/baseline')}"
    run = run_action(
        base / "run",
        "push",
        push_to("master"),
        inputs(
            devenv,
            image,
            context(base / "ctx"),
            base / "cache",
            PUSH="true",
            **{"FAIL-ON": "none", "ATTACH": "scan-report"},
        ),
    )
    assert run.returncode == 0, run.log
    return {"image": image, "digest": run.outputs["digest"], "base": base}


def pull_request(devenv: DevEnv, published: dict[str, Any], folder: Path, **more: str) -> ActionRun:
    return run_action(
        folder / "run",
        "pull_request",
        load_event("pull_request", "opened"),
        inputs(
            devenv,
            published["image"],
            folder / "ctx",
            folder / "cache",
            **{"FAIL-ON": "HIGH", "FAIL-ON-SCOPE": "new", **more},
        ),
    )


def test_a_change_that_adds_a_vulnerable_package_fails_for_that_package_alone(
    devenv: DevEnv, published: dict[str, Any], tmp_path: Path
) -> None:
    context(tmp_path / "ctx", vulnerable=True)
    run = pull_request(devenv, published, tmp_path)
    assert run.returncode != 0, run.log
    assert "1 new HIGH vulnerability" in run.log, run.log
    assert "CRITICAL" not in run.log.split("::error")[-1].split("\n")[0]  # openssl is not new
    assert f"baseline: {published['image']}:master ({published['digest']})" in run.log
    assert "findings: attached report" in run.log  # the base's own report, not a new scan
    assert "This change adds 1" in run.summary
    assert "setuptools" in run.summary


def test_a_change_that_adds_nothing_vulnerable_passes_though_the_base_has_criticals(
    devenv: DevEnv, published: dict[str, Any], tmp_path: Path
) -> None:
    context(tmp_path / "ctx", note="a change with no package in it\n")
    run = pull_request(devenv, published, tmp_path)
    assert run.returncode == 0, run.log
    assert run.outputs["scan-result"] == "passed"
    assert "This change adds no finding" in run.summary, run.summary


def test_the_default_gate_still_counts_every_finding(
    devenv: DevEnv, published: dict[str, Any], tmp_path: Path
) -> None:
    context(tmp_path / "ctx", note="the same change, the default gate\n")
    run = pull_request(devenv, published, tmp_path, **{"FAIL-ON-SCOPE": "all"})
    assert run.returncode != 0, run.log
    assert "CRITICAL" in run.log


def test_an_old_fixable_finding_blocks_even_when_not_new(
    devenv: DevEnv, published: dict[str, Any], tmp_path: Path
) -> None:
    # The planted CRITICAL (openssl, fixable) was published on 2026-09-08 (tests/data/trivy-db).
    context(tmp_path / "ctx", note="nothing new, an old fixable CRITICAL in the base\n")
    today = str(int(datetime(2026, 12, 6, tzinfo=UTC).timestamp()))  # the run's one clock
    run = pull_request(devenv, published, tmp_path, at=today, **{"FIXABLE-MAX-AGE": "1d"})
    assert run.returncode != 0, run.log
    assert "known for more than 1 day" in run.log, run.log
    young = pull_request(devenv, published, tmp_path, at=today, **{"FIXABLE-MAX-AGE": "120d"})
    assert young.returncode == 0, young.log


def test_a_baseline_without_a_report_is_scanned_once_then_reused(
    devenv: DevEnv, published: dict[str, Any], tmp_path: Path
) -> None:
    bare = tmp_path / "bare"
    run = run_action(
        bare / "run",
        "push",
        push_to("legacy"),
        inputs(
            devenv,
            published["image"],
            context(bare / "ctx"),
            bare / "cache",
            PUSH="true",
            SCAN="false",
            ATTACH="none",
        ),
    )
    assert run.returncode == 0, run.log
    context(tmp_path / "ctx", vulnerable=True)
    first = pull_request(devenv, published, tmp_path, BASELINE="legacy")
    assert "findings: scanned" in first.log, first.log
    assert "1 new HIGH vulnerability" in first.log
    again = pull_request(devenv, published, tmp_path, BASELINE="legacy")
    assert "findings: scan reused" in again.log, again.log
    assert "1 new HIGH vulnerability" in again.log


def test_a_missing_baseline_is_said_and_everything_is_new(
    devenv: DevEnv, published: dict[str, Any], tmp_path: Path
) -> None:
    context(tmp_path / "ctx", note="compared with nothing\n")
    run = pull_request(devenv, published, tmp_path, BASELINE="no-such-tag")
    assert "no baseline to compare with" in run.log
    assert "does not exist" in run.log
    assert run.returncode != 0  # the base's CRITICAL counts as new without a baseline
    assert "Every finding counts as new" in run.summary


def test_the_sticky_comment_leads_with_what_the_change_adds(
    devenv: DevEnv, published: dict[str, Any], github: GitHubStandIn, tmp_path: Path
) -> None:
    payload = load_event("pull_request", "opened")
    github.add_token(TOKEN, "write")
    github.seed_repo("Codertocat", "Hello-World", pulls=[{"number": payload["number"]}])
    context(tmp_path / "ctx", vulnerable=True)
    run = run_action(
        tmp_path / "run",
        "pull_request",
        payload,
        inputs(
            devenv,
            published["image"],
            tmp_path / "ctx",
            tmp_path / "cache",
            **{
                "FAIL-ON": "HIGH",
                "FAIL-ON-SCOPE": "new",
                "GITHUB-TOKEN": TOKEN,
                "BASE-ADVICE": "none",
            },
        ),
        api_url=github.url,
    )
    assert run.returncode != 0, run.log
    (sticky,) = github.comments("Codertocat", "Hello-World", payload["number"])
    assert "This change adds 1" in sticky.body, sticky.body
    assert "setuptools" in sticky.body


# The Dockerfile policy against the baseline's: the base branch's image is published with the
# policy on, so its attached report carries its policy findings (SW001: it runs as root).
POLICY_BASE = "FROM scratch\nCOPY root/ /\n"
POLICY_ON = {"POLICY": "healthcheck-missing=off"}
# Scanned down to MEDIUM, so that a pull request gating at MEDIUM finds the attached report
# compatible (a report scanned to HIGH cannot say what is new at MEDIUM: it is scanned again,
# and a scan does not see the Dockerfile).
POLICY_SCAN = {**POLICY_ON, "SEVERITY": "MEDIUM,HIGH,CRITICAL"}


@pytest.fixture(scope="module")
def published_with_policy(
    devenv: DevEnv, published: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    """The same repository's ``policy-main`` tag, pushed with the policy on."""
    base = tmp_path_factory.mktemp("policy-baseline")
    ctx = context(base / "ctx")
    (ctx / "Dockerfile").write_text(POLICY_BASE)
    run = run_action(
        base / "run",
        "push",
        push_to("policy-main"),
        inputs(
            devenv,
            published["image"],
            ctx,
            base / "cache",
            PUSH="true",
            **{"FAIL-ON": "none", "ATTACH": "scan-report", **POLICY_SCAN},
        ),
    )
    assert run.returncode == 0, run.log
    report = json.loads(Path(run.outputs["report-file"]).read_text())
    assert "SW001" in [f["id"] for f in report["policy"]], report["policy"]  # what is attached
    assert all(len(f["identity"]) == 32 for f in report["policy"])
    assert "FROM scratch" not in json.dumps(report["policy"])  # never an instruction's text
    return {**published, "digest": run.outputs["digest"]}


def policy_change(folder: Path, dockerfile: str) -> Path:
    ctx = context(folder / "ctx")
    (ctx / "Dockerfile").write_text(dockerfile)
    return ctx


def test_policy_findings_are_diffed_by_rule_and_instruction_not_line(
    devenv: DevEnv, published_with_policy: dict[str, Any], tmp_path: Path
) -> None:
    # Lines moved, the same findings: the base runs as root too (SW001, HIGH), which no longer
    # blocks in new-only mode.
    policy_change(tmp_path / "moved", "# a comment\n\nFROM scratch\nLABEL x=y\nCOPY root/ /\n")
    moved = pull_request(
        devenv,
        published_with_policy,
        tmp_path / "moved",
        BASELINE="policy-main",
        **POLICY_SCAN,
    )
    assert moved.returncode == 0, moved.log
    assert "findings: attached report" in moved.log
    assert "policy findings are unknown" not in moved.log
    assert "Of the Dockerfile practices, it adds none" in moved.summary, moved.summary
    # An EXPOSE 22 (SW008, MEDIUM) is what the change adds: that alone blocks at MEDIUM.
    policy_change(tmp_path / "port", POLICY_BASE + "EXPOSE 22\n")
    port = pull_request(
        devenv,
        published_with_policy,
        tmp_path / "port",
        BASELINE="policy-main",
        **{"FAIL-ON": "MEDIUM", **POLICY_SCAN},
    )
    assert port.returncode != 0, port.log
    assert "1 new Dockerfile policy finding(s) at or above MEDIUM" in port.log, port.log
    assert "Of the Dockerfile practices, **it adds 1** (1 MEDIUM)" in port.summary, port.summary
    assert "title=New%3A SW008" in port.log  # the annotation's title (":" escaped)
    sarif = json.loads(Path(port.outputs["sarif-file"]).read_text())
    states = {r["ruleId"]: r.get("baselineState") for r in sarif["runs"][0]["results"]}
    assert states["SW008"] == "new"
    assert states["SW001"] == "unchanged"
    # The default scope still counts the unchanged SW001.
    everything = pull_request(
        devenv,
        published_with_policy,
        tmp_path / "moved",
        BASELINE="policy-main",
        **{"FAIL-ON-SCOPE": "all", **POLICY_SCAN},
    )
    assert everything.returncode != 0, everything.log
    assert "1 Dockerfile policy finding(s) at or above HIGH" in everything.log


def test_a_report_without_policy_findings_makes_every_one_new(
    devenv: DevEnv, published: dict[str, Any], tmp_path: Path
) -> None:
    # `published` was made with `policy: none`: its report says nothing of the policy.
    policy_change(tmp_path, POLICY_BASE)
    run = pull_request(devenv, published, tmp_path, **POLICY_ON)
    assert run.returncode != 0, run.log
    assert "policy findings are unknown" in run.log, run.log
    assert "1 new Dockerfile policy finding(s) at or above HIGH" in run.log
    assert "Dockerfile practices: the baseline's findings are unknown" in run.summary
