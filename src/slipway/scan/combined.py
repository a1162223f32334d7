"""Findings merged across platforms, counts for the outputs, and the merged JSON report."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from slipway.core.severity import SCAN, Severity
from slipway.policy.model import Finding as PolicyFinding
from slipway.scan.findings import (
    Misconfiguration,
    PlatformScan,
    Secret,
    Vulnerability,
)

REPORT_VERSION = 1


@dataclass(frozen=True)
class Merged:
    """One finding and every platform it was found on."""

    finding: Vulnerability | Secret
    platforms: tuple[str, ...]


def combine(scans: Sequence[PlatformScan], severities: Iterable[Severity]) -> list[Merged]:
    """Vulnerabilities and secrets at ``severities``, one entry per finding, worst first."""
    wanted = set(severities)
    found: dict[tuple[object, ...], tuple[Vulnerability | Secret, list[str]]] = {}
    for scan in scans:
        platform = scan.platform
        for vuln in scan.vulnerabilities:
            if vuln.severity in wanted:
                entry = found.setdefault(("v", *vuln.key), (vuln, []))
                if platform not in entry[1]:
                    entry[1].append(platform)
        for secret in scan.secrets:
            if secret.severity in wanted:
                entry = found.setdefault(("s", *secret.key), (secret, []))
                if platform not in entry[1]:
                    entry[1].append(platform)
    merged = [Merged(item, tuple(platforms)) for item, platforms in found.values()]
    merged.sort(key=_order)
    return merged


def _order(entry: Merged) -> tuple[int, bool, str, str]:
    finding = entry.finding
    if isinstance(finding, Vulnerability):
        return (-finding.severity.rank, not finding.fixed, finding.id, finding.package)
    return (-finding.severity.rank, True, finding.rule, finding.path)


def _tally(vulnerabilities: Iterable[Vulnerability], wanted: set[Severity]) -> dict[str, Any]:
    counts: dict[str, Any] = {s.value: 0 for s in reversed(SCAN) if s in wanted}
    fixable: dict[str, int] = {}
    unfixable: dict[str, int] = {}
    for vuln in vulnerabilities:
        if vuln.severity not in wanted:
            continue
        name = vuln.severity.value
        counts[name] = counts.get(name, 0) + 1
        side = fixable if vuln.fixable else unfixable
        side[name] = side.get(name, 0) + 1
    counts["fixable"] = fixable
    counts["unfixable"] = unfixable
    return counts


def vulnerability_counts(
    scans: Sequence[PlatformScan], severities: Iterable[Severity]
) -> dict[str, dict[str, Any]]:
    """The ``vulnerabilities`` output: per platform, and ``all`` (each finding once).

    ``{"linux/amd64": {"CRITICAL": 2, "HIGH": 1, "fixable": {"CRITICAL": 2},
    "unfixable": {"HIGH": 1}}, ..., "all": {...}}``
    """
    wanted = set(severities)
    counts = {scan.platform: _tally(scan.vulnerabilities, wanted) for scan in scans}
    unique = {v.key: v for scan in scans for v in scan.vulnerabilities}
    counts["all"] = _tally(unique.values(), wanted)
    return counts


def merged_report(
    scans: Sequence[PlatformScan],
    misconfigurations: Sequence[Misconfiguration],
    severities: Iterable[Severity],
    db_updated_at: str,
    merged: Sequence[Merged] | None = None,
    *,
    scanners: Sequence[str] = (),
    ignore_unfixed: bool = False,
    config_checked: bool = False,
) -> dict[str, Any]:
    """The ``report-file`` document: findings at the reported severities, merged
    (``merged``: `merge`'s result at the same severities, when already computed), and the
    scan's setup (``scanners``, ``ignore_unfixed``): a later run that takes this report,
    attached to the image, for its baseline checks it was made as its own scan would be
    (`slipway.scan.baseline.incompatible`). ``config_checked``: ``misconfigurations`` are
    ``trivy config``'s whole answer on the Dockerfile (`policy: none`), each with its identity
    (`slipway.policy.identity.identify_misconfigurations`: a digest, never an instruction's
    text), so a later run can compare its own with them
    (`slipway.scan.baseline.misconfigurations_from_report`); a report without
    ``config_checked`` says nothing of them."""
    wanted = set(severities)
    vulnerabilities: list[dict[str, Any]] = []
    secrets: list[dict[str, Any]] = []
    for entry in combine(scans, wanted) if merged is None else merged:
        record = {**vars(entry.finding), "platforms": list(entry.platforms)}
        if isinstance(entry.finding, Vulnerability):
            vulnerabilities.append({**record, "fixable": entry.finding.fixable})
        else:
            secrets.append(record)
    return {
        "version": REPORT_VERSION,
        "db_updated_at": db_updated_at,
        "severities": [s.value for s in reversed(SCAN) if s in wanted],
        "scanners": list(scanners),
        "ignore_unfixed": ignore_unfixed,
        "platforms": {s.platform: {"image": s.image, "digest": s.digest} for s in scans},
        "vulnerabilities": vulnerabilities,
        "secrets": secrets,
        "misconfigurations": [vars(m) for m in misconfigurations if m.severity in wanted],
        "config_checked": config_checked,
    }


def with_policy(report: dict[str, Any], findings: Sequence[PolicyFinding]) -> dict[str, Any]:
    """``report`` (`merged_report`'s) with the image's Dockerfile and image-policy
    ``findings`` under ``policy``, every severity, each with its identity
    (`slipway.policy.identity`: a digest, never an instruction's text), for a later run that
    compares with this image (`slipway.scan.baseline.policy_from_report`). A report without
    ``policy`` says nothing of them: the policy did not run, or the report is older."""
    return {**report, "policy": [vars(f) for f in findings]}
