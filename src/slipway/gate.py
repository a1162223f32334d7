"""The security gate: which findings break ``fail-on``, said in one line per platform."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from slipway.inputs import SEVERITIES
from slipway.plan import ScanPlan
from slipway.tools.trivy import ImageScan


def gate_failures(scan_plan: ScanPlan, scans: Sequence[ImageScan]) -> tuple[str, ...]:
    """One reason per platform that breaks the gate; empty when the gate passes."""
    reasons: list[str] = []
    for scan in scans:
        counts = Counter(
            v.severity for v in scan.vulnerabilities if v.severity in scan_plan.gate_severities
        )
        if not counts:
            continue
        parts = [f"{counts[s]} {s}" for s in reversed(SEVERITIES) if counts.get(s)]
        reasons.append(f"{', '.join(parts)} in {scan.platform} (fail-on: {scan_plan.fail_on})")
    return tuple(reasons)
