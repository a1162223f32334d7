"""The Dockerfile and image-policy findings against the baseline's: the difference, and
what the scan report attached to the image carries of them (older reports stay readable)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from slipway.core.severity import Severity
from slipway.policy.model import Finding
from slipway.scan.baseline import policy_from_report, scans_from_report
from slipway.scan.combined import merged_report, with_policy
from slipway.scan.delta import Baseline, Delta, PolicyDelta, diff, diff_policy
from slipway.scan.findings import PlatformScan, Vulnerability

AMD = "linux/amd64"
REF = "ghcr.io/o/app:main"
VULN = Vulnerability("CVE-1", "openssl", "1.0", "1.1", Severity.HIGH, "t", "u", "debian")
SCANS = (PlatformScan(AMD, "r@a", (VULN,)),)


def p(
    rule: str,
    key: str,
    severity: Severity = Severity.MEDIUM,
    *,
    line: int = 2,
    platform: str | None = None,
) -> Finding:
    return Finding(
        rule,
        f"title {rule}",
        severity,
        "Dockerfile",
        line,
        "fix it",
        "slipway",
        platform,
        "detail",
        identity=key,
    )


KEPT = p("SW008", "kept", line=4)
GONE = p("SW010", "gone", Severity.HIGH)
ADDED = p("SW007", "added", Severity.CRITICAL)


def baseline(policy: tuple[Finding, ...] | None, source: str = "attached report") -> Baseline:
    return Baseline(REF, "sha256:base", SCANS, source=source, policy=policy)


def names(findings: tuple[Finding, ...]) -> list[str]:
    return [f.identity for f in findings]


def test_known_findings_split_into_new_fixed_and_unchanged() -> None:
    moved = p("SW008", "kept", line=9)  # the same finding, another line
    found = diff_policy([ADDED, moved], baseline((KEPT, GONE)))
    assert (names(found.new), names(found.fixed), names(found.unchanged)) == (
        ["added"],
        ["gone"],
        ["kept"],
    )
    assert found.known
    assert found.unchanged[0].line == 9  # as found now; the fixed one as found in the baseline


@pytest.mark.parametrize(
    "base",
    [
        baseline(None),  # a report written before reports carried them
        baseline(None, source="scanned"),  # scanned now: a scan sees no Dockerfile
        Baseline(REF, missing="the base branch has no image yet"),
    ],
    ids=["old report", "scanned now", "no baseline"],
)
def test_unknown_baseline_policy_makes_every_finding_new(base: Baseline) -> None:
    found = diff_policy([ADDED, KEPT], base)
    assert found == PolicyDelta(new=(ADDED, KEPT), known=False)
    delta = diff(SCANS, base).with_policy([ADDED, KEPT])
    assert delta.is_new(AMD, KEPT)
    assert delta.is_new(AMD, ADDED)
    assert not delta.compared(KEPT)
    assert delta.baseline.policy_unknown_why


def test_each_identity_counts_once() -> None:
    twice = [ADDED, p("SW007", "added", Severity.CRITICAL, line=7)]
    found = diff_policy(twice, baseline(()))
    assert names(found.new) == ["added"]
    delta = diff(SCANS, baseline((GONE, GONE))).with_policy(twice)
    assert delta.policy_added() == {Severity.CRITICAL: 1}
    assert delta.policy_fixed() == {Severity.HIGH: 1}


def test_the_delta_says_which_policy_finding_is_new() -> None:
    delta = diff(SCANS, baseline((KEPT, GONE)))
    assert delta.policy is None  # not compared until the policy step has its findings
    assert delta.is_new(AMD, KEPT)  # nothing compared: new
    compared = delta.with_policy([KEPT, ADDED])
    assert compared.compared(KEPT)
    assert compared.compared(VULN)
    assert not compared.is_new(AMD, KEPT)
    assert not compared.is_new("linux/arm64", KEPT)  # a policy finding is the image's
    assert compared.is_new(AMD, ADDED)
    assert compared.platforms == delta.platforms  # the scan's part is unchanged
    assert not compared.is_new(AMD, VULN)
    # the vulnerability and secret counts are the scan's alone
    assert compared.added() == delta.added()
    assert compared.fixed() == delta.fixed()


def test_an_image_config_finding_of_a_platform_the_baseline_lacks_is_new() -> None:
    amd = p("SW008", "amd:22", platform=AMD)
    arm = p("SW008", "arm:22", platform="linux/arm64")
    delta = diff(SCANS, baseline((amd,))).with_policy([amd, arm])
    assert isinstance(delta, Delta)
    assert delta.policy is not None
    assert names(delta.policy.new) == ["arm:22"]


def report(findings: list[Finding] | None) -> dict[str, Any]:
    """A scan report as attached to an image, through JSON (what the registry serves)."""
    made = merged_report(SCANS, (), [Severity.HIGH], "2026-01-01T00:00:00Z")
    read: dict[str, Any] = json.loads(
        json.dumps(made if findings is None else with_policy(made, findings))
    )
    return read


def test_the_attached_report_carries_the_policy_findings_back() -> None:
    image = p("SW008", "amd:22", platform=AMD, line=0)
    document = report([ADDED, image])
    assert policy_from_report(document) == (ADDED, image)
    assert [f.identity for f in policy_from_report(document) or ()] == ["added", "amd:22"]
    assert [f.platform for f in policy_from_report(document) or ()] == [None, AMD]
    assert scans_from_report(document) == scans_from_report(report(None))  # the rest as before


def test_the_report_holds_the_digest_never_the_instruction() -> None:
    record = report([ADDED])["policy"][0]
    assert set(record) == {
        "id",
        "title",
        "severity",
        "file",
        "line",
        "fix",
        "source",
        "platform",
        "detail",
        "tool_id",
        "identity",
    }
    assert record["severity"] == "CRITICAL"


def test_an_empty_policy_is_known_and_an_old_report_is_unknown() -> None:
    assert policy_from_report(report([])) == ()
    assert policy_from_report(report(None)) is None  # written before reports carried them
    assert "policy" not in report(None)


@pytest.mark.parametrize(
    "policy",
    [
        "not a list",
        {"id": "SW001"},
        None,
    ],
)
def test_a_policy_entry_that_is_not_a_list_is_unknown(policy: object) -> None:
    assert policy_from_report({**report(None), "policy": policy}) is None


def test_records_that_are_not_findings_are_left_out() -> None:
    good = vars(ADDED) | {"severity": "CRITICAL"}
    document = {
        **report(None),
        "policy": [
            good,
            "text",
            {**good, "identity": ""},  # could match nothing
            {**good, "identity": 7},
            {**good, "identity": "other", "line": "3", "platform": 5, "severity": "BAD"},
        ],
    }
    found = policy_from_report(document)
    assert found is not None
    assert [f.identity for f in found] == ["added", "other"]
    assert (found[1].line, found[1].platform, found[1].severity) == (0, None, Severity.UNKNOWN)
