"""The plan as text (`--dry-run`): what a run would tag, label, build, push and scan (pure).

The same lines under GitHub Actions and on a laptop, so the two can be compared.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence

from slipway.core.plan import ConfigFindings, Plan

METADATA_FILE = "<metadata.json>"  # the run's own files, not known before it starts
LAYOUT_DIR = "<oci-layout>"
CONFIG_FINDINGS = {
    ConfigFindings.POLICY: "mapped onto the Dockerfile policy's rules",
    ConfigFindings.SCAN: "reported by the scan as misconfigurations (policy: none)",
    ConfigFindings.NONE: "not run",
}


def plan_lines(plan: Plan, build_argv: Sequence[str]) -> list[str]:
    """``key: value`` lines, lists one item per indented line; ``build_argv`` is the buildx
    command the run would start (with `METADATA_FILE` and `LAYOUT_DIR` in it)."""
    platforms = ", ".join(map(str, plan.platforms)) or "the builder's default"
    if plan.push:
        push = "by digest, tagged only after the gate"
    else:
        push = "no (the build stays in the OCI layout)"
    scan = plan.scan
    lines = [
        "plan:",
        f"  images: {', '.join(map(str, plan.images))}",
        f"  platforms: {platforms}",
        f"  push: {push}",
        "  tags:",
        *(f"    {ref}" for ref in plan.refs),
        "  labels:",
        *(f"    {key}={value}" for key, value in sorted(plan.labels.items())),
        "  annotations:",
        *(f"    {annotation}" for annotation in plan.annotations),
        "  build args:",
        *(f"    {key}={value}" for key, value in sorted(plan.build_args.items())),
        f"  build: {shlex.join(build_argv)}",
    ]
    if scan.enabled:
        scanners, severity = ", ".join(scan.image_scanners), ", ".join(scan.severity)
        lines.append(
            f"  scan: every platform by digest; scanners {scanners}; report {severity}; "
            f"fail on {scan.fail_on}"
        )
    else:
        lines.append("  scan: no")
    lines.append(f"  trivy config on the Dockerfile: {CONFIG_FINDINGS[plan.config_findings]}")
    return [line.replace("\n", "\\n") for line in lines]
