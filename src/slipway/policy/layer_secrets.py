"""Trivy's secret scan of the image layers, as policy findings at the line that added them.

``trivy image --scanners secret`` reports each secret with the layer's ``CreatedBy``;
that instruction is looked up in the Dockerfile, so the finding points at the
``COPY``/``RUN`` to change. The secret itself (Trivy's ``Match``) is never kept.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from slipway.policy.catalog import LAYER_SCAN_PREFIX
from slipway.policy.checks import final_stages
from slipway.policy.dockerfile import Dockerfile
from slipway.policy.evaluate import evaluate
from slipway.policy.model import PolicyConfig, PolicyResult, Source, ToolFinding
from slipway.scan.findings import Secret
from slipway.size.model import clean_created_by


def _flat(text: str) -> str:
    return " ".join(text.split())


def line_of(created_by: str, dockerfile: Dockerfile) -> int:
    """The final-stage line whose instruction the history text records; 0 when none does."""
    wanted = _flat(clean_created_by(created_by))
    indexes = {s.index for s in final_stages(dockerfile)}
    for instruction in reversed(dockerfile.instructions):
        if instruction.stage not in indexes:
            continue
        candidates = (
            f"{instruction.keyword} {instruction.args}",
            f"{instruction.keyword} {instruction.body}",
        )
        if any(_flat(c) == wanted for c in candidates):
            return instruction.line
    return 0


def secret_tool_findings(report: Mapping[str, Any], dockerfile: Dockerfile) -> list[ToolFinding]:
    """The secrets of a Trivy image report (JSON, schema 2) as tool findings."""
    found: list[ToolFinding] = []
    for result in report.get("Results") or []:
        for secret in result.get("Secrets") or []:
            layer = secret.get("Layer") or {}
            line = line_of(str(layer.get("CreatedBy", "")), dockerfile)
            title = str(secret.get("Title") or secret.get("RuleID") or "secret")
            detail = f"{title} in {result.get('Target', '')}"
            check = LAYER_SCAN_PREFIX + str(secret.get("RuleID", ""))
            found.append(ToolFinding(Source.TRIVY, check, line, detail, dockerfile.path))
    return found


def check_layer_secrets(
    report: Mapping[str, Any], dockerfile: Dockerfile, config: PolicyConfig, platform: str
) -> PolicyResult:
    """Policy findings (SW017) for one platform's secret scan."""
    return evaluate(dockerfile, secret_tool_findings(report, dockerfile), config, platform=platform)


def check_scan_secrets(
    secrets: Iterable[Secret], dockerfile: Dockerfile, config: PolicyConfig, platform: str
) -> PolicyResult:
    """The scan stage's secrets (already attributed to a line) as SW017 findings.

    Lets the main run reuse the image scan's ``--scanners secret`` results instead of a
    second scan; `check_layer_secrets` does the same from a raw Trivy report.
    """
    found = [
        ToolFinding(
            Source.TRIVY,
            LAYER_SCAN_PREFIX + secret.rule,
            secret.dockerfile_line or 0,
            f"{secret.title or secret.rule} in {secret.path}",
            dockerfile.path,
        )
        for secret in secrets
    ]
    return evaluate(dockerfile, found, config, platform=platform)
