"""The policy and size sections of the summary: inert untrusted text, trusted fixes as Markdown."""

from __future__ import annotations

from slipway.image_checks import ImageChecks
from slipway.policy.model import Finding, PolicyResult
from slipway.report.checks_section import render_checks


def test_policy_rows_escape_details_but_keep_the_fix_markdown() -> None:
    finding = Finding(
        "SW008", "Port not allowed", "MEDIUM", "Dockerfile", 7, "Remove the `EXPOSE` line.", "own",
        detail="22 <img src=x onerror=alert(1)> @everyone",
    )  # fmt: skip
    lines = "\n".join(render_checks(ImageChecks(policy=PolicyResult((finding,)))))
    assert "| MEDIUM | `SW008` | 7 |" in lines
    assert "Remove the `EXPOSE` line." in lines
    assert "<img" not in lines
    assert "@everyone" not in lines


def test_nothing_checked_renders_nothing() -> None:
    assert render_checks(ImageChecks()) == []
