"""BuildKit's build checks read from buildx's metadata file (buildx/checks.py), and shown as
annotations next to Slipway's rules, without saying twice what a rule says
(stages/report.finding_annotations)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

import pytest

from slipway.buildx.checks import WARNINGS_KEY, BuildCheck, build_checks
from slipway.core.context import Context
from slipway.core.plan import make_plan
from slipway.core.severity import Severity
from slipway.inputs import read_inputs
from slipway.policy.model import Finding, PolicyFindings, PolicyResult
from slipway.stages.report import finding_annotations


def warning(
    short: str,
    line: int | None = 3,
    url: str = "https://docs.docker.com/go/dockerfile/rule/from-as-casing/",
) -> dict[str, Any]:
    record: dict[str, Any] = {
        "vertex": "sha256:" + "a" * 64,
        "level": 1,
        "short": base64.b64encode(short.encode()).decode(),
        "url": url,
    }
    if line is not None:
        record["range"] = [{"start": {"line": line}, "end": {"line": line}}]
    return record


def test_checks_are_read_with_their_rule_line_and_docs() -> None:
    metadata = {
        WARNINGS_KEY: [
            warning("FromAsCasing: 'as' and 'FROM' keywords' casing do not match (line 3)"),
            warning("FromAsCasing: 'as' and 'FROM' keywords' casing do not match (line 3)"),
            warning(
                "UndefinedVar: Usage of undefined variable '$FOO'", line=None, url="javascript:x"
            ),
        ]
    }
    assert build_checks(metadata) == [
        BuildCheck(
            "FromAsCasing",
            "'as' and 'FROM' keywords' casing do not match (line 3)",
            3,
            "https://docs.docker.com/go/dockerfile/rule/from-as-casing/",
        ),
        BuildCheck("UndefinedVar", "Usage of undefined variable '$FOO'", None, ""),
    ]


@pytest.mark.parametrize(
    "metadata",
    [
        {},
        {WARNINGS_KEY: "x"},
        {WARNINGS_KEY: [1, None, {"short": "!!"}, {"short": 5}]},
        {WARNINGS_KEY: [warning("no rule here")]},
    ],
)
def test_anything_else_is_left_out(metadata: dict[str, Any]) -> None:
    assert build_checks(metadata) == []


def test_a_line_that_is_no_line_number_is_none() -> None:
    found = build_checks({WARNINGS_KEY: [warning("X: y", line=True)]})
    assert [(c.rule, c.message, c.line) for c in found] == [("X", "y", None)]


def test_a_check_a_rule_already_says_on_that_line_is_not_repeated() -> None:
    env = {"INPUT_IMAGES": "127.0.0.1:5000/acme/app"}
    plan = make_plan(
        read_inputs(env), Context(event_name="push"), env=env, now=datetime(2026, 12, 6, tzinfo=UTC)
    )
    checks = [
        BuildCheck("SecretsUsedInArgOrEnv", "Do not use ARG or ENV for secrets", 4),
        BuildCheck("SecretsUsedInArgOrEnv", "Do not use ARG or ENV for secrets", 9),
        BuildCheck("FromAsCasing", "casing", 1),
    ]
    marks = finding_annotations(plan, [], _with_sw005_at(4), None, checks)
    titles = sorted((m.title, m.line) for m in marks)
    assert ("BuildKit check SecretsUsedInArgOrEnv", 4) not in titles  # SW005 says it there
    assert ("BuildKit check SecretsUsedInArgOrEnv", 9) in titles
    assert ("BuildKit check FromAsCasing", 1) in titles
    assert all(m.level.value == "warning" for m in marks if m.title.startswith("BuildKit"))


def _with_sw005_at(line: int) -> PolicyFindings:
    finding = Finding(
        "SW005",
        "Credential in ARG/ENV",
        Severity.CRITICAL,
        "Dockerfile",
        line,
        "Pass it as a build secret",
        "slipway",
    )
    return PolicyFindings(PolicyResult((finding,)))
