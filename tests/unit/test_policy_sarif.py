"""Dockerfile policy findings join the one SARIF file with the scan's, which stays valid
SARIF 2.1.0."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from slipway.core.severity import Severity
from slipway.policy.model import Finding, PolicyFindings, PolicyResult
from slipway.report.sarif import add_results, policy_sarif_findings, render_sarif

SCHEMA = Path(__file__).parents[1] / "data" / "scan" / "sarif-schema-2.1.0.json"


def test_policy_findings_added_once_per_rule() -> None:
    findings = (
        Finding(
            "SW001",
            "Final stage runs as root",
            Severity.HIGH,
            "Dockerfile",
            0,
            "Add `USER 10001`.",
            "own",
        ),
        Finding(
            "SW008",
            "Port not allowed",
            Severity.MEDIUM,
            "Dockerfile",
            7,
            "Remove it.",
            "own",
            detail="22",
        ),
        Finding(
            "SW008",
            "Port not allowed",
            Severity.MEDIUM,
            "Dockerfile",
            8,
            "Remove it.",
            "own",
            detail="23",
        ),
        Finding("SW016", "No HEALTHCHECK", Severity.INFO, "Dockerfile", 0, "Add one.", "own"),
    )
    reported, fail_on = [Severity.HIGH, Severity.CRITICAL], Severity.HIGH
    rendered = render_sarif([], [], reported, "Dockerfile", fail_on)  # no scan ran
    checks = PolicyFindings(policy=PolicyResult(findings))
    sarif = add_results(rendered, policy_sarif_findings(checks), fail_on)
    jsonschema.Draft4Validator(json.loads(SCHEMA.read_text())).validate(sarif)
    run = sarif["runs"][0]
    assert [rule["id"] for rule in run["tool"]["driver"]["rules"]] == ["SW001", "SW008"]
    lines = [r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in run["results"]]
    assert lines == [1, 7, 8]  # a whole-file finding points at line 1; INFO is left out
    assert [r["level"] for r in run["results"]] == ["error", "warning", "warning"]  # fail-on: HIGH


def test_no_policy_nothing_added() -> None:
    assert policy_sarif_findings(PolicyFindings(policy=None)) == []
