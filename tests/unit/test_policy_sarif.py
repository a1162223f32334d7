"""Dockerfile policy findings join the scan's SARIF, which stays valid SARIF 2.1.0."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from slipway.image_checks import ImageChecks, add_policy_to_sarif
from slipway.policy.model import Finding, PolicyResult
from slipway.scan.sarif import render_sarif

SCHEMA = Path(__file__).parents[1] / "data" / "scan" / "sarif-schema-2.1.0.json"


def test_policy_findings_added_once_per_rule(tmp_path: Path) -> None:
    sarif_file = tmp_path / "scan.sarif"
    sarif_file.write_text(json.dumps(render_sarif([], [], ["HIGH", "CRITICAL"], "Dockerfile")))
    findings = (
        Finding(
            "SW001", "Final stage runs as root", "HIGH", "Dockerfile", 0, "Add `USER 10001`.", "own"
        ),
        Finding(
            "SW008", "Port not allowed", "MEDIUM", "Dockerfile", 7, "Remove it.", "own", detail="22"
        ),
        Finding(
            "SW008", "Port not allowed", "MEDIUM", "Dockerfile", 8, "Remove it.", "own", detail="23"
        ),
        Finding("SW016", "No HEALTHCHECK", "INFO", "Dockerfile", 0, "Add one.", "own"),
    )
    add_policy_to_sarif(sarif_file, ImageChecks(policy=PolicyResult(findings)))
    sarif = json.loads(sarif_file.read_text())
    jsonschema.Draft4Validator(json.loads(SCHEMA.read_text())).validate(sarif)
    run = sarif["runs"][0]
    assert [rule["id"] for rule in run["tool"]["driver"]["rules"]] == ["SW001", "SW008"]
    lines = [r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in run["results"]]
    assert lines == [1, 7, 8]  # a whole-file finding points at line 1; INFO is left out


def test_no_sarif_file_nothing_to_do(tmp_path: Path) -> None:
    add_policy_to_sarif(tmp_path / "missing.sarif", ImageChecks(policy=PolicyResult(())))
    assert not (tmp_path / "missing.sarif").exists()
