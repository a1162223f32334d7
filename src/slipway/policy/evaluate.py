"""Tool findings + our own checks -> the policy's findings: mapped, selected, suppressed.

``evaluate`` is the one place where a Trivy DS-xxxx or hadolint DLxxxx ID becomes a
Slipway rule, where the ``policy`` input picks severities (or turns a rule off), and
where ``# slipway:ignore=ID reason`` comments silence a finding. The same finding
seen by several tools is reported once, at its line.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from slipway.core.severity import Severity
from slipway.dockerfile import Dockerfile
from slipway.policy import catalog, identity
from slipway.policy.image import check_image_config, is_root
from slipway.policy.model import (
    OFF,
    Finding,
    PolicyConfig,
    PolicyResult,
    RuleSeverity,
    Source,
    Suppressed,
    ToolFinding,
)
from slipway.policy.own_rules import own_checks
from slipway.scan.findings import Misconfiguration

_TOOLS = (Source.TRIVY, Source.HADOLINT)


def rule_for(found: ToolFinding, config: PolicyConfig) -> catalog.Rule | None:
    """Our rule for a tool's (or our own) check, or None when it is not part of the policy."""
    if found.source not in _TOOLS:
        return catalog.BY_ID.get(found.check_id)
    if found.check_id == "DS-0004" and config.allowed_ports and 22 in config.allowed_ports:
        return None
    if found.check_id.startswith(catalog.LAYER_SCAN_PREFIX):
        return catalog.SECRET_IN_LAYER
    if found.check_id == "DS-0031" and "cop" in found.message.lower():
        return catalog.SECRET_FILE
    return catalog.TOOL_RULES.get(found.check_id)


def severity_of(rule: catalog.Rule, config: PolicyConfig) -> RuleSeverity:
    """The severity the policy gives ``rule`` (``off`` when it is not checked)."""
    if not config.enabled:
        return OFF
    return config.overrides.get(rule.id, rule.severity)


def _line(found: ToolFinding, rule: catalog.Rule, dockerfile: Dockerfile) -> int:
    if found.line or rule is not catalog.ROOT_USER:
        return found.line
    final = dockerfile.final_stage  # "no USER at all": the final FROM is the line to change
    return final.line if final else 0


def _suppression(dockerfile: Dockerfile, finding: Finding, tool_id: str) -> Suppressed | None:
    instruction = dockerfile.at_line(finding.line) if finding.line else None
    candidates = list(dockerfile.file_suppressions)
    if instruction is not None:
        candidates = [*instruction.suppressions, *candidates]
    for suppression in candidates:
        if finding.id in suppression.ids or (tool_id and tool_id.upper() in suppression.ids):
            return Suppressed(finding, suppression.reason, suppression.line)
    return None


def evaluate(
    dockerfile: Dockerfile,
    found: Iterable[ToolFinding],
    config: PolicyConfig,
    *,
    platform: str | None = None,
) -> PolicyResult:
    """Map, select and suppress ``found``; one finding per rule and line."""
    findings: dict[tuple[str, int], Finding] = {}
    suppressed: dict[tuple[str, int], Suppressed] = {}
    for item in found:
        rule = rule_for(item, config)
        if rule is None:
            continue
        severity = severity_of(rule, config)
        if not isinstance(severity, Severity):  # off
            continue
        line = _line(item, rule, dockerfile)
        key = (rule.id, line)
        if key in findings or key in suppressed:
            continue
        tool_id = item.check_id if item.source in _TOOLS else ""
        about = identity.subject(
            rule.id,
            source=item.source,
            platform=platform,
            detail=item.message,
            instruction=dockerfile.at_line(line) if line else None,
        )
        finding = Finding(
            rule.id,
            rule.title,
            severity,
            dockerfile.path,
            line,
            rule.fix,
            item.source,
            platform,
            item.message,
            tool_id,
            identity.fingerprint(rule.id, about),
        )
        silenced = _suppression(dockerfile, finding, tool_id)
        if silenced is not None:
            suppressed[key] = silenced
        else:
            findings[key] = finding
    order = sorted(findings.values(), key=lambda f: (f.line, f.id))
    return PolicyResult(tuple(order), tuple(suppressed.values()))


def from_trivy(misconfigurations: Iterable[Misconfiguration]) -> list[ToolFinding]:
    """``trivy config``'s failed checks as tool findings, for `evaluate` to map (its
    severities are not used: the policy gives each rule its own)."""
    return [
        ToolFinding(Source.TRIVY, m.id, m.start_line or 0, m.message or m.title, m.file)
        for m in misconfigurations
    ]


def check_dockerfile(
    dockerfile: Dockerfile, tool_findings: Sequence[ToolFinding], config: PolicyConfig
) -> PolicyResult:
    """The Dockerfile's findings: our checks first, then Trivy's and hadolint's, mapped."""
    return evaluate(dockerfile, [*own_checks(dockerfile, config), *tool_findings], config)


def check_image(
    dockerfile: Dockerfile,
    image_configs: Mapping[str, Mapping[str, Any]],
    config: PolicyConfig,
    dockerfile_result: PolicyResult,
) -> PolicyResult:
    """Image-config findings per platform that the Dockerfile's findings do not already say."""
    seen = {(f.id, f.line) for f in dockerfile_result.findings}
    seen |= {(s.finding.id, s.finding.line) for s in dockerfile_result.suppressed}
    findings: list[Finding] = []
    suppressed: list[Suppressed] = []
    for platform, image_config in sorted(image_configs.items()):
        found = check_image_config(image_config, dockerfile, config)
        result = evaluate(dockerfile, found, config, platform=platform)
        findings += [f for f in result.findings if (f.id, f.line) not in seen]
        suppressed += [s for s in result.suppressed if (s.finding.id, s.finding.line) not in seen]
    return PolicyResult(tuple(findings), tuple(suppressed))


def drop_root_set_by_base(
    result: PolicyResult,
    dockerfile: Dockerfile,
    image_configs: Mapping[str, Mapping[str, Any]],
) -> PolicyResult:
    """Without a USER line the linters assume root; the base image may have set a user.

    When every platform's config names a non-root user, the "no USER" finding (at the
    final FROM) is not true of the image and is dropped; a `USER root` line stays.
    """
    final = dockerfile.final_stage
    chain = {s.index for s in dockerfile.final_stages()}
    has_user = any(i.keyword == "USER" and i.stage in chain for i in dockerfile.instructions)
    users = [str((c.get("config") or {}).get("User") or "") for c in image_configs.values()]
    if final is None or has_user or not users or any(is_root(u) for u in users):
        return result
    kept = tuple(
        f for f in result.findings if not (f.id == catalog.ROOT_USER.id and f.line == final.line)
    )
    return PolicyResult(kept, result.suppressed)


def combine_results(*results: PolicyResult) -> PolicyResult:
    """Several results as one (Dockerfile first, then image configs)."""
    return PolicyResult(
        tuple(f for r in results for f in r.findings),
        tuple(s for r in results for s in r.suppressed),
    )
