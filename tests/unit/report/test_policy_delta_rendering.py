"""New Dockerfile and image-policy findings as the summary, SARIF and annotations show them:
marked as new vulnerabilities are, when the baseline's policy findings are known."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from slipway.core.context import read_context
from slipway.core.plan import Plan, make_plan
from slipway.core.severity import Level, Severity
from slipway.inputs import read_inputs
from slipway.policy.model import Finding, PolicyFindings, PolicyResult
from slipway.report.annotations import NEW_TITLE, finding_title
from slipway.report.sarif import add_results, policy_sarif_findings, render_sarif
from slipway.report.summary import Outcome, render_summary
from slipway.scan.delta import Baseline, Delta, diff
from slipway.scan.findings import PlatformScan, Vulnerability
from slipway.stages.report import finding_annotations

AMD = "linux/amd64"
REF = "ghcr.io/o/app:main"
VULN = Vulnerability("CVE-1", "openssl", "1.0", "1.1", Severity.HIGH, "t", "u", "debian")
SCANS = (PlatformScan(AMD, "r@a", (VULN,)),)


def p(rule: str, key: str, severity: Severity, line: int) -> Finding:
    return Finding(
        rule, f"title {rule}", severity, "Dockerfile", line, "fix it", "slipway", identity=key
    )


ROOT = p("SW001", "root", Severity.HIGH, 1)  # the baseline has it
SUDO = p("SW009", "sudo", Severity.HIGH, 5)  # new
CURL = p("SW015", "curl", Severity.MEDIUM, 7)  # new
GONE = p("SW010", "gcc", Severity.MEDIUM, 3)  # fixed
CURRENT = (ROOT, SUDO, CURL)
CHECKS = PolicyFindings(PolicyResult(CURRENT))


def plan(**inputs: str) -> Plan:
    env = {"INPUT_IMAGES": "ghcr.io/o/app", "INPUT_PUSH": "true", "INPUT_FAIL-ON": "HIGH"}
    env |= {f"INPUT_{k.upper().replace('_', '-')}": v for k, v in inputs.items()}
    context = read_context({"GITHUB_REF": "refs/heads/feature", "GITHUB_SHA": "a" * 40}, {})
    return make_plan(read_inputs(env), context, env={}, now=datetime(2026, 1, 1, tzinfo=UTC))


def delta(policy: tuple[Finding, ...] | None, source: str = "attached report") -> Delta:
    base = Baseline(REF, "sha256:b", SCANS, source=source, policy=policy)
    return diff(SCANS, base).with_policy(CURRENT)


KNOWN = delta((ROOT, GONE))
OLD_REPORT = delta(None)
SCANNED = delta(None, source="scanned")


def summary(found: Delta | None) -> str:
    return render_summary(
        plan(), Outcome("sha256:1", {}, (), SCANS, (), checks=CHECKS, delta=found)
    )


def test_the_lead_line_says_the_practices_the_change_adds_and_fixes() -> None:
    lead = (
        "**This change adds no finding** and fixes none, against `ghcr.io/o/app:main`. "
        "Of the Dockerfile practices, **it adds 2** (1 HIGH, 1 MEDIUM) and fixes 1."
    )
    assert lead in summary(KNOWN)


def test_nothing_added_of_the_practices() -> None:
    same = diff(SCANS, Baseline(REF, "sha256:b", SCANS, policy=CURRENT)).with_policy(CURRENT)
    assert "Of the Dockerfile practices, it adds none and fixes none." in summary(same)


@pytest.mark.parametrize(
    ("found", "why"),
    [
        (OLD_REPORT, "its attached report was written before reports carried them"),
        (SCANNED, "it was scanned now, and a scan of an image does not see its Dockerfile"),
    ],
)
def test_unknown_baseline_practices_are_said_plainly(found: Delta, why: str) -> None:
    report = summary(found)
    assert (
        f"Dockerfile practices: the baseline's findings are unknown ({why}), "
        "so every one counts as new." in report
    )
    assert "| Change |" not in report.split("### Dockerfile practices")[1]  # nothing to mark


def test_not_compared_says_nothing_of_the_practices() -> None:
    before = diff(SCANS, Baseline(REF, "sha256:b", SCANS, policy=(ROOT,)))  # policy step not run
    assert "Dockerfile practices, " not in summary(before)
    assert "the baseline's findings are unknown" not in summary(before)


def test_the_practices_table_lists_new_ones_first_marked() -> None:
    table = summary(KNOWN).split("### Dockerfile practices (image security)\n")[1]
    rows = [line for line in table.splitlines() if line.startswith("|")]
    assert rows[0] == "| Change | Severity | Rule | Line | Finding | Fix |"
    assert rows[1] == "|---|---|---|---|---|---|"
    assert [row.split("|")[1].strip() for row in rows[2:5]] == ["**new**", "**new**", ""]
    assert ["`SW009`" in rows[2], "`SW015`" in rows[3], "`SW001`" in rows[4]] == [True] * 3


def test_without_a_delta_the_practices_table_is_todays() -> None:
    table = summary(None).split("### Dockerfile practices (image security)\n")[1]
    assert "| Severity | Rule | Line | Finding | Fix |" in table
    assert "**new**" not in table


def sarif(found: Delta | None) -> list[dict[str, Any]]:
    rendered = render_sarif(
        SCANS, (), (Severity.MEDIUM, Severity.HIGH), "Dockerfile", Severity.HIGH, delta=found
    )
    results: list[dict[str, Any]] = add_results(
        rendered, policy_sarif_findings(CHECKS, found), Severity.HIGH
    )["runs"][0]["results"]
    return results


def test_sarif_marks_new_policy_findings() -> None:
    states = {r["ruleId"]: r.get("baselineState") for r in sarif(KNOWN)}
    assert states == {"CVE-1": "unchanged", "SW001": "unchanged", "SW009": "new", "SW015": "new"}


@pytest.mark.parametrize("found", [None, OLD_REPORT], ids=["no delta", "unknown"])
def test_sarif_says_nothing_of_policy_findings_not_compared(found: Delta | None) -> None:
    assert all("baselineState" not in r for r in sarif(found) if r["ruleId"].startswith("SW"))
    assert [len(row) for row in policy_sarif_findings(CHECKS, found)] == [8, 8, 8]
    assert {row[-1] for row in policy_sarif_findings(CHECKS, found)} == {""}


def test_an_annotation_of_a_new_policy_finding_says_so() -> None:
    assert finding_title("SW009 title", "", SUDO, KNOWN) == NEW_TITLE + "SW009 title"
    assert finding_title("SW001 title", "", ROOT, KNOWN) == "SW001 title"
    assert finding_title("SW009 title", "", SUDO, OLD_REPORT) == "SW009 title"
    assert finding_title("SW009 title", "", SUDO, None) == "SW009 title"


def marks(found: Delta | None, **inputs: str) -> dict[str, tuple[Level, str]]:
    return {
        m.key.split(" ")[0]: (m.level, m.title)
        for m in finding_annotations(plan(**inputs), [], CHECKS, found)
    }


def test_new_only_an_unchanged_policy_finding_is_a_warning() -> None:
    found = marks(KNOWN, fail_on_scope="new")
    assert found["SW009"] == (Level.ERROR, "New: SW009 title SW009")
    assert found["SW001"] == (Level.WARNING, "SW001 title SW001")
    assert found["SW015"] == (Level.WARNING, "New: SW015 title SW015")  # MEDIUM < fail-on


def test_the_default_scope_keeps_the_levels_and_marks_the_new_ones() -> None:
    found = marks(KNOWN)
    assert found["SW001"] == (Level.ERROR, "SW001 title SW001")
    assert found["SW009"] == (Level.ERROR, "New: SW009 title SW009")


def test_new_only_with_unknown_baseline_practices_every_one_is_an_error() -> None:
    found = marks(OLD_REPORT, fail_on_scope="new")
    assert found["SW001"] == (Level.ERROR, "SW001 title SW001")
    assert found["SW009"] == (Level.ERROR, "SW009 title SW009")


def test_unknown_baseline_practices_and_nothing_found_now_says_nothing() -> None:
    base = Baseline(REF, "sha256:b", SCANS, source="scanned")
    clean = diff(SCANS, base).with_policy(())
    report = render_summary(
        plan(),
        Outcome(
            "sha256:1", {}, (), SCANS, (), checks=PolicyFindings(PolicyResult(())), delta=clean
        ),
    )
    assert "Dockerfile practices: " not in report
    assert "Of the Dockerfile practices" not in report
