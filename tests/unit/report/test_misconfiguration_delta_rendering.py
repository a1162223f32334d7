"""New trivy config misconfigurations (`policy: none`) as the summary, SARIF and annotations
show them: marked as new vulnerabilities and policy findings are, when the baseline's
misconfigurations are known."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from slipway.core.context import read_context
from slipway.core.plan import Plan, make_plan
from slipway.core.severity import Level, Severity
from slipway.inputs import read_inputs
from slipway.policy.model import PolicyFindings
from slipway.report.annotations import NEW_TITLE, finding_title
from slipway.report.sarif import render_sarif
from slipway.report.summary import Outcome, render_summary
from slipway.scan.delta import Baseline, Delta, diff
from slipway.scan.findings import Misconfiguration, PlatformScan, Vulnerability
from slipway.stages.report import finding_annotations

AMD = "linux/amd64"
REF = "ghcr.io/o/app:main"
VULN = Vulnerability("CVE-1", "openssl", "1.0", "1.1", Severity.HIGH, "t", "u", "debian")
SCANS = (PlatformScan(AMD, "r@a", (VULN,)),)


def m(check: str, key: str, severity: Severity, line: int | None) -> Misconfiguration:
    return Misconfiguration(
        check,
        severity,
        f"title {check}",
        "msg",
        "https://avd",
        "Dockerfile",
        line,
        line,
        identity=key,
    )


ROOT = m("DS-0002", "root", Severity.HIGH, 1)  # the baseline has it
PORT = m("DS-0004", "port", Severity.HIGH, 5)  # new
HEALTH = m("DS-0026", "health", Severity.MEDIUM, None)  # new, about the whole file
GONE = m("DS-0029", "apt", Severity.MEDIUM, 3)  # fixed
CURRENT = (ROOT, PORT, HEALTH)


def plan(**inputs: str) -> Plan:
    env = {
        "INPUT_IMAGES": "ghcr.io/o/app",
        "INPUT_PUSH": "true",
        "INPUT_FAIL-ON": "HIGH",
        "INPUT_POLICY": "none",
        "INPUT_SEVERITY": "MEDIUM,HIGH,CRITICAL",
    }
    env |= {f"INPUT_{k.upper().replace('_', '-')}": v for k, v in inputs.items()}
    context = read_context({"GITHUB_REF": "refs/heads/feature", "GITHUB_SHA": "a" * 40}, {})
    return make_plan(read_inputs(env), context, env={}, now=datetime(2026, 1, 1, tzinfo=UTC))


def delta(found: tuple[Misconfiguration, ...] | None, source: str = "attached report") -> Delta:
    base = Baseline(REF, "sha256:b", SCANS, source=source, misconfigurations=found)
    return diff(SCANS, base).with_misconfigurations(CURRENT)


KNOWN = delta((ROOT, GONE))
OLD_REPORT = delta(None)
SCANNED = delta(None, source="scanned")


def summary(found: Delta | None, current: tuple[Misconfiguration, ...] = CURRENT) -> str:
    return render_summary(
        plan(),
        Outcome(
            "sha256:1",
            {},
            (),
            SCANS,
            (),
            checks=PolicyFindings(),
            delta=found,
            misconfigurations=current,
        ),
    )


def test_the_lead_line_says_the_checks_the_change_adds_and_fixes() -> None:
    lead = (
        "**This change adds no finding** and fixes none, against `ghcr.io/o/app:main`. "
        "Of the Dockerfile checks, **it adds 2** (1 HIGH, 1 MEDIUM) and fixes 1."
    )
    assert lead in summary(KNOWN)


def test_nothing_added_of_the_checks() -> None:
    same = diff(SCANS, Baseline(REF, "sha256:b", SCANS, misconfigurations=CURRENT))
    assert "Of the Dockerfile checks, it adds none and fixes none." in summary(
        same.with_misconfigurations(CURRENT)
    )


@pytest.mark.parametrize(
    ("found", "why"),
    [
        (OLD_REPORT, "its attached report does not carry them"),
        (SCANNED, "it was scanned now, and a scan of an image does not see its Dockerfile"),
    ],
)
def test_unknown_baseline_checks_are_said_plainly(found: Delta, why: str) -> None:
    report = summary(found)
    assert "Dockerfile checks: the baseline's findings are unknown (" + why in report
    assert "so every one counts as new." in report
    assert "| Change |" not in report  # nothing to mark


def test_not_compared_says_nothing_of_the_checks() -> None:
    before = diff(SCANS, Baseline(REF, "sha256:b", SCANS, misconfigurations=(ROOT,)))
    assert "Dockerfile checks" not in summary(before)


def test_unknown_baseline_checks_and_nothing_found_now_says_nothing() -> None:
    clean = diff(SCANS, Baseline(REF, "sha256:b", SCANS, source="scanned"))
    assert "Dockerfile checks" not in summary(clean.with_misconfigurations(()), ())


def test_the_checks_table_lists_new_ones_first_marked() -> None:
    report = summary(KNOWN)
    head = "| Change | Severity | Dockerfile check | Line |"
    assert head in report
    rows = [line for line in report.split(head)[1].splitlines() if line.startswith("|")]
    assert rows[0] == "|---|---|---|---|"
    assert [row.split("|")[1].strip() for row in rows[1:4]] == ["**new**", "**new**", ""]
    assert [r"DS\-0004" in rows[1], r"DS\-0026" in rows[2], r"DS\-0002" in rows[3]] == [True] * 3


def test_without_a_delta_the_checks_table_is_todays() -> None:
    report = summary(None)
    assert "| Severity | Dockerfile check | Line |" in report
    assert "**new**" not in report


def sarif(found: Delta | None) -> list[dict[str, Any]]:
    rendered = render_sarif(
        SCANS, CURRENT, (Severity.MEDIUM, Severity.HIGH), "Dockerfile", Severity.HIGH, delta=found
    )
    results: list[dict[str, Any]] = rendered["runs"][0]["results"]
    return results


def test_sarif_marks_new_misconfigurations() -> None:
    states = {r["ruleId"]: r.get("baselineState") for r in sarif(KNOWN)}
    assert states == {
        "CVE-1": "unchanged",
        "DS-0002": "unchanged",
        "DS-0004": "new",
        "DS-0026": "new",
    }


@pytest.mark.parametrize("found", [None, OLD_REPORT], ids=["no delta", "unknown"])
def test_sarif_says_nothing_of_misconfigurations_not_compared(found: Delta | None) -> None:
    assert all("baselineState" not in r for r in sarif(found) if r["ruleId"].startswith("DS"))


def test_an_annotation_of_a_new_misconfiguration_says_so() -> None:
    assert finding_title("DS-0004 t", "", PORT, KNOWN) == NEW_TITLE + "DS-0004 t"
    assert finding_title("DS-0002 t", "", ROOT, KNOWN) == "DS-0002 t"
    assert finding_title("DS-0004 t", "", PORT, OLD_REPORT) == "DS-0004 t"
    assert finding_title("DS-0004 t", "", PORT, None) == "DS-0004 t"


def marks(found: Delta | None, **inputs: str) -> dict[str, tuple[Level, str, int | None]]:
    return {
        a.key.split(" ")[0]: (a.level, a.title, a.line)
        for a in finding_annotations(
            plan(**inputs), [], PolicyFindings(), found, misconfigurations=CURRENT
        )
    }


def test_new_only_an_unchanged_misconfiguration_is_a_warning() -> None:
    found = marks(KNOWN, fail_on_scope="new")
    assert found["DS-0004"] == (Level.ERROR, "New: DS-0004 title DS-0004", 5)
    assert found["DS-0002"] == (Level.WARNING, "DS-0002 title DS-0002", 1)
    assert found["DS-0026"] == (Level.WARNING, "New: DS-0026 title DS-0026", None)


def test_the_default_scope_keeps_the_levels_and_marks_the_new_ones() -> None:
    found = marks(KNOWN)
    assert found["DS-0002"] == (Level.ERROR, "DS-0002 title DS-0002", 1)
    assert found["DS-0004"] == (Level.ERROR, "New: DS-0004 title DS-0004", 5)


def test_new_only_with_unknown_baseline_checks_every_one_is_an_error() -> None:
    found = marks(OLD_REPORT, fail_on_scope="new")
    assert found["DS-0002"] == (Level.ERROR, "DS-0002 title DS-0002", 1)
    assert found["DS-0004"] == (Level.ERROR, "DS-0004 title DS-0004", 5)


def test_misconfigurations_below_the_reported_severities_are_not_annotated() -> None:
    assert "DS-0026" not in marks(KNOWN, severity="HIGH,CRITICAL")
