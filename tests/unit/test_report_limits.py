"""10,000 findings: the summary stays under 1 MiB and the comment under 65,536 characters,
and both still start with the verdict and the counts."""

from __future__ import annotations

from datetime import UTC, datetime

from slipway.context import read_context
from slipway.inputs import read_inputs
from slipway.plan import make_plan
from slipway.report.fit import SUMMARY_LIMIT_BYTES
from slipway.report.summary import Outcome, render_summary
from slipway.scan.findings import PlatformScan, Vulnerability
from slipway.severity import Severity
from slipway.stages.report import COMMENT_LIMIT, SUMMARY_CUT, fit_comment, fit_summary


def test_ten_thousand_findings_fit_both_limits() -> None:
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
    inputs = read_inputs({"INPUT_IMAGES": "127.0.0.1:5000/app", "INPUT_PUSH": "true"})
    context = read_context({"GITHUB_REF": "refs/heads/main", "GITHUB_SHA": "a" * 40}, {})
    plan = make_plan(inputs, context, env={}, now=datetime(2026, 1, 1, tzinfo=UTC))
    summary = render_summary(
        plan, Outcome("sha256:" + "f" * 64, {}, (), scans, ("6667 CRITICAL in linux/amd64",))
    )
    assert len(summary.encode()) < SUMMARY_LIMIT_BYTES
    comment = fit_comment(summary)
    assert len(comment) <= COMMENT_LIMIT
    for text in (summary, comment):
        assert text.startswith("## Slipway")
        assert "| `linux/amd64` |" in text  # the per-platform counts are at the top
    assert "more findings in the report file and SARIF" in summary
    assert "<img" not in summary


def test_a_summary_over_a_mebibyte_is_cut_with_a_note_not_refused() -> None:
    huge = "## Slipway\n" + "| `label` | `" + "é" * 600_000 + "` |\n" * 3
    fitted = fit_summary(huge)
    assert len(fitted.encode()) <= SUMMARY_LIMIT_BYTES
    assert SUMMARY_CUT.strip() in fitted
    assert fit_summary("## small\n") == "## small\n"
    assert fit_comment("## small\n") == "## small\n"  # no "shortened" note on what fits
