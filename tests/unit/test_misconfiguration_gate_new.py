"""The gate on the Dockerfile's trivy config misconfigurations (`policy: none`): every one at
or above `fail-on` by default, only the new ones with `fail-on-scope: new`."""

from __future__ import annotations

from slipway.core.gate import GateRules, GateScope, gate_reasons
from slipway.core.severity import Severity
from slipway.scan.delta import Baseline, Delta, diff
from slipway.scan.findings import Misconfiguration, PlatformScan

AMD = "linux/amd64"
NEW = GateRules(GateScope.NEW)
SCANS = (PlatformScan(AMD, "r@a", ()),)


def m(key: str, severity: Severity = Severity.HIGH, check: str = "DS-0002") -> Misconfiguration:
    return Misconfiguration(check, severity, "t", "msg", "u", "Dockerfile", 3, 3, identity=key)


ROOT = m("root")  # the base branch's Dockerfile runs as root too
PORT = m("port", check="DS-0004")  # this change adds `EXPOSE 22`
LOW = m("low", Severity.LOW, "DS-0026")
CURRENT = (ROOT, PORT, LOW)


def compared(found: tuple[Misconfiguration, ...] | None) -> Delta:
    base = Baseline(
        "ghcr.io/o/app:main",
        "sha256:b",
        SCANS,
        source="attached report",
        misconfigurations=found,
    )
    return diff(SCANS, base).with_misconfigurations(CURRENT)


def test_the_default_counts_every_misconfiguration_as_before() -> None:
    expected = ("2 HIGH misconfigurations in Dockerfile (fail-on: HIGH)",)
    assert gate_reasons(Severity.HIGH, SCANS, CURRENT) == expected
    assert gate_reasons(Severity.HIGH, SCANS, CURRENT, delta=compared((ROOT,))) == expected


def test_new_only_counts_what_the_change_adds() -> None:
    found = gate_reasons(Severity.HIGH, SCANS, CURRENT, delta=compared((ROOT,)), rules=NEW)
    assert found == (
        "1 new HIGH misconfiguration in Dockerfile (fail-on: HIGH, new findings only)",
    )


def test_new_only_passes_when_the_baseline_has_them_all() -> None:
    delta = compared((ROOT, PORT))
    assert gate_reasons(Severity.HIGH, SCANS, CURRENT, delta=delta, rules=NEW) == ()


def test_new_only_counts_every_one_when_the_baseline_s_are_unknown() -> None:
    found = gate_reasons(Severity.HIGH, SCANS, CURRENT, delta=compared(None), rules=NEW)
    assert found == (
        "2 new HIGH misconfigurations in Dockerfile (fail-on: HIGH, new findings only)",
    )


def test_new_only_counts_every_one_when_they_were_not_compared() -> None:
    base = Baseline("ghcr.io/o/app:main", "sha256:b", SCANS, source="attached report")
    delta = diff(SCANS, base)  # the run's policy owned the checks: nothing was compared
    assert len(gate_reasons(Severity.HIGH, SCANS, CURRENT, delta=delta, rules=NEW)) == 1


def test_without_a_baseline_new_only_is_the_default() -> None:
    missing = diff(SCANS, Baseline("ghcr.io/o/app:main", missing="no image"))
    found = gate_reasons(
        Severity.HIGH, SCANS, CURRENT, delta=missing.with_misconfigurations(CURRENT), rules=NEW
    )
    assert found == ("2 HIGH misconfigurations in Dockerfile (fail-on: HIGH)",)


def test_below_fail_on_and_no_gate_never_block() -> None:
    delta = compared(())
    assert gate_reasons(Severity.CRITICAL, SCANS, CURRENT, delta=delta, rules=NEW) == ()
    assert gate_reasons("none", SCANS, CURRENT, delta=delta, rules=NEW) == ()
    found = gate_reasons(Severity.LOW, SCANS, CURRENT, delta=compared((ROOT, PORT)), rules=NEW)
    assert found == ("1 new LOW misconfiguration in Dockerfile (fail-on: LOW, new findings only)",)
