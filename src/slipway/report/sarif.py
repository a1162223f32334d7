"""SARIF 2.1.0 for GitHub code scanning: the report's severity filter, rules de-duplicated.

Every result points at the Dockerfile (the line that added the layer when known, else
line 1): code scanning needs a file in the repository, and the Dockerfile is where the
fix goes. A result's level is the annotation's (`slipway.core.severity.level`: ``error`` when
it fails the gate); ``security-severity`` orders alerts as Trivy's own SARIF does. Only
plain ``text`` fields are written: report text is untrusted and SARIF ``markdown``
fields would render it. Compared with a baseline image (`slipway.scan.delta`), each
vulnerability and secret says so in SARIF's own ``baselineState``: ``new`` or ``unchanged``;
so does each Dockerfile or image-policy finding, when the baseline's policy findings are
known, and each misconfiguration of ``trivy config`` (`policy: none`), when the baseline's
misconfigurations are known (else, as without a baseline, none says it: nothing was
compared).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from slipway.core.severity import SARIF_LEVELS, FailOn, Severity, level
from slipway.policy.model import Finding as PolicyFinding
from slipway.policy.model import PolicyFindings
from slipway.scan.combined import Merged, combine
from slipway.scan.delta import Delta
from slipway.scan.findings import Misconfiguration, PlatformScan, Secret, Vulnerability

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
TOOL_NAME = "Slipway (Trivy)"
TOOL_URI = "https://github.com/aquasecurity/trivy"
# What Trivy's own SARIF uses, so GitHub sorts alerts the same way.
SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "2.0",
}


def _location(uri: str, line: int | None, end_line: int | None = None) -> dict[str, Any]:
    region: dict[str, Any] = {"startLine": max(line or 1, 1)}
    if end_line and end_line >= region["startLine"]:
        region["endLine"] = end_line
    return {"physicalLocation": {"artifactLocation": {"uri": uri}, "region": region}}


def _rule(
    rule_id: str, title: str, severity: Severity, url: str, tags: list[str]
) -> dict[str, Any]:
    # Kept small on purpose: a 10,000-finding run has about as many rules; GitHub shows
    # shortDescription, helpUri and sorts by security-severity.
    rule: dict[str, Any] = {
        "id": rule_id,
        "shortDescription": {"text": title or rule_id},
        "properties": {
            "security-severity": SECURITY_SEVERITY.get(severity, "0.0"),
            "tags": [*tags, "security", severity.value],
        },
    }
    if url.startswith("https://"):
        rule["helpUri"] = url
    return rule


def _describe(entry: Merged) -> tuple[str, str, str, str, list[str], str]:
    """(rule id, title, url, message, tags, dedup key) of a merged finding."""
    finding = entry.finding
    platforms = ", ".join(entry.platforms)
    if isinstance(finding, Vulnerability):
        fix = f"fixed in {finding.fixed}" if finding.fixed else "no fix yet"
        message = (
            f"{finding.id} ({finding.severity}) in {finding.package} {finding.installed}, "
            f"{fix}; platforms: {platforms}; target: {finding.target}"
        )
        return finding.id, finding.title, finding.url, message, ["vulnerability"], finding.id
    assert isinstance(finding, Secret)
    message = f"{finding.title} ({finding.severity}) in {finding.path}:{finding.line}; platforms: {platforms}"
    return finding.rule, finding.title, "", message, ["secret"], finding.rule


class _Rules:
    """The run's rules, each once, in first-seen order."""

    def __init__(self) -> None:
        self.rules: list[dict[str, Any]] = []
        self._index: dict[str, int] = {}

    def number(self, rule_id: str, make: Callable[[], dict[str, Any]]) -> int:
        """The index of ``rule_id``, added (``make()``) the first time it is seen."""
        if rule_id not in self._index:
            self._index[rule_id] = len(self.rules)
            self.rules.append(make())
        return self._index[rule_id]


def _result(
    rule_id: str, number: int, result_level: str, message: str, where: list[dict[str, Any]]
) -> dict[str, Any]:
    return {
        "ruleId": rule_id,
        "ruleIndex": number,
        "level": result_level,
        "message": {"text": message},
        "locations": where,
    }


def render_sarif(
    scans: Sequence[PlatformScan],
    misconfigurations: Sequence[Misconfiguration],
    severities: Sequence[Severity],
    dockerfile: str,
    fail_on: FailOn,
    *,
    trivy_version: str = "",
    merged: Sequence[Merged] | None = None,
    delta: Delta | None = None,
) -> dict[str, Any]:
    """One SARIF run with the findings at ``severities``, each at its level at ``fail_on``
    (``merged``: `merge`'s result at the same severities, when already computed). With a
    ``delta`` against a baseline, each vulnerability and secret has its ``baselineState``:
    ``new`` when it is new on one of its platforms, else ``unchanged`` (none without a
    baseline: nothing was compared); each misconfiguration too, when the baseline's are
    known (`Delta.compared`)."""
    wanted = set(severities)
    levels = {s: SARIF_LEVELS[level(s, fail_on)] for s in Severity}
    rules = _Rules()
    results: list[dict[str, Any]] = []
    # Shared, read-only sub-objects: JSON output is the same, 10,000 findings cost less.
    locations: dict[int | None, list[dict[str, Any]]] = {}
    compared = delta if delta is not None and delta.baseline.present else None
    for entry in combine(scans, wanted) if merged is None else merged:
        rule_id, title, url, message, tags, _ = _describe(entry)
        severity = entry.finding.severity
        number = rules.number(rule_id, lambda: _rule(rule_id, title, severity, url, tags))  # noqa: B023
        line = entry.finding.dockerfile_line
        where = locations.get(line)
        if where is None:
            where = locations[line] = [_location(dockerfile, line)]
        result = _result(rule_id, number, levels[severity], message, where)
        if compared is not None:
            new = any(compared.is_new(p, entry.finding) for p in entry.platforms)
            result["baselineState"] = "new" if new else "unchanged"
        results.append(result)
    for check in misconfigurations:
        if check.severity not in wanted:
            continue
        number = rules.number(
            check.id,
            lambda: _rule(check.id, check.title, check.severity, check.url, ["misconfiguration"]),  # noqa: B023
        )
        where = [_location(check.file, check.start_line, check.end_line)]
        result = _result(
            check.id, number, levels[check.severity], f"{check.title}: {check.message}", where
        )
        if delta is not None and delta.compared(check):
            result["baselineState"] = "new" if delta.is_new("", check) else "unchanged"
        results.append(result)
    driver: dict[str, Any] = {"name": TOOL_NAME, "informationUri": TOOL_URI, "rules": rules.rules}
    if trivy_version:
        driver["version"] = trivy_version
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{"tool": {"driver": driver}, "results": results}],
    }


# (rule id, title, severity, help URL, message, file, line, baselineState or "")
OtherFinding = tuple[str, str, Severity, str, str, str, int | None, str]


def add_results(
    sarif: dict[str, Any], findings: Sequence[OtherFinding], fail_on: FailOn
) -> dict[str, Any]:
    """Add other stages' findings (Dockerfile policy) to the run, rules de-duplicated, each
    at its level at ``fail_on``, with its ``baselineState`` when it was compared.

    Each finding is (rule id, title, severity, help URL, message, file, line, baseline
    state: ``new``, ``unchanged`` or "" when not compared).
    """
    run = sarif["runs"][0]
    rules: list[dict[str, Any]] = run["tool"]["driver"]["rules"]
    index = {rule["id"]: number for number, rule in enumerate(rules)}
    for rule_id, title, severity, url, message, file, line, state in findings:
        if rule_id not in index:
            index[rule_id] = len(rules)
            rules.append(_rule(rule_id, title, severity, url, ["policy"]))
        result = _result(
            rule_id,
            index[rule_id],
            SARIF_LEVELS[level(severity, fail_on)],
            message,
            [_location(file, line)],
        )
        if state:
            result["baselineState"] = state
        run["results"].append(result)
    return sarif


POLICY_DOCS = "https://github.com/slipway/slipway#image-policy-and-image-size"


def policy_sarif_findings(checks: PolicyFindings, delta: Delta | None = None) -> list[OtherFinding]:
    """The policy findings as SARIF results (`add_results`); INFO is advice. With a ``delta``
    whose baseline's policy findings are known, each says ``new`` or ``unchanged``."""
    if checks.policy is None:
        return []

    def state(finding: PolicyFinding) -> str:
        if delta is None or not delta.compared(finding):
            return ""
        return "new" if delta.is_new("", finding) else "unchanged"

    found = [f for f in checks.policy.findings if f.severity is not Severity.INFO]
    return [
        (
            f.id,
            f.title,
            f.severity,
            POLICY_DOCS,
            f"{f.title}. Fix: {f.fix}",
            f.file,
            f.line or None,
            state(f),
        )
        for f in found
    ]
