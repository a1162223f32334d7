"""The security gate: which findings break ``fail-on``, said in one line per platform."""

from __future__ import annotations

from collections.abc import Sequence

from slipway.scan.gate import gate_reasons
from slipway.scan.options import ScanOptions
from slipway.tools.trivy import ImageScan


def gate_failures(scan_plan: ScanOptions, scans: Sequence[ImageScan]) -> tuple[str, ...]:
    """One reason per platform (and one for the Dockerfile) that breaks the gate; empty
    when it passes, e.g. ``3 CRITICAL vulnerabilities with fixes in linux/arm64 (fail-on: CRITICAL)``."""
    misconfigurations = tuple(dict.fromkeys(m for s in scans for m in s.misconfigurations))
    return gate_reasons(scan_plan.fail_on, scans, misconfigurations)
