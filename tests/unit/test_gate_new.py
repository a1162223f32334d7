"""The gate on what a change adds (`fail-on` scope NEW) and the age rule for known fixes."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from slipway.core.gate import GateRules, GateScope, gate_failures, gate_reasons
from slipway.core.severity import FailOn, Severity
from slipway.scan.delta import Baseline, diff
from slipway.scan.findings import Misconfiguration, PlatformScan, Secret, Vulnerability
from slipway.scan.options import ScanOptions

AMD, ARM = "linux/amd64", "linux/arm64"
TODAY = date(2026, 3, 1)
NEW = GateRules(GateScope.NEW)
AGED = GateRules(GateScope.NEW, fixable_max_age_days=30)


def v(
    vuln_id: str,
    severity: Severity = Severity.CRITICAL,
    *,
    fixed: str = "1.1",
    package: str = "openssl",
    installed: str = "1.0",
    published: str = "",
) -> Vulnerability:
    return Vulnerability(
        vuln_id,
        package,
        installed,
        fixed,
        severity,
        "title",
        f"https://avd.test/{vuln_id}",
        "debian",
        published=published,
    )


SECRET = Secret("aws-access-key-id", "AWS", Severity.CRITICAL, "AWS key", "/app/.env", 3)
MISCONFIG = Misconfiguration("DS-0002", Severity.HIGH, "root", "USER is root", "", "Dockerfile", 4)

# The base branch's image already carries CVE-OLD (CRITICAL, fixable) and CVE-UNFIX.
BASE = Baseline(
    "ghcr.io/o/app:main",
    "sha256:base",
    (
        PlatformScan(
            AMD, "b@a", (v("CVE-OLD"), v("CVE-UNFIX", fixed=""), v("CVE-H", Severity.HIGH))
        ),
        PlatformScan(ARM, "b@b", (v("CVE-OLD"),)),
    ),
    source="attached report",
)
SAME = (
    PlatformScan(AMD, "r@a", (v("CVE-OLD"), v("CVE-UNFIX", fixed=""), v("CVE-H", Severity.HIGH))),
    PlatformScan(ARM, "r@b", (v("CVE-OLD"),)),
)
ADDED = (
    PlatformScan(
        AMD,
        "r@a",
        (
            v("CVE-OLD"),
            v("CVE-NEW", package="curl"),
            v("CVE-UNFIX", fixed=""),
            v("CVE-H", Severity.HIGH),
        ),
        (SECRET,),
    ),
    PlatformScan(ARM, "r@b", (v("CVE-OLD", installed="1.0.1"),)),
)


@pytest.mark.parametrize("scans", [SAME, ADDED])
@pytest.mark.parametrize("fail_on", [Severity.CRITICAL, Severity.HIGH, Severity.LOW, "none"])
def test_the_default_scope_is_todays_gate(scans: tuple[PlatformScan, ...], fail_on: FailOn) -> None:
    today = gate_reasons(fail_on, scans, (MISCONFIG,))
    assert today or fail_on == "none"
    delta = diff(scans, BASE)
    assert gate_reasons(fail_on, scans, (MISCONFIG,), delta=delta) == today
    assert (
        gate_reasons(fail_on, scans, (MISCONFIG,), delta=delta, rules=GateRules(), today=TODAY)
        == today
    )
    options = ScanOptions(severity=(Severity.LOW,), fail_on=fail_on)
    assert gate_failures(options, scans, (MISCONFIG,), delta=delta) == gate_failures(
        options, scans, (MISCONFIG,)
    )


def test_new_only_blocks_only_what_the_change_adds() -> None:
    delta = diff(ADDED, BASE)
    assert gate_reasons(Severity.CRITICAL, ADDED, delta=delta, rules=NEW) == (
        (
            "1 new CRITICAL vulnerability with a fix, 1 new CRITICAL secret in linux/amd64"
            " (fail-on: CRITICAL, new findings only)"
        ),
    )
    # all findings: the baseline's count too
    assert gate_reasons(Severity.CRITICAL, ADDED, delta=delta) == (
        "3 CRITICAL vulnerabilities (2 with fixes), 1 CRITICAL secret in linux/amd64 (fail-on: CRITICAL)",
        "1 CRITICAL vulnerability with a fix in linux/arm64 (fail-on: CRITICAL)",
    )


def test_new_only_counts_per_severity_and_plural() -> None:
    scans = (
        PlatformScan(
            AMD,
            "r@a",
            (
                v("CVE-OLD"),
                v("N1"),
                v("N2"),
                v("N3", Severity.HIGH, fixed=""),
                v("N4", Severity.LOW),
            ),
        ),
    )
    delta = diff(scans, BASE)
    assert gate_reasons(Severity.HIGH, scans, delta=delta, rules=NEW) == (
        (
            "2 new CRITICAL vulnerabilities with fixes, 1 new HIGH vulnerability without a fix"
            " in linux/amd64 (fail-on: HIGH, new findings only)"
        ),
    )


def test_new_only_passes_when_the_base_carries_the_criticals() -> None:
    delta = diff(SAME, BASE)
    assert gate_reasons(Severity.CRITICAL, SAME, delta=delta, rules=NEW) == ()
    assert gate_reasons(Severity.CRITICAL, SAME, delta=delta) != ()
    # a bump that keeps the advisory is not new either
    assert gate_reasons(Severity.CRITICAL, ADDED[1:], delta=diff(ADDED[1:], BASE), rules=NEW) == ()


def test_misconfigurations_follow_the_scope() -> None:
    delta = diff(SAME, BASE)  # not compared (the baseline's are unknown): every one is new
    assert gate_reasons(Severity.HIGH, SAME, (MISCONFIG,), delta=delta, rules=NEW) == (
        "1 new HIGH misconfiguration in Dockerfile (fail-on: HIGH, new findings only)",
    )
    known = replace(BASE, misconfigurations=(MISCONFIG,))
    same = diff(SAME, known).with_misconfigurations((MISCONFIG,))
    assert gate_reasons(Severity.HIGH, SAME, (MISCONFIG,), delta=same, rules=NEW) == ()
    every = gate_reasons(Severity.HIGH, SAME, (MISCONFIG,), delta=same)  # scope all
    assert every[-1] == "1 HIGH misconfiguration in Dockerfile (fail-on: HIGH)"


def aged_scans(published: str, *, fixed: str = "1.1") -> tuple[PlatformScan, ...]:
    return (PlatformScan(AMD, "r@a", (v("CVE-OLD", fixed=fixed, published=published),)),)


@pytest.mark.parametrize(
    ("published", "fixed", "blocks"),
    [
        ("2026-01-01T10:00:00Z", "1.1", True),  # 59 days
        ("2026-01-29T00:00:00.123Z", "1.1", True),  # 31 days
        ("2026-01-30", "1.1", False),  # 30 days: not more than 30
        ("2026-01-31T23:59:59Z", "1.1", False),  # 29 days: young
        ("2026-02-15T00:00:00Z", "1.1", False),
        ("2020-01-01T00:00:00Z", "", False),  # old, but no fix
        ("", "1.1", False),  # unknown date
        ("not a date", "1.1", False),
    ],
)
def test_the_age_rule(published: str, fixed: str, blocks: bool) -> None:
    scans = aged_scans(published, fixed=fixed)
    delta = diff(scans, BASE)
    expected = (
        (
            "1 CRITICAL vulnerability with a fix known for more than 30 days in linux/amd64 (fail-on: CRITICAL)",
        )
        if blocks
        else ()
    )
    assert gate_reasons(Severity.CRITICAL, scans, delta=delta, rules=AGED, today=TODAY) == expected
    # without the rule, new-only lets it pass
    assert gate_reasons(Severity.CRITICAL, scans, delta=delta, rules=NEW, today=TODAY) == ()


def test_the_age_rule_counts_below_fail_on_not_and_says_days() -> None:
    old = "2025-01-01T00:00:00Z"
    scans = (
        PlatformScan(
            AMD,
            "r@a",
            (
                v("CVE-OLD", published=old),
                v("CVE-H", Severity.HIGH, published=old),
                v("CVE-NEW", package="curl", published=old),
            ),
        ),
    )
    delta = diff(scans, BASE)
    one_day = GateRules(GateScope.NEW, fixable_max_age_days=1)
    assert gate_reasons(Severity.CRITICAL, scans, delta=delta, rules=one_day, today=TODAY) == (
        "1 new CRITICAL vulnerability with a fix in linux/amd64 (fail-on: CRITICAL, new findings only)",
        "1 CRITICAL vulnerability with a fix known for more than 1 day in linux/amd64 (fail-on: CRITICAL)",
    )
    assert gate_reasons(Severity.HIGH, scans, delta=delta, rules=one_day, today=TODAY)[1] == (
        "1 CRITICAL vulnerability with a fix known for more than 1 day, 1 HIGH vulnerability"
        " with a fix known for more than 1 day in linux/amd64 (fail-on: HIGH)"
    )


def test_the_age_rule_needs_today() -> None:
    with pytest.raises(ValueError, match="today"):
        gate_reasons(Severity.CRITICAL, SAME, delta=diff(SAME, BASE), rules=AGED)


@pytest.mark.parametrize(
    "baseline",
    [
        None,
        Baseline("ghcr.io/o/app:main", missing="the base branch has no image yet"),
        Baseline("ghcr.io/o/app:main", "sha256:base"),  # no scans
        Baseline(
            "ghcr.io/o/app:main", "sha256:base", BASE.scans, missing="its report is unreadable"
        ),
    ],
)
def test_new_only_without_a_baseline_is_all(baseline: Baseline | None) -> None:
    delta = None if baseline is None else diff(ADDED, baseline)
    for fail_on in (Severity.CRITICAL, Severity.HIGH):
        everything = gate_reasons(fail_on, ADDED, (MISCONFIG,))
        assert (
            gate_reasons(fail_on, ADDED, (MISCONFIG,), delta=delta, rules=AGED, today=TODAY)
            == everything
        )
        assert gate_reasons(fail_on, ADDED, (MISCONFIG,), delta=delta, rules=AGED) == everything
    options = ScanOptions(severity=(Severity.LOW,), fail_on=Severity.CRITICAL)
    assert gate_failures(options, ADDED, delta=delta, rules=NEW) == gate_failures(options, ADDED)


def test_gate_failures_passes_the_scope_on() -> None:
    options = ScanOptions(severity=(Severity.LOW,), fail_on=Severity.CRITICAL)
    delta = diff(ADDED, BASE)
    assert gate_failures(options, ADDED, delta=delta, rules=NEW) == gate_reasons(
        Severity.CRITICAL, ADDED, delta=delta, rules=NEW
    )
    assert gate_failures(options, SAME, delta=diff(SAME, BASE), rules=NEW, today=TODAY) == ()
