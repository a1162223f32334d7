"""One severity scale: the gate, the annotation level, the SARIF level and every ordering agree."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from slipway.core.severity import (
    NO_GATE,
    POLICY,
    SARIF_LEVELS,
    SCAN,
    FailOn,
    Level,
    Severity,
    blocking,
    fails_gate,
    level,
)
from slipway.policy.model import Finding, PolicyFindings, PolicyResult
from slipway.report.sarif import add_results, policy_sarif_findings, render_sarif
from slipway.scan.findings import PlatformScan
from slipway.scan.options import ScanOptions
from tests.unit.scan.findings_data import vuln

FAIL_ON: tuple[FailOn, ...] = (*SCAN, NO_GATE)


@pytest.mark.parametrize(("severity", "fail_on"), list(itertools.product(Severity, FAIL_ON)))
def test_the_gate_the_annotation_and_sarif_agree(severity: Severity, fail_on: FailOn) -> None:
    fails = fails_gate(severity, fail_on)
    assert (level(severity, fail_on) is Level.ERROR) == fails
    if severity in SCAN:
        assert (severity in ScanOptions(fail_on=fail_on).gate_severities) == fails
        scan = PlatformScan("linux/amd64", "r", (vuln("CVE-1", severity),))
        sarif = render_sarif([scan], (), SCAN, "Dockerfile", fail_on)
        result = sarif["runs"][0]["results"][0]
        assert result["level"] == SARIF_LEVELS[level(severity, fail_on)]
        assert (result["level"] == "error") == fails
    if severity in POLICY:
        finding = Finding("SW001", "t", severity, "Dockerfile", 1, "fix", "why")
        assert bool(PolicyResult((finding,)).blocking(fail_on)) == fails
        policy = policy_sarif_findings(PolicyFindings(PolicyResult((finding,))))
        empty: dict[str, Any] = {"runs": [{"tool": {"driver": {"rules": []}}, "results": []}]}
        results = add_results(empty, policy, fail_on)["runs"][0]["results"]
        assert [r["level"] for r in results] == (
            [] if severity is Severity.INFO else [SARIF_LEVELS[level(severity, fail_on)]]
        )  # INFO is advice: not in SARIF


def test_info_is_advice_even_at_fail_on_unknown() -> None:
    # The annotation said ERROR here while the gate passed (two scales, one gap).
    assert level(Severity.INFO, Severity.UNKNOWN) is Level.NOTICE
    assert not fails_gate(Severity.INFO, Severity.UNKNOWN)


def test_below_the_gate_is_a_warning_in_both_places() -> None:
    # SARIF used to map HIGH to error whatever fail-on said, while the annotation was a warning.
    assert level(Severity.HIGH, Severity.CRITICAL) is Level.WARNING
    assert level(Severity.LOW, Severity.LOW) is Level.ERROR
    assert level(Severity.CRITICAL, NO_GATE) is Level.WARNING


def test_order_and_the_scales() -> None:
    assert list(Severity) == sorted(Severity, key=lambda s: s.rank)
    assert [s.rank for s in Severity] == [0, 1, 2, 3, 4, 5]
    assert SCAN == ("UNKNOWN", "LOW", "MEDIUM", "HIGH", "CRITICAL")
    assert POLICY == ("INFO", "LOW", "MEDIUM", "HIGH", "CRITICAL")
    assert blocking(Severity.HIGH) == (Severity.HIGH, Severity.CRITICAL)
    assert blocking(NO_GATE) == ()


@pytest.mark.parametrize(
    ("text", "severity"),
    [
        ("CRITICAL", Severity.CRITICAL),
        ("high", Severity.HIGH),
        ("Medium", Severity.MEDIUM),
        ("", Severity.UNKNOWN),
        ("NEGLIGIBLE", Severity.UNKNOWN),  # not Trivy's: unknown, never dropped
    ],
)
def test_read_as_a_tool_writes_it(text: str, severity: Severity) -> None:
    assert Severity.read(text) is severity
