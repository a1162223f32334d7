"""The pure core: context + inputs -> tags, labels, build args, scan plan."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from slipway.context import Context, read_context
from slipway.inputs import read_inputs
from slipway.meta.labels import build_args_from_labels, compute_labels, format_created
from slipway.meta.tags import compute_tags, sanitize_tag
from slipway.plan import ScanPlan, make_plan

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


TAGS = [
    ("push", "refs/heads/main", {}, ("main", "sha-860c190")),
    ("push", "refs/heads/feature/new thing", {}, ("feature-new-thing", "sha-860c190")),
    ("push", "refs/tags/v1.2.3", {}, ("v1.2.3", "latest", "sha-860c190")),
    (
        "pull_request",
        "refs/pull/15/merge",
        {"number": 15, "pull_request": {"number": 15}},
        ("pr-15", "sha-860c190"),
    ),
    (
        "pull_request_target",
        "refs/heads/main",
        {"pull_request": {"number": 7}},
        ("pr-7", "sha-860c190"),
    ),
    ("workflow_dispatch", "", {}, ("sha-860c190",)),
]


@pytest.mark.parametrize(("event", "ref", "payload", "expected"), TAGS)
def test_tags(event: str, ref: str, payload: dict[str, Any], expected: tuple[str, ...]) -> None:
    tagset = compute_tags(ctx(event, ref, payload))
    assert tagset.tags == expected
    assert tagset.version == expected[0]


def test_short_sha_length_and_pr_head_sha() -> None:
    context = ctx(
        "pull_request",
        "refs/pull/1/merge",
        {"pull_request": {"number": 1, "head": {"sha": "abcdef0123456"}}},
    )
    env = {"DOCKER_METADATA_SHORT_SHA_LENGTH": "10", "DOCKER_METADATA_PR_HEAD_SHA": "true"}
    assert compute_tags(context, env).tags == ("pr-1", "sha-abcdef0123")


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("feature/x", "feature-x"),
        ("..hidden", "hidden"),
        ("-dash", "dash"),
        ("a" * 300, "a" * 128),
        ("ok_1.2-x", "ok_1.2-x"),
    ],
)
def test_sanitize(raw: str, clean: str) -> None:
    assert sanitize_tag(raw) == clean


def test_created_has_milliseconds() -> None:
    assert format_created(NOW) == "2026-11-23T19:50:31.123Z"


def test_labels_and_seed_build_args() -> None:
    labels = compute_labels(ctx("push", "refs/tags/v1.2.3"), "v1.2.3", NOW)
    assert labels["org.opencontainers.image.licenses"] == "Apache-2.0"
    assert labels["org.opencontainers.image.source"] == "https://github.com/octo-org/hello"
    assert build_args_from_labels(labels) == {
        "org_oci_version": "v1.2.3",
        "org_oci_source": "https://github.com/octo-org/hello",
        "org_oci_revision": SHA,
        "org_oci_created": "2026-11-23T19:50:31.123Z",
    }


def test_labels_without_repository_record_fall_back_to_context() -> None:
    context = read_context({"GITHUB_REPOSITORY": "o/r", "GITHUB_SHA": SHA}, {})
    labels = compute_labels(context, "", NOW)
    assert labels["org.opencontainers.image.title"] == "r"
    assert labels["org.opencontainers.image.url"] == "https://github.com/o/r"
    assert build_args_from_labels(labels)["org_oci_version"] == "unknown"


def test_plan_refs_and_dockerfile() -> None:
    inputs = read_inputs(
        {"INPUT_IMAGES": "127.0.0.1:5000/a\n127.0.0.1:5000/b", "INPUT_CONTEXT": "app"}
    )
    plan = make_plan(inputs, ctx("push", "refs/heads/main"), env={}, now=NOW)
    assert plan.refs == (
        "127.0.0.1:5000/a:main",
        "127.0.0.1:5000/a:sha-860c190",
        "127.0.0.1:5000/b:main",
        "127.0.0.1:5000/b:sha-860c190",
    )
    assert plan.dockerfile == "app/Dockerfile"


@pytest.mark.parametrize(
    ("report", "fail_on", "scan", "gate"),
    [
        (("HIGH", "CRITICAL"), "CRITICAL", ("HIGH", "CRITICAL"), ("CRITICAL",)),
        (("CRITICAL",), "MEDIUM", ("MEDIUM", "HIGH", "CRITICAL"), ("MEDIUM", "HIGH", "CRITICAL")),
        (("LOW",), "none", ("LOW",), ()),
    ],
)
def test_scan_plan_severities(
    report: tuple[str, ...], fail_on: str, scan: tuple[str, ...], gate: tuple[str, ...]
) -> None:
    plan = ScanPlan(True, report, fail_on, (), "")
    assert plan.scan_severities == scan
    assert plan.gate_severities == gate
