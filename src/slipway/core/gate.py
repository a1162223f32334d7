"""The security gate: which findings break ``fail-on``, said in one line per platform
(and one for the Dockerfile). Pure; separate from the report."""

from __future__ import annotations

from collections.abc import Sequence

from slipway.core.severity import NO_GATE, FailOn, Severity, blocking
from slipway.scan.findings import Misconfiguration, PlatformScan
from slipway.scan.options import ScanOptions


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def _vulnerability_phrase(severity: Severity, total: int, fixable: int) -> str:
    head = _plural(total, f"{severity} vulnerability", f"{severity} vulnerabilities")
    if fixable == total:
        return f"{head} with {'a fix' if total == 1 else 'fixes'}"
    if fixable == 0:
        return f"{head} without {'a fix' if total == 1 else 'fixes'}"
    return f"{head} ({fixable} with fixes)"


def gate_reasons(
    fail_on: FailOn,
    scans: Sequence[PlatformScan],
    misconfigurations: Sequence[Misconfiguration] = (),
) -> tuple[str, ...]:
    """Why the gate fails, one line per platform (and one for the Dockerfile); empty: passed.

    e.g. ``3 CRITICAL vulnerabilities with fixes in linux/arm64 (fail-on: CRITICAL)``.
    """
    if fail_on == NO_GATE:
        return ()
    gating = blocking(fail_on)
    reasons: list[str] = []
    for scan in scans:
        parts: list[str] = []
        for severity in reversed(gating):
            vulns = [v for v in scan.vulnerabilities if v.severity == severity]
            if vulns:
                fixable = sum(1 for v in vulns if v.fixable)
                parts.append(_vulnerability_phrase(severity, len(vulns), fixable))
        for severity in reversed(gating):
            count = sum(1 for s in scan.secrets if s.severity == severity)
            if count:
                parts.append(_plural(count, f"{severity} secret", f"{severity} secrets"))
        if parts:
            reasons.append(f"{', '.join(parts)} in {scan.platform} (fail-on: {fail_on})")
    bad = [m for m in misconfigurations if m.severity in gating]
    if bad:
        counts = [
            _plural(n, f"{s} misconfiguration", f"{s} misconfigurations")
            for s in reversed(gating)
            if (n := sum(1 for m in bad if m.severity == s))
        ]
        reasons.append(f"{', '.join(counts)} in {bad[0].file} (fail-on: {fail_on})")
    return tuple(reasons)


def gate_failures(
    scan_plan: ScanOptions,
    scans: Sequence[PlatformScan],
    misconfigurations: Sequence[Misconfiguration] = (),
) -> tuple[str, ...]:
    """One reason per platform (and one for the Dockerfile) that breaks the gate; empty
    when it passes, e.g. ``3 CRITICAL vulnerabilities with fixes in linux/arm64 (fail-on: CRITICAL)``."""
    return gate_reasons(scan_plan.fail_on, scans, misconfigurations)
