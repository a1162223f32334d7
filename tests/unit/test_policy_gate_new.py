"""The gate on the Dockerfile and image-policy findings: every one at or above `fail-on` by
default, only the new ones with `fail-on-scope: new`."""

from __future__ import annotations

import pytest

from slipway.core.gate import GateRules, GateScope, policy_reasons
from slipway.core.severity import FailOn, Severity
from slipway.policy.model import Finding
from slipway.scan.delta import Baseline, Delta, diff
from slipway.scan.findings import PlatformScan

AMD = "linux/amd64"
NEW = GateRules(GateScope.NEW)
SCANS = (PlatformScan(AMD, "r@a", ()),)


def p(key: str, severity: Severity = Severity.HIGH, rule: str = "SW009") -> Finding:
    return Finding(rule, "title", severity, "Dockerfile", 3, "fix", "slipway", identity=key)


ROOT = p("root", rule="SW001")  # the base branch's image runs as root too
SUDO = p("sudo")  # this change adds a `sudo`
HINT = p("hint", Severity.INFO, "SW016")
CURRENT = (ROOT, SUDO, HINT)


def compared(policy: tuple[Finding, ...] | None) -> Delta:
    base = Baseline(
        "ghcr.io/o/app:main", "sha256:b", SCANS, source="attached report", policy=policy
    )
    return diff(SCANS, base).with_policy(CURRENT)


def test_the_default_counts_every_finding_as_before() -> None:
    expected = ("2 Dockerfile policy finding(s) at or above HIGH",)
    assert policy_reasons(Severity.HIGH, CURRENT) == expected
    assert policy_reasons(Severity.HIGH, CURRENT, delta=compared((ROOT,))) == expected


def test_new_only_counts_what_the_change_adds() -> None:
    found = policy_reasons(Severity.HIGH, CURRENT, delta=compared((ROOT,)), rules=NEW)
    assert found == ("1 new Dockerfile policy finding(s) at or above HIGH (new findings only)",)


def test_new_only_passes_when_the_baseline_has_them_all() -> None:
    assert policy_reasons(Severity.HIGH, CURRENT, delta=compared((ROOT, SUDO)), rules=NEW) == ()


def test_unknown_baseline_policy_counts_every_finding_as_new() -> None:
    found = policy_reasons(Severity.HIGH, CURRENT, delta=compared(None), rules=NEW)
    assert found == ("2 new Dockerfile policy finding(s) at or above HIGH (new findings only)",)


@pytest.mark.parametrize(
    "delta",
    [
        None,
        diff(SCANS, Baseline("ghcr.io/o/app:main", missing="no image yet")).with_policy(CURRENT),
    ],
    ids=["not compared", "no baseline"],
)
def test_new_only_without_a_baseline_is_the_default(delta: Delta | None) -> None:
    found = policy_reasons(Severity.HIGH, CURRENT, delta=delta, rules=NEW)
    assert found == ("2 Dockerfile policy finding(s) at or above HIGH",)


@pytest.mark.parametrize(("fail_on", "count"), [("none", 0), (Severity.CRITICAL, 0), ("LOW", 2)])
def test_fail_on_and_info(fail_on: FailOn, count: int) -> None:
    """``none`` and a threshold above every finding pass; INFO (advice) never blocks."""
    found = policy_reasons(fail_on, CURRENT, delta=compared(None), rules=NEW)
    assert len(found) == (1 if count else 0)
    assert all(reason.startswith(f"{count} new") for reason in found)
