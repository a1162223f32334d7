"""The policy and size sections of the summary: inert untrusted text, trusted fixes as Markdown."""

from __future__ import annotations

from slipway.core.severity import Severity
from slipway.policy.model import Finding, PolicyFindings, PolicyResult, Suppressed
from slipway.report.fit import SUMMARY, Limit, fit, measure_chars
from slipway.report.policy_section import LAYERS_LEFT_OUT, MAX_ROWS, policy_sections


def test_policy_rows_escape_details_but_keep_the_fix_markdown() -> None:
    finding = Finding(
        "SW008",
        "Port not allowed",
        Severity.MEDIUM,
        "Dockerfile",
        7,
        "Remove the `EXPOSE` line.",
        "own",
        detail="22 <img src=x onerror=alert(1)> @everyone",
    )
    lines = render(PolicyFindings(policy=PolicyResult((finding,))))
    assert "| MEDIUM | `SW008` | 7 |" in lines
    assert "Remove the `EXPOSE` line." in lines
    assert "<img" not in lines
    assert "@everyone" not in lines


def test_nothing_checked_renders_nothing() -> None:
    assert policy_sections(PolicyFindings()) == []


def test_more_findings_than_rows_say_how_many_more_and_where() -> None:
    findings = tuple(
        Finding("SW011", "apt lists left", Severity.LOW, "Dockerfile", n, "Clean.", "own")
        for n in range(1, MAX_ROWS + 6)
    )
    silenced = (Suppressed(findings[0], "why", 1),)
    lines = render(PolicyFindings(policy=PolicyResult(findings, silenced)))
    assert lines.count("| LOW | `SW011` |") == MAX_ROWS
    assert "_… and 5 more in the report file and SARIF._" in lines
    assert "1 finding(s) suppressed inline" in lines
    empty = render(PolicyFindings(policy=PolicyResult((), silenced)))
    assert "No findings.\n\n1 finding(s) suppressed inline" in empty


def test_size_section_has_the_layer_table_and_largest_files() -> None:
    from slipway.size.model import FileEntry, Layer, LayerContents, PlatformSize
    from slipway.size.report import SizeReport

    big = Layer(
        "sha256:b",
        "application/vnd.oci.image.layer.v1.tar+gzip",
        40_000_000,
        "RUN pip install -r requirements.txt # buildkit",
        line=14,
        stage="final",
        contents=LayerContents(90_000_000, (FileEntry("usr/lib/<b>big</b>.so", 30_000_000),)),
    )
    base = Layer(
        "sha256:a",
        "application/vnd.oci.image.layer.v1.tar+gzip",
        20_000_000,
        "ADD rootfs.tar /",
        stage="base image",
        contents=LayerContents(60_000_000),
    )
    size = PlatformSize("linux/amd64", "sha256:m", (base, big))
    checks = PolicyFindings(size=SizeReport({"linux/amd64": size}))
    lines = render(checks)
    assert "| `linux/amd64` | 60.0 MB | 150.0 MB | _no baseline_ |" in lines
    layer_rows = [
        line for line in lines.splitlines() if line.startswith(("| 40.0 MB", "| 20.0 MB"))
    ]
    assert layer_rows[0].startswith("| 40.0 MB | 14 | final | `RUN pip install")  # biggest first
    assert "`usr/lib/<b>big</b>.so` 30.0 MB" in lines  # inside a code span: inert
    assert LAYERS_LEFT_OUT not in lines
    # short of room, the layer tables go first; the sizes stay
    compact = fit(policy_sections(checks), Limit("a small limit", 400, measure_chars)).text
    assert "| `linux/amd64` | 60.0 MB | 150.0 MB | _no baseline_ |" in compact
    assert "| 40.0 MB" not in compact
    assert LAYERS_LEFT_OUT in compact


def render(checks: PolicyFindings) -> str:
    return fit(policy_sections(checks), SUMMARY).text
