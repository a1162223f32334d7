"""Which image a change is compared with, and an attached report read back (scan/baseline)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from slipway.core.context import Context
from slipway.core.severity import Severity
from slipway.oci.refs import parse_image_name
from slipway.scan.baseline import (
    BaselineChoice,
    choose_baseline,
    incompatible,
    previous_release,
    scans_from_report,
)
from slipway.scan.combined import merged_report
from slipway.scan.findings import PlatformScan
from slipway.scan.options import ScanOptions
from tests.unit.scan.findings_data import SCANS, vuln

IMAGE = parse_image_name("ghcr.io/acme/app")
DIGEST = "sha256:" + "e" * 64
MOVING = ("ghcr.io/acme/app:main", "ghcr.io/acme/app:sha-0123456", "docker.io/acme/app:main")


def context(event: str, ref: str = "refs/heads/main", base_ref: str = "") -> Context:
    return Context(event_name=event, ref=ref, base_ref=base_ref)


@pytest.mark.parametrize(
    ("option", "ctx", "version", "expected"),
    [
        ("none", context("push"), "main", BaselineChoice("none", "`baseline: none`")),
        (
            "prod",
            context("push"),
            "main",
            BaselineChoice("references", "the `baseline` input", ("ghcr.io/acme/app:prod",)),
        ),
        (
            "quay.io/acme/app:live",
            context("pull_request"),
            "pr-1",
            BaselineChoice("references", "the `baseline` input", ("quay.io/acme/app:live",)),
        ),
        (
            f"ghcr.io/acme/app@{DIGEST}",
            context("push"),
            "main",
            BaselineChoice("references", "the `baseline` input", (f"ghcr.io/acme/app@{DIGEST}",)),
        ),
        (
            "",
            context("pull_request", "refs/pull/1/merge", "release/2.x"),
            "pr-1",
            BaselineChoice(
                "references", "the base branch's tag", ("ghcr.io/acme/app:release-2.x",)
            ),
        ),
        (
            "",
            context("pull_request_target", "refs/heads/main", "main"),
            "pr-1",
            BaselineChoice("references", "the base branch's tag", ("ghcr.io/acme/app:main",)),
        ),
        (
            "",
            context("push"),
            "main",
            BaselineChoice("references", "what the tags about to move point at now", MOVING[:2]),
        ),
        (
            "",
            context("push", "refs/tags/v1.4.0"),
            "1.4.0",
            BaselineChoice("previous-release", "the previous release", version="1.4.0"),
        ),
        (
            "",
            context("release", "refs/tags/v2.0.0"),
            "2.0.0",
            BaselineChoice("previous-release", "the previous release", version="2.0.0"),
        ),
    ],
)
def test_the_baseline_by_event(
    option: str, ctx: Context, version: str, expected: BaselineChoice
) -> None:
    assert choose_baseline(option, IMAGE, ctx, MOVING, version) == expected


def test_no_tag_moving_and_none_named_is_no_baseline() -> None:
    choice = choose_baseline("", IMAGE, context("schedule"), (), "nightly")
    assert choice.kind == "none"
    assert "no tag moves" in choice.why


@pytest.mark.parametrize(
    ("tags", "version", "previous"),
    [
        (["1.0.0", "v1.2.0", "1.3.0-rc.1", "latest", "1.10.0", "2.0.0"], "1.10.0", "v1.2.0"),
        (["1.0.0", "v1.2.0", "1.3.0-rc.1", "latest", "1.10.0", "2.0.0"], "2.0.0", "1.10.0"),
        (["1.0.0"], "1.0.0", None),
        (["main", "latest"], "1.0.0", None),
        (["1.0.0"], "not-a-version", None),
    ],
)
def test_the_previous_release(tags: list[str], version: str, previous: str | None) -> None:
    assert previous_release(tags, version) == previous


def report(options: ScanOptions, scans: tuple[PlatformScan, ...] = SCANS) -> dict[str, Any]:
    return merged_report(
        scans,
        (),
        options.severity,
        "2026-12-01T00:00:00Z",
        scanners=options.image_scanners,
        ignore_unfixed=options.ignore_unfixed,
    )


def test_a_report_made_as_this_scan_would_be_is_compatible() -> None:
    options = ScanOptions(severity=tuple(Severity)[1:])  # every severity but UNKNOWN
    assert incompatible(report(options), options) == ""


@pytest.mark.parametrize(
    ("made", "wanted", "why"),
    [
        (ScanOptions(), ScanOptions(fail_on=Severity.MEDIUM), "fewer severities"),
        (ScanOptions(scanners=("vuln",)), ScanOptions(), "other scanners"),
        (ScanOptions(ignore_unfixed=True), ScanOptions(), "ignore-unfixed"),
    ],
)
def test_a_report_made_otherwise_is_not_used(
    made: ScanOptions, wanted: ScanOptions, why: str
) -> None:
    assert why in incompatible(report(made), wanted)


def test_an_old_report_without_its_setup_is_not_used() -> None:
    document = report(ScanOptions())
    del document["scanners"]
    assert incompatible(document, ScanOptions())
    assert incompatible({**document, "version": 99}, ScanOptions())


def test_a_report_reads_back_into_the_findings_of_each_platform() -> None:
    options = ScanOptions(
        severity=(Severity.LOW, Severity.MEDIUM, Severity.HIGH, Severity.CRITICAL)
    )
    back = scans_from_report(report(options))
    assert [s.platform for s in back] == [s.platform for s in SCANS]
    for original, read in zip(SCANS, back, strict=True):
        wanted = [v for v in original.vulnerabilities if v.severity in options.severity]
        assert sorted(read.vulnerabilities, key=repr) == sorted(wanted, key=repr)
        assert read.secrets == original.secrets
        assert read.digest == ""  # "sha256:a" is no digest: never trusted as one


@pytest.mark.parametrize(
    "document",
    [
        {},
        {"platforms": []},
        {"platforms": {"linux/amd64": "x"}, "vulnerabilities": "x"},
        {"platforms": {"linux/amd64": {}}, "vulnerabilities": [1, None, {"platforms": "all"}]},
        {
            "platforms": {"linux/amd64": {}},
            "vulnerabilities": [
                {
                    "id": 5,
                    "severity": ["HIGH"],
                    "platforms": ["linux/amd64", 3],
                    "dockerfile_line": True,
                }
            ],
        },
    ],
)
def test_whatever_a_registry_serves_is_read_or_left_out(document: dict[str, Any]) -> None:
    for scan in scans_from_report(document):
        for found in scan.vulnerabilities:
            assert isinstance(found.id, str)
            assert found.dockerfile_line is None


def test_a_finding_keeps_its_fields_through_the_report() -> None:
    finding = replace(
        vuln("CVE-9", Severity.HIGH), published="2024-01-02T00:00:00Z", dockerfile_line=7
    )
    scans = (PlatformScan("linux/amd64", "i", (finding,)),)
    assert scans_from_report(report(ScanOptions(), scans))[0].vulnerabilities == (finding,)
