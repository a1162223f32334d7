"""The security gate: which findings break ``fail-on``, said in one line per platform
(and one for the Dockerfile). Pure; separate from the report.

By default every finding at or above ``fail-on`` blocks. With `GateScope.NEW` and a
`slipway.scan.delta.Delta`, only what the change adds blocks, and an unchanged vulnerability
whose fix has been known for more than `GateRules.fixable_max_age_days` blocks too: "new
only" must not hide a fixable finding forever. Without a baseline every finding is new.
The Dockerfile and image-policy findings (`policy_reasons`) follow the same scope: with NEW,
only those the baseline does not have block (all of them when its policy findings are
unknown). So do the misconfigurations of `policy: none` (the scan's ``trivy config``): with
NEW, only those the baseline's attached report does not have block (all of them when its
misconfigurations are unknown).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from slipway.core.severity import NO_GATE, FailOn, Severity, blocking, fails_gate
from slipway.policy.model import Finding as PolicyFinding
from slipway.scan.delta import Delta
from slipway.scan.findings import Misconfiguration, PlatformScan, Secret, Vulnerability
from slipway.scan.options import ScanOptions


class GateScope(StrEnum):
    """Which findings the gate counts: all of them, or only those the change adds."""

    ALL = "all"
    NEW = "new"


@dataclass(frozen=True)
class GateRules:
    """How the gate reads ``fail-on``: its scope, and (scope NEW) how long an unchanged
    vulnerability may keep a known fix before it blocks anyway (None: forever)."""

    scope: GateScope = GateScope.ALL
    fixable_max_age_days: int | None = None


ALL_FINDINGS = GateRules()  # the default: every finding at or above fail-on blocks
NEW_ONLY = "new findings only"
POLICY_BLOCKS = "{count} Dockerfile policy finding(s) at or above {fail_on}"
NEW_POLICY_BLOCKS = (
    "{count} new Dockerfile policy finding(s) at or above {fail_on} (" + NEW_ONLY + ")"
)


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def _vulnerability_phrase(severity: Severity, total: int, fixable: int, new: str = "") -> str:
    head = _plural(total, f"{new}{severity} vulnerability", f"{new}{severity} vulnerabilities")
    if fixable == total:
        return f"{head} with {'a fix' if total == 1 else 'fixes'}"
    if fixable == 0:
        return f"{head} without {'a fix' if total == 1 else 'fixes'}"
    return f"{head} ({fixable} with fixes)"


def _parts(
    gating: Sequence[Severity],
    vulnerabilities: Sequence[Vulnerability],
    secrets: Sequence[Secret],
    new: str = "",
) -> list[str]:
    """The findings at ``gating`` severities, worst first, e.g. ``2 CRITICAL vulnerabilities
    with fixes``, ``1 HIGH secret`` (``new``: an adjective, "new ")."""
    parts: list[str] = []
    for severity in reversed(gating):
        vulns = [v for v in vulnerabilities if v.severity == severity]
        if vulns:
            fixable = sum(1 for v in vulns if v.fixable)
            parts.append(_vulnerability_phrase(severity, len(vulns), fixable, new))
    for severity in reversed(gating):
        count = sum(1 for s in secrets if s.severity == severity)
        if count:
            parts.append(_plural(count, f"{new}{severity} secret", f"{new}{severity} secrets"))
    return parts


def _published(vulnerability: Vulnerability) -> date | None:
    """The day the advisory was published, when the report says (ISO 8601)."""
    try:
        return date.fromisoformat(vulnerability.published[:10])
    except ValueError:
        return None


def _fix_known_long(vulnerability: Vulnerability, days: int, today: date) -> bool:
    """True when ``vulnerability`` has a fix and was published more than ``days`` days before
    ``today`` (an unknown date never counts)."""
    published = _published(vulnerability)
    return vulnerability.fixable and published is not None and (today - published).days > days


def gate_reasons(
    fail_on: FailOn,
    scans: Sequence[PlatformScan],
    misconfigurations: Sequence[Misconfiguration] = (),
    *,
    delta: Delta | None = None,
    rules: GateRules = ALL_FINDINGS,
    today: date | None = None,
) -> tuple[str, ...]:
    """Why the gate fails, one line per platform (and one for the Dockerfile); empty: passed.

    e.g. ``3 CRITICAL vulnerabilities with fixes in linux/arm64 (fail-on: CRITICAL)``; with
    ``rules.scope`` NEW and a ``delta`` against a baseline, only new findings, e.g.
    ``2 new CRITICAL vulnerabilities with fixes in linux/amd64 (fail-on: CRITICAL, new
    findings only)``, and the unchanged ones whose fix is older than
    ``rules.fixable_max_age_days`` before ``today`` (needed then: ValueError without it), e.g.
    ``1 CRITICAL vulnerability with a fix known for more than 30 days in linux/amd64
    (fail-on: CRITICAL)``. Without a baseline (``delta`` None, or its baseline missing),
    every finding is new: the result is scope ALL's.
    """
    if fail_on == NO_GATE:
        return ()
    gating = blocking(fail_on)
    reasons: list[str] = []
    if rules.scope is GateScope.NEW and delta is not None and delta.baseline.present:
        max_age = rules.fixable_max_age_days
        if max_age is not None and today is None:
            raise ValueError("the gate's fixable-age rule needs today's date")
        for scan in scans:
            reasons += _new_reasons(fail_on, scan, delta, max_age=max_age, today=today)
    else:
        for scan in scans:
            parts = _parts(gating, scan.vulnerabilities, scan.secrets)
            if parts:
                reasons.append(f"{', '.join(parts)} in {scan.platform} (fail-on: {fail_on})")
    reasons += _misconfiguration_reasons(fail_on, misconfigurations, delta=delta, rules=rules)
    return tuple(reasons)


def _misconfiguration_reasons(
    fail_on: FailOn,
    misconfigurations: Sequence[Misconfiguration],
    *,
    delta: Delta | None,
    rules: GateRules,
) -> list[str]:
    """The Dockerfile's line: ``1 HIGH misconfiguration in Dockerfile (fail-on: HIGH)``; with
    ``rules.scope`` NEW and a ``delta`` against a baseline, only the new ones, e.g. ``1 new
    HIGH misconfiguration in Dockerfile (fail-on: HIGH, new findings only)``."""
    gating = blocking(fail_on)
    bad = [m for m in misconfigurations if m.severity in gating]
    new_only = rules.scope is GateScope.NEW and delta is not None and delta.baseline.present
    if new_only and delta is not None:
        bad = [m for m in bad if delta.is_new("", m)]
    if not bad:
        return []
    new, scope = ("new ", f", {NEW_ONLY}") if new_only else ("", "")
    counts = [
        _plural(n, f"{new}{s} misconfiguration", f"{new}{s} misconfigurations")
        for s in reversed(gating)
        if (n := sum(1 for m in bad if m.severity == s))
    ]
    return [f"{', '.join(counts)} in {bad[0].file} (fail-on: {fail_on}{scope})"]


def _new_reasons(
    fail_on: FailOn,
    scan: PlatformScan,
    delta: Delta,
    *,
    max_age: int | None,
    today: date | None,
) -> list[str]:
    """One platform's lines in scope NEW: its new findings, then its unchanged vulnerabilities
    whose fix is known for more than ``max_age`` days."""
    gating = blocking(fail_on)
    platform = scan.platform
    vulns = [v for v in scan.vulnerabilities if v.severity in gating]
    new_vulns = [v for v in vulns if delta.is_new(platform, v)]
    new_secrets = [s for s in scan.secrets if s.severity in gating and delta.is_new(platform, s)]
    reasons: list[str] = []
    parts = _parts(gating, new_vulns, new_secrets, new="new ")
    if parts:
        reasons.append(f"{', '.join(parts)} in {platform} (fail-on: {fail_on}, {NEW_ONLY})")
    if max_age is None or today is None:
        return reasons
    old = [v for v in vulns if not delta.is_new(platform, v) and _fix_known_long(v, max_age, today)]
    known = f"known for more than {_plural(max_age, 'day', 'days')}"
    aged = [
        f"{_plural(n, f'{s} vulnerability', f'{s} vulnerabilities')} "
        f"with {'a fix' if n == 1 else 'fixes'} {known}"
        for s in reversed(gating)
        if (n := sum(1 for v in old if v.severity == s))
    ]
    if aged:
        reasons.append(f"{', '.join(aged)} in {platform} (fail-on: {fail_on})")
    return reasons


def policy_reasons(
    fail_on: FailOn,
    findings: Sequence[PolicyFinding],
    *,
    delta: Delta | None = None,
    rules: GateRules = ALL_FINDINGS,
) -> tuple[str, ...]:
    """Why the Dockerfile and image-policy ``findings`` fail the gate, in one line (empty:
    they pass); INFO never blocks. With ``rules.scope`` NEW and a ``delta`` against a
    baseline, only the findings it says are new, e.g. ``1 new Dockerfile policy finding(s)
    at or above HIGH (new findings only)``; without a baseline, the result is scope ALL's."""
    bad = [f for f in findings if fails_gate(f.severity, fail_on)]
    if rules.scope is GateScope.NEW and delta is not None and delta.baseline.present:
        new = [f for f in bad if delta.is_new("", f)]
        return (NEW_POLICY_BLOCKS.format(count=len(new), fail_on=fail_on),) if new else ()
    return (POLICY_BLOCKS.format(count=len(bad), fail_on=fail_on),) if bad else ()


def gate_failures(
    scan_plan: ScanOptions,
    scans: Sequence[PlatformScan],
    misconfigurations: Sequence[Misconfiguration] = (),
    *,
    delta: Delta | None = None,
    rules: GateRules = ALL_FINDINGS,
    today: date | None = None,
) -> tuple[str, ...]:
    """One reason per platform (and one for the Dockerfile) that breaks the gate; empty
    when it passes, e.g. ``3 CRITICAL vulnerabilities with fixes in linux/arm64 (fail-on: CRITICAL)``.

    ``delta``, ``rules`` and ``today``: as `gate_reasons` reads them (scope NEW: only what the
    change adds, and fixes known for too long)."""
    return gate_reasons(
        scan_plan.fail_on, scans, misconfigurations, delta=delta, rules=rules, today=today
    )
