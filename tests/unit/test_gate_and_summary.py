"""The gate's verdict and the summary's content, with hostile finding text."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from slipway.core.context import read_context
from slipway.core.gate import gate_failures
from slipway.core.plan import Plan, make_plan
from slipway.core.severity import Severity
from slipway.inputs import read_inputs
from slipway.report.summary import Outcome, render_summary
from slipway.scan.findings import PlatformScan, Vulnerability
from slipway.scan.options import ScanOptions


def vuln(
    vuln_id: str, severity: Severity, fixed: str = "1.1", package: str = "openssl"
) -> Vulnerability:
    return Vulnerability(
        vuln_id, package, "1.0", fixed, severity, "title", f"https://avd.test/{vuln_id}", "debian"
    )


SCANS = (
    PlatformScan(
        "linux/amd64",
        "r@sha256:a",
        (
            vuln("CVE-1", Severity.CRITICAL),
            vuln("CVE-2", Severity.HIGH),
            vuln("CVE-3", Severity.LOW),
        ),
    ),
    PlatformScan(
        "linux/arm64",
        "r@sha256:b",
        (vuln("CVE-1", Severity.CRITICAL), vuln("CVE-4", Severity.CRITICAL, fixed="")),
    ),
)


def test_gate_reasons_per_platform() -> None:
    assert gate_failures(
        ScanOptions(severity=(Severity.HIGH,), fail_on=Severity.CRITICAL), SCANS
    ) == (
        "1 CRITICAL vulnerability with a fix in linux/amd64 (fail-on: CRITICAL)",
        "2 CRITICAL vulnerabilities (1 with fixes) in linux/arm64 (fail-on: CRITICAL)",
    )
    assert gate_failures(
        ScanOptions(severity=(Severity.HIGH,), fail_on=Severity.HIGH), SCANS[:1]
    ) == (
        (
            "1 CRITICAL vulnerability with a fix, 1 HIGH vulnerability with a fix in linux/amd64"
            " (fail-on: HIGH)"
        ),
    )
    assert gate_failures(ScanOptions(severity=(Severity.HIGH,), fail_on="none"), SCANS) == ()


def plan(push: bool = True) -> Plan:
    inputs = read_inputs({"INPUT_IMAGES": "127.0.0.1:5000/app", "INPUT_PUSH": str(push).lower()})
    context = read_context({"GITHUB_REF": "refs/heads/main", "GITHUB_SHA": "a" * 40}, {})
    return make_plan(inputs, context, env={}, now=datetime(2026, 1, 1, tzinfo=UTC))


def test_summary_merges_findings_across_platforms() -> None:
    outcome = Outcome(
        "sha256:" + "f" * 64, {"linux/amd64": "sha256:a", "linux/arm64": "sha256:b"}, (), SCANS, ()
    )
    summary = render_summary(plan(), outcome)
    assert summary.count("CVE\\-1") == 1  # one row, both platforms
    assert "CVE\\-3" not in summary  # LOW is not reported
    assert "| `linux/amd64` | `sha256:a` | 1 | 1 |" in summary
    assert "_no fix_" in summary


def test_summary_when_gate_failed_shows_no_tags() -> None:
    outcome = Outcome(
        "sha256:" + "f" * 64, {}, (), SCANS, ("1 CRITICAL in linux/amd64 (fail-on: CRITICAL)",)
    )
    summary = render_summary(plan(), outcome)
    assert "Tags (not applied)" in summary
    assert "~~`127.0.0.1:5000/app:main`~~" in summary
    assert "Gate failed" in summary


def test_hostile_findings_are_inert() -> None:
    hostile = Vulnerability(
        "CVE-9<img src=x onerror=alert(1)>",
        "x%0A::error::pwned",
        "1\n@everyone",
        "",
        Severity.CRITICAL,
        "[x](javascript:alert(1))",
        "javascript:alert(1)",
        "t",
    )
    outcome = Outcome("sha256:1", {}, (), (PlatformScan("linux/amd64", "r", (hostile,)),), ())
    summary = render_summary(plan(), outcome)
    assert "<img" not in summary
    assert "](javascript" not in summary
    # GitHub does not resolve mentions inside code spans; outside them none may remain.
    outside_code = "".join(summary.split("`")[::2])
    assert "@everyone" not in outside_code
    assert not any(line.startswith("::") for line in summary.splitlines())


def test_build_time_and_cache_use() -> None:
    from slipway.report.summary import BuildStats
    from slipway.tools.buildx import count_steps

    log = "#5 [build 1/3] FROM x\n#5 CACHED\n#6 [build 2/3] RUN a\n#6 DONE 1.0s\n#7 [stage-1 3/3] COPY b\n#7 CACHED\n"
    assert count_steps(log) == (3, 2)
    outcome = Outcome("sha256:1", {}, (), (), (), build_stats=BuildStats(12.34, 3, 2))
    assert "**Build:** 12.3 s, 2 of 3 steps from the cache" in render_summary(plan(), outcome)


def test_provenance_max_with_build_args_says_they_are_recorded() -> None:
    inputs = read_inputs(
        {"INPUT_IMAGES": "ghcr.io/o/app", "INPUT_PROVENANCE": "mode=max", "INPUT_BUILD-ARGS": "A=1"}
    )
    context = read_context({"GITHUB_REF": "refs/heads/main", "GITHUB_SHA": "a" * 40}, {})
    with_args = make_plan(inputs, context, env={}, now=datetime(2026, 1, 1, tzinfo=UTC))
    outcome = Outcome("sha256:x", {}, (), (), ())
    assert "records every build arg" in render_summary(with_args, outcome)
    assert "records every build arg" not in render_summary(plan(), outcome)


@pytest.mark.parametrize(
    ("storage", "said", "not_said"),
    [
        ("index", "`unknown/unknown` entries", "oras discover"),
        ("referrers", "oras discover IMAGE@PLATFORM-DIGEST", "unknown/unknown"),
    ],
)
def test_the_provenance_note_says_where_the_provenance_is(
    storage: str, said: str, not_said: str
) -> None:
    inputs = read_inputs(
        {
            "INPUT_IMAGES": "ghcr.io/o/app",
            "INPUT_PROVENANCE": "mode=min",
            "INPUT_ATTESTATION-STORAGE": storage,
        }
    )
    context = read_context({"GITHUB_REF": "refs/heads/main", "GITHUB_SHA": "a" * 40}, {})
    summary = render_summary(
        make_plan(inputs, context, env={}, now=datetime(2026, 1, 1, tzinfo=UTC)),
        Outcome("sha256:x", {}, (), (), ()),
    )
    assert said in summary
    assert not_said not in summary
