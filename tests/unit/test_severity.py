"""One severity scale: the gate, the annotation level and every ordering agree."""

from __future__ import annotations

import itertools

import pytest

from slipway.policy.model import Finding, PolicyResult
from slipway.report.annotations import Level, level_for
from slipway.scan.options import ScanOptions
from slipway.severity import POLICY, TRIVY, blocking, fails_gate, rank

FAIL_ON = (*TRIVY, "none")


@pytest.mark.parametrize(
    ("severity", "fail_on"), list(itertools.product(sorted({*TRIVY, *POLICY}), FAIL_ON))
)
def test_the_gate_and_the_annotation_agree(severity: str, fail_on: str) -> None:
    fails = fails_gate(severity, fail_on)
    assert (level_for(severity, fail_on) is Level.ERROR) == fails
    if severity in TRIVY:
        assert (severity in ScanOptions(fail_on=fail_on).gate_severities) == fails
    if severity in POLICY:
        finding = Finding("SW001", "t", severity, "Dockerfile", 1, "fix", "why")
        assert bool(PolicyResult((finding,)).blocking(fail_on)) == fails


def test_info_is_advice_even_at_fail_on_unknown() -> None:
    # The annotation said ERROR here while the gate passed (two scales, one gap).
    assert level_for("INFO", "UNKNOWN") is Level.WARNING
    assert not fails_gate("INFO", "UNKNOWN")


def test_order() -> None:
    assert sorted(["LOW", "CRITICAL", "INFO", "UNKNOWN", "HIGH"], key=rank) == [
        "INFO", "UNKNOWN", "LOW", "HIGH", "CRITICAL",
    ]  # fmt: skip
    assert rank("bogus") == -1
    assert blocking("HIGH") == ("HIGH", "CRITICAL")
    assert blocking("none") == ()
