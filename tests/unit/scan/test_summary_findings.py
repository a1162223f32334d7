"""The summary shows secrets and Dockerfile checks at the reported severities, inertly."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from slipway.core.context import read_context
from slipway.core.plan import Plan, make_plan
from slipway.inputs import read_inputs
from slipway.report.summary import Outcome, render_summary
from tests.unit.scan.findings_data import MISCONFIG, SCANS, SECRET


def plan() -> Plan:
    inputs = read_inputs({"INPUT_IMAGES": "127.0.0.1:5000/app", "INPUT_PUSH": "true"})
    context = read_context({"GITHUB_REF": "refs/heads/main", "GITHUB_SHA": "a" * 40}, {})
    return make_plan(inputs, context, env={}, now=datetime(2026, 1, 1, tzinfo=UTC))


def test_secrets_and_checks_in_the_summary() -> None:
    outcome = Outcome("sha256:1", {}, (), SCANS, (), misconfigurations=(MISCONFIG,))
    summary = render_summary(plan(), outcome)
    assert summary.count("AWS Access Key ID") == 1  # one row, both platforms
    assert "`/root/.aws/c:1`" in summary
    assert summary.count("DS\\-0002") == 1
    assert "`Dockerfile:4`" in summary


def test_hostile_secret_title_is_inert() -> None:
    hostile = replace(SECRET, title="<img src=x> @everyone [x](javascript:1)")
    scans = (replace(SCANS[0], secrets=(hostile,)),)
    summary = render_summary(plan(), Outcome("sha256:1", {}, (), scans, ()))
    assert "<img" not in summary
    assert "](javascript" not in summary
    assert "@everyone" not in "".join(summary.split("`")[::2])
