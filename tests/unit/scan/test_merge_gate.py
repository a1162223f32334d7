"""Merging across platforms, the counts output, and the gate kept apart from the report."""

from __future__ import annotations

from slipway.core.gate import gate_reasons
from slipway.core.severity import Severity
from slipway.scan.combined import combine, merged_report, vulnerability_counts
from slipway.scan.findings import Vulnerability
from tests.unit.scan.findings_data import MISCONFIG, SCANS, vuln


def test_same_finding_on_two_platforms_is_one_entry() -> None:
    merged = combine(SCANS, (Severity.HIGH, Severity.CRITICAL))
    ids = [(getattr(m.finding, "id", None) or getattr(m.finding, "rule", "")) for m in merged]
    assert ids == ["CVE-1", "CVE-4", "aws-access-key-id", "CVE-2"]  # worst first, fixable first
    assert merged[0].platforms == ("linux/amd64", "linux/arm64")
    assert merged[1].platforms == ("linux/arm64",)


def test_counts_per_platform_and_merged_with_fixability() -> None:
    counts = vulnerability_counts(SCANS, (Severity.HIGH, Severity.CRITICAL))
    assert counts["linux/amd64"] == {
        "CRITICAL": 1,
        "HIGH": 1,
        "fixable": {"CRITICAL": 1, "HIGH": 1},
        "unfixable": {},
    }
    assert counts["linux/arm64"]["CRITICAL"] == 2
    assert counts["linux/arm64"]["unfixable"] == {"CRITICAL": 1}
    assert counts["all"]["CRITICAL"] == 2  # CVE-1 once, CVE-4
    assert "LOW" not in counts["all"]


def test_merged_report_applies_the_report_filter() -> None:
    report = merged_report(SCANS, (MISCONFIG,), (Severity.CRITICAL,), "2026-11-01T06:00:00+00:00")
    assert [v["id"] for v in report["vulnerabilities"]] == ["CVE-1", "CVE-4"]
    assert report["vulnerabilities"][0]["platforms"] == ["linux/amd64", "linux/arm64"]
    assert report["secrets"][0]["rule"] == "aws-access-key-id"
    assert report["misconfigurations"] == []  # HIGH is not reported here
    assert report["platforms"]["linux/arm64"]["digest"] == "sha256:b"


def test_gate_message_of_the_issue() -> None:
    scans = (
        SCANS[0].__class__(
            "linux/arm64", "r", tuple(vuln(f"CVE-{n}", Severity.CRITICAL) for n in range(3))
        ),
    )
    assert gate_reasons(Severity.CRITICAL, scans) == (
        "3 CRITICAL vulnerabilities with fixes in linux/arm64 (fail-on: CRITICAL)",
    )


def test_gate_threshold_differs_from_report_threshold() -> None:
    assert gate_reasons(Severity.CRITICAL, SCANS) == (
        "1 CRITICAL vulnerability with a fix, 1 CRITICAL secret in linux/amd64 (fail-on: CRITICAL)",
        (
            "2 CRITICAL vulnerabilities (1 with fixes), 1 CRITICAL secret in linux/arm64 "
            "(fail-on: CRITICAL)"
        ),
    )
    high = gate_reasons(Severity.HIGH, SCANS[:1], (MISCONFIG,))
    assert high[0].startswith("1 CRITICAL vulnerability with a fix, 1 HIGH vulnerability")
    assert high[1] == "1 HIGH misconfiguration in Dockerfile (fail-on: HIGH)"
    assert gate_reasons("none", SCANS, (MISCONFIG,)) == ()


def test_unfixed_only() -> None:
    only: tuple[Vulnerability, ...] = (vuln("CVE-9", Severity.HIGH, fixed=""),)
    scans = (SCANS[0].__class__("linux/amd64", "r", only),)
    assert gate_reasons(Severity.HIGH, scans) == (
        "1 HIGH vulnerability without a fix in linux/amd64 (fail-on: HIGH)",
    )
