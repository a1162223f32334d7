"""SW017: the secrets Trivy's scan found in the image layers, as policy findings.

The scan stage already attributed each secret's layer to the Dockerfile line that added
it (`slipway.dockerfile.history`, the one attribution), so the finding points at the
``COPY``/``RUN`` to change. The secret itself (Trivy's ``Match``) is never kept.
"""

from __future__ import annotations

from collections.abc import Iterable

from slipway.dockerfile import Dockerfile
from slipway.policy.catalog import LAYER_SCAN_PREFIX
from slipway.policy.evaluate import combine_results, evaluate
from slipway.policy.model import PolicyConfig, PolicyResult, Source, ToolFinding
from slipway.scan.findings import PlatformScan, Secret


def _found(secret: Secret, dockerfile: Dockerfile) -> ToolFinding:
    title = secret.title or secret.rule
    return ToolFinding(
        Source.TRIVY,
        LAYER_SCAN_PREFIX + secret.rule,
        secret.dockerfile_line or 0,
        f"{title} in {secret.path}",
        dockerfile.path,
    )


def check_scan_secrets(
    scans: Iterable[PlatformScan], dockerfile: Dockerfile, config: PolicyConfig
) -> PolicyResult:
    """Every platform's secrets as SW017 findings; one per line, the first platform's."""
    results: list[PolicyResult] = []
    seen: set[tuple[str, int]] = set()
    for scan in sorted(scans, key=lambda s: s.platform):
        result = evaluate(
            dockerfile,
            [_found(s, dockerfile) for s in scan.secrets],
            config,
            platform=scan.platform,
        )
        fresh = PolicyResult(
            tuple(f for f in result.findings if (f.id, f.line) not in seen),
            tuple(s for s in result.suppressed if (s.finding.id, s.finding.line) not in seen),
        )
        seen |= {(f.id, f.line) for f in result.findings}
        seen |= {(s.finding.id, s.finding.line) for s in result.suppressed}
        results.append(fresh)
    return combine_results(*results)
