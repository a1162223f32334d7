"""SARIF 2.1.0: valid against the schema, the report's filter, rules de-duplicated."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

from slipway.core.severity import Severity
from slipway.report.sarif import render_sarif
from tests.unit.scan.findings_data import MISCONFIG, SCANS, vuln

SCHEMA = Path(__file__).parents[2] / "data" / "scan" / "sarif-schema-2.1.0.json"


@cache
def validator() -> jsonschema.Draft4Validator:
    schema = json.loads(SCHEMA.read_text())
    return jsonschema.Draft4Validator(schema)


def check(document: dict[str, Any]) -> None:
    errors = sorted(validator().iter_errors(document), key=str)
    assert not errors, errors[0]


def test_valid_and_filtered() -> None:
    reported = (Severity.HIGH, Severity.CRITICAL)
    sarif = render_sarif(SCANS, (MISCONFIG,), reported, "app/Dockerfile", Severity.CRITICAL)
    check(sarif)
    run = sarif["runs"][0]
    rule_ids = [r["id"] for r in run["rules"]] if "rules" in run else []
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert len(rule_ids) == len(set(rule_ids))
    assert "CVE-3" not in rule_ids  # LOW is not reported
    assert set(rule_ids) == {"CVE-1", "CVE-2", "CVE-4", "aws-access-key-id", "DS-0002"}
    cve1 = [r for r in run["results"] if r["ruleId"] == "CVE-1"]
    assert len(cve1) == 1
    assert "linux/amd64, linux/arm64" in cve1[0]["message"]["text"]
    misconfig = next(r for r in run["results"] if r["ruleId"] == "DS-0002")
    region = misconfig["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 4, "endLine": 4}
    for result in run["results"]:
        assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
    # each at the level the gate gives it (fail-on: CRITICAL): HIGH is a warning there
    levels = {(r["ruleId"], r["level"]) for r in run["results"]}
    assert levels == {
        ("CVE-1", "error"),
        ("CVE-4", "error"),
        ("aws-access-key-id", "error"),
        ("CVE-2", "warning"),
        ("DS-0002", "warning"),
    }


def test_same_rule_on_two_packages_is_one_rule() -> None:
    scan = SCANS[0].__class__(
        "linux/amd64",
        "r",
        (vuln("CVE-7", Severity.HIGH, package="libssl3"), vuln("CVE-7", Severity.HIGH)),
    )
    sarif = render_sarif((scan,), (), (Severity.HIGH,), "Dockerfile", Severity.CRITICAL)
    check(sarif)
    assert len(sarif["runs"][0]["tool"]["driver"]["rules"]) == 1
    assert len(sarif["runs"][0]["results"]) == 2


def test_hostile_text_stays_plain_text() -> None:
    hostile = vuln("CVE-8", Severity.CRITICAL).__class__(
        "CVE-8",
        "x](javascript:alert(1))",
        "1",
        "",
        Severity.CRITICAL,
        "<img src=x>",
        "javascript:x",
        "t",
    )
    sarif = render_sarif(
        (SCANS[0].__class__("linux/amd64", "r", (hostile,)),),
        (),
        (Severity.CRITICAL,),
        "D",
        Severity.CRITICAL,
    )
    check(sarif)
    rule = sarif["runs"][0]["tool"]["driver"]["rules"][0]
    assert "helpUri" not in rule
    assert "markdown" not in json.dumps(sarif)


def test_empty_is_valid() -> None:
    check(render_sarif((), (), (Severity.CRITICAL,), "Dockerfile", Severity.CRITICAL))
