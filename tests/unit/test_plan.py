"""The pure core: context + inputs -> tags, labels, build args, scan plan."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from slipway.core.context import Context, read_context
from slipway.core.plan import ConfigFindings, Plan, make_plan
from slipway.core.plan_view import CONFIG_FINDINGS, plan_lines
from slipway.core.severity import NO_GATE, FailOn, Severity
from slipway.inputs import read_inputs
from slipway.meta.labels import format_created
from slipway.scan.options import ScanOptions

L, M, H, C = Severity.LOW, Severity.MEDIUM, Severity.HIGH, Severity.CRITICAL
SHA = "860c1904a1ce19322e91ac35af1ab07466440c37"
NOW = datetime(2026, 11, 23, 19, 50, 31, 123456, tzinfo=UTC)
REPO: dict[str, Any] = {
    "name": "hello",
    "description": "Hello app",
    "html_url": "https://github.com/octo-org/hello",
    "default_branch": "main",
    "license": {"spdx_id": "Apache-2.0"},
}


def ctx(event: str, ref: str, payload: dict[str, Any] | None = None) -> Context:
    env = {
        "GITHUB_EVENT_NAME": event,
        "GITHUB_REF": ref,
        "GITHUB_SHA": SHA,
        "GITHUB_REPOSITORY": "octo-org/hello",
    }
    return read_context(env, {"repository": REPO, **(payload or {})})


def plan_for(event: str, ref: str, payload: dict[str, Any] | None = None, **inputs: str) -> Plan:
    given = {
        "INPUT_IMAGES": "127.0.0.1:5000/app",
        **{f"INPUT_{k.upper()}": v for k, v in inputs.items()},
    }
    return make_plan(read_inputs(given), ctx(event, ref, payload), env={}, now=NOW)


TAGS = [
    # metadata-action's default rules: schedule, ref branch, ref tag (+ latest), ref pr.
    ("push", "refs/heads/main", {}, ("main",)),
    ("push", "refs/heads/feature/new thing", {}, ("feature-new-thing",)),
    ("push", "refs/tags/v1.2.3", {}, ("v1.2.3", "latest")),
    (
        "pull_request",
        "refs/pull/15/merge",
        {"number": 15, "pull_request": {"number": 15}},
        ("pr-15",),
    ),
]


@pytest.mark.parametrize(("event", "ref", "payload", "expected"), TAGS)
def test_default_tags(
    event: str, ref: str, payload: dict[str, Any], expected: tuple[str, ...]
) -> None:
    plan = plan_for(event, ref, payload)
    assert plan.tags == expected
    assert plan.version == expected[0]


def test_sha_rule_and_short_length() -> None:
    plan = plan_for("push", "refs/heads/main", TAGS="type=sha")
    assert plan.tags == ("sha-860c190",)


def test_created_has_milliseconds() -> None:
    assert format_created(NOW) == "2026-11-23T19:50:31.123Z"


def test_labels_and_seed_build_args() -> None:
    plan = plan_for("push", "refs/tags/v1.2.3")
    labels = plan.labels
    assert labels["org.opencontainers.image.licenses"] == "Apache-2.0"
    assert labels["org.opencontainers.image.source"] == "https://github.com/octo-org/hello"
    assert labels["org.opencontainers.image.created"] == "2026-11-23T19:50:31.123Z"
    assert dict(plan.build_args) == {
        "org_oci_version": "v1.2.3",
        "org_oci_source": "https://github.com/octo-org/hello",
        "org_oci_revision": SHA,
        "org_oci_created": "2026-11-23T19:50:31.123Z",
    }


def test_user_labels_override() -> None:
    plan = plan_for("push", "refs/heads/main", LABELS="org.opencontainers.image.title=Custom")
    assert plan.labels["org.opencontainers.image.title"] == "Custom"


def test_annotations_reach_index_and_manifests() -> None:
    annotations = plan_for("push", "refs/heads/main").annotations
    assert "manifest:org.opencontainers.image.version=main" in annotations
    assert "index:org.opencontainers.image.version=main" in annotations


def test_disabled_image_is_not_built() -> None:
    plan = plan_for(
        "push", "refs/heads/main", IMAGES="127.0.0.1:5000/a\nname=127.0.0.1:5000/b,enable=false"
    )
    assert plan.refs == ("127.0.0.1:5000/a:main",)


def test_plan_refs_and_dockerfile() -> None:
    inputs = read_inputs(
        {"INPUT_IMAGES": "127.0.0.1:5000/a\n127.0.0.1:5000/b", "INPUT_CONTEXT": "app"}
    )
    plan = make_plan(inputs, ctx("push", "refs/heads/main"), env={}, now=NOW)
    assert plan.refs == ("127.0.0.1:5000/a:main", "127.0.0.1:5000/b:main")
    assert plan.dockerfile == "app/Dockerfile"


@pytest.mark.parametrize(
    ("inputs", "findings"),
    [
        ({}, ConfigFindings.POLICY),  # the policy maps DS-xxxx onto its rules
        ({"SCANNERS": "vuln,secret"}, ConfigFindings.POLICY),  # scanners are the scan's
        ({"SCAN": "false"}, ConfigFindings.POLICY),
        ({"POLICY": "none"}, ConfigFindings.SCAN),  # the scan's misconfigurations
        ({"POLICY": "none", "SCANNERS": "misconfig"}, ConfigFindings.SCAN),
        ({"POLICY": "none", "SCANNERS": "vuln,secret"}, ConfigFindings.NONE),
        ({"POLICY": "none", "SCAN": "false"}, ConfigFindings.NONE),
    ],
)
def test_one_place_decides_where_trivy_configs_findings_go(
    inputs: dict[str, str], findings: ConfigFindings
) -> None:
    plan = plan_for("push", "refs/heads/main", None, **inputs)
    assert plan.config_findings is findings
    given = {"INPUT_IMAGES": "127.0.0.1:5000/app", **{f"INPUT_{k}": v for k, v in inputs.items()}}
    assert plan.scan == read_inputs(given).scan  # the scan's options are the inputs', as given
    assert f"  trivy config on the Dockerfile: {CONFIG_FINDINGS[findings]}" in plan_lines(plan, [])


@pytest.mark.parametrize(
    ("report", "fail_on", "scan", "gate"),
    [
        ((H, C), C, (H, C), (C,)),
        ((C,), M, (M, H, C), (M, H, C)),
        ((L,), NO_GATE, (L,), ()),
    ],
)
def test_scan_plan_severities(
    report: tuple[Severity, ...],
    fail_on: FailOn,
    scan: tuple[Severity, ...],
    gate: tuple[Severity, ...],
) -> None:
    plan = ScanOptions(severity=report, fail_on=fail_on)
    assert plan.scan_severities == scan
    assert plan.gate_severities == gate


@pytest.mark.parametrize(
    ("inputs", "indexed"),
    [
        ({"PROVENANCE": "false"}, False),  # one manifest: BuildKit refuses index annotations
        ({"PROVENANCE": "false", "PLATFORMS": "linux/amd64"}, False),
        ({"PROVENANCE": "false", "PLATFORMS": "linux/amd64,linux/arm64"}, True),
        ({"PROVENANCE": "mode=min"}, True),  # the attestation manifest makes an index
        ({"PROVENANCE": "0", "SBOM": "true"}, True),
        ({"PROVENANCE": "false", "ATTESTS": "type=sbom"}, True),
    ],
)
def test_index_annotations_only_when_the_build_makes_an_index(
    inputs: dict[str, str], indexed: bool
) -> None:
    from slipway.tools.buildx import build_argv

    plan = plan_for("push", "refs/heads/main", None, **inputs)
    argv = build_argv(plan, "m.json", "/layout")
    annotations = [argv[i + 1] for i, word in enumerate(argv) if word == "--annotation"]
    assert any(a.startswith("manifest:") for a in annotations)
    assert any(a.startswith("index:") for a in annotations) is indexed


def test_the_builder_pushes_by_digest_to_every_image_and_tags_nothing() -> None:
    from slipway.tools.buildx import build_argv

    plan = plan_for(
        "push", "refs/heads/main", None, IMAGES="127.0.0.1:5000/a\nghcr.io/acme/b", PUSH="true"
    )
    argv = build_argv(plan, "m.json", "", export="push")
    output = argv[argv.index("--output") + 1]
    assert output == (
        'type=image,"name=127.0.0.1:5000/a,ghcr.io/acme/b",push-by-digest=true,'
        "name-canonical=true,push=true,oci-mediatypes=true"
    )
    assert ":main" not in output  # tags move only after the gate


@pytest.mark.parametrize(
    ("tail", "push_failed"),
    [
        ("ERROR: failed to push 127.0.0.1:5443/a: tls: failed to verify certificate", True),
        ("ERROR: failed to solve: failed to push ghcr.io/a: unexpected status from PUT", True),
        ('ERROR: process "/bin/sh -c make" did not complete successfully: exit code: 2', False),
        ("ERROR: failed to solve: failed to read dockerfile", False),
    ],
)
def test_a_failed_push_is_told_from_a_failed_build(tail: str, push_failed: bool) -> None:
    from slipway.tools.buildx import _push_failed

    assert _push_failed(f"#9 exporting to image\n{tail}\n") is push_failed
