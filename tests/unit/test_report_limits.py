"""10,000 findings on two platforms: one report, fitted by the one fitter to the summary's
1 MiB, the comment's 65,536 characters and the check run's 65,535, each starting with the
header and the counts, each saying what was left out and where the whole report is."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from slipway.core.context import read_context
from slipway.core.plan import Plan, make_plan
from slipway.core.severity import Severity
from slipway.github.comment import compose_body, marker_for
from slipway.inputs import read_inputs
from slipway.report.fit import CHECK_RUN, COMMENT, SUMMARY, Limit, fit
from slipway.report.summary import Outcome, render_summary, summary_sections
from slipway.scan.findings import PlatformScan, Vulnerability


def plan(labels: int = 0) -> Plan:
    inputs = read_inputs({"INPUT_IMAGES": "127.0.0.1:5000/app", "INPUT_PUSH": "true"})
    context = read_context({"GITHUB_REF": "refs/heads/main", "GITHUB_SHA": "a" * 40}, {})
    made = make_plan(inputs, context, env={}, now=datetime(2026, 1, 1, tzinfo=UTC))
    extra = {f"org.example.label-{n}": "v" * 1000 for n in range(labels)}
    return replace(made, metadata=replace(made.metadata, labels={**made.labels, **extra}))


def outcome() -> Outcome:
    vulns = tuple(
        Vulnerability(
            f"CVE-2099-{n:05d}",
            f"pkg-{n}",
            "1.0",
            "1.1" if n % 2 else "",
            Severity.CRITICAL if n % 3 else Severity.HIGH,
            "x" * 200 + " <img src=x> @everyone",
            f"https://avd.test/{n}",
            "debian",
        )
        for n in range(10_000)
    )
    scans = (
        PlatformScan("linux/amd64", "r@sha256:a", vulns),
        PlatformScan("linux/arm64", "r@sha256:b", vulns),
    )
    return Outcome("sha256:" + "f" * 64, {}, (), scans, ("6667 CRITICAL in linux/amd64",))


@pytest.mark.parametrize("limit", [SUMMARY, COMMENT, CHECK_RUN])
def test_ten_thousand_findings_fit_every_limit(limit: Limit) -> None:
    text = render_summary(plan(), outcome(), limit)
    assert limit.measure(text) <= limit.size
    assert text.startswith("## Slipway")
    assert "| `linux/amd64` |" in text  # the per-platform counts are kept
    assert "**Gate failed**" in text  # and the verdict
    assert f"_… and 9980 more in {limit.where}._" in text  # the table shows the top 20
    assert "<img" not in text


def test_labels_that_do_not_fit_a_comment_lose_rows_and_then_are_left_out_and_named() -> None:
    sections = summary_sections(plan(labels=800), outcome())
    summary = fit(sections, SUMMARY)
    assert summary.dropped == ()  # 800 labels fit the summary whole
    assert summary.text.count("org.example.label-") == 800
    comment = compose_body(marker_for("app"), sections, [])
    assert len(comment) <= COMMENT.size
    assert 0 < comment.count("org.example.label-") < 800  # rows lost from the bottom
    assert f"more in {COMMENT.where}._\n\n</details>" in comment
    check = fit(sections, CHECK_RUN.less(64_800))  # a check run with little room left
    assert check.size <= 735
    assert "labels" in check.dropped
    assert check.text.endswith(
        f"_Left out to fit GitHub's 65,535-character check run output: {', '.join(check.dropped)}. "
        f"The whole report is in {CHECK_RUN.where}._\n"
    )
