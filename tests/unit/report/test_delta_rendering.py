"""The difference against a baseline as the report, SARIF and annotations show it."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from slipway.core.context import read_context
from slipway.core.plan import Plan, make_plan
from slipway.core.severity import Severity
from slipway.inputs import read_inputs
from slipway.report.annotations import NEW_TITLE, finding_title
from slipway.report.fit import COMMENT
from slipway.report.sarif import render_sarif
from slipway.report.summary import Outcome, render_summary
from slipway.scan.delta import Baseline, Delta, diff
from slipway.scan.findings import Misconfiguration, PlatformScan, Secret, Vulnerability

AMD, ARM = "linux/amd64", "linux/arm64"
REF = "ghcr.io/o/app:main"
HOSTILE = "evil<img src=x onerror=alert(1)>@everyone [x](javascript:alert(1)) **b** | `c`"


def plan() -> Plan:
    inputs = read_inputs({"INPUT_IMAGES": "ghcr.io/o/app", "INPUT_PUSH": "true"})
    context = read_context({"GITHUB_REF": "refs/heads/feature", "GITHUB_SHA": "a" * 40}, {})
    return make_plan(inputs, context, env={}, now=datetime(2026, 1, 1, tzinfo=UTC))


def v(
    vuln_id: str,
    severity: Severity = Severity.HIGH,
    *,
    package: str = "openssl",
    installed: str = "1.0",
    fixed: str = "9.9",
) -> Vulnerability:
    return Vulnerability(
        vuln_id,
        package,
        installed,
        fixed,
        severity,
        f"title {vuln_id}",
        f"https://avd.test/{vuln_id}",
        "debian",
    )


SECRET = Secret("aws-access-key-id", "AWS", Severity.CRITICAL, "AWS Access Key ID", "/app/.env", 2)
OLD_SECRET = Secret("github-pat", "GitHub", Severity.CRITICAL, "GitHub PAT", "/root/.git", 1)
MISCONFIG = Misconfiguration("DS-0002", Severity.HIGH, "root", "USER is root", "", "Dockerfile", 4)

CURRENT = (
    PlatformScan(
        AMD,
        "r@a",
        (
            v("CVE-OLD", Severity.CRITICAL, installed="1.2.4"),
            v("CVE-NEW", Severity.HIGH, package="curl"),
            v("CVE-KEPT", Severity.HIGH, package="zlib"),
        ),
        (SECRET, OLD_SECRET),
    ),
    PlatformScan(
        ARM,
        "r@b",
        (v("CVE-OLD", Severity.CRITICAL, installed="1.2.4"), v("CVE-ARM", Severity.CRITICAL)),
    ),
)
BASELINE = Baseline(
    REF,
    "sha256:base",
    (
        PlatformScan(
            AMD,
            "b@a",
            (
                v("CVE-OLD", Severity.CRITICAL, installed="1.2.3"),
                v("CVE-KEPT", Severity.HIGH, package="zlib"),
                v("CVE-GONE", Severity.HIGH, package="tar"),
            ),
            (OLD_SECRET,),
        ),
        PlatformScan(ARM, "b@b", (v("CVE-OLD", Severity.CRITICAL, installed="1.2.3"),)),
    ),
    source="attached report",
)
DELTA = diff(CURRENT, BASELINE)


def summary(delta: Delta | None, scans: tuple[PlatformScan, ...] = CURRENT) -> str:
    return render_summary(plan(), Outcome("sha256:1", {}, (), scans, (), delta=delta))


def outside_code(markdown: str) -> str:
    """The text outside code spans (where GitHub would resolve mentions and markup); an
    escaped backtick opens none."""
    return re.sub(r"(?<!\\)`[^`]*`", "", markdown)


def test_the_lead_line_says_what_the_change_adds_and_fixes() -> None:
    report = summary(DELTA)
    lead = (
        "**This change adds 3** (2 CRITICAL, 1 HIGH) **and fixes 1**, against `ghcr.io/o/app:main`."
    )
    assert f"### Vulnerabilities\n\n{lead}\n\n| Platform |" in report


def test_the_lead_line_when_nothing_is_added() -> None:
    same = (PlatformScan(AMD, "r@a", (v("CVE-KEPT", package="zlib"),)),)
    report = summary(diff(same, BASELINE), same)
    assert "**This change adds no finding** and fixes 3, against `ghcr.io/o/app:main`." in report
    nothing = diff(BASELINE.scans, BASELINE)
    assert "**This change adds no finding** and fixes none, against" in summary(
        nothing, BASELINE.scans
    )


def test_without_a_baseline_every_finding_counts_as_new() -> None:
    missing = diff(CURRENT, Baseline(REF, missing="the base branch has no image yet."))
    report = summary(missing)
    assert (
        "No baseline to compare with: the base branch has no image yet. "
        "Every finding counts as new." in report
    )
    # the tables are today's: nothing is unchanged, nothing to mark
    plain = summary(None)
    assert (
        report.replace(
            "No baseline to compare with: the base branch has no image yet. "
            "Every finding counts as new.\n\n",
            "",
        )
        == plain
    )
    assert "unchanged" not in report


def test_no_delta_is_todays_report() -> None:
    assert summary(None) == render_summary(plan(), Outcome("sha256:1", {}, (), CURRENT, ()))
    assert "This change" not in summary(None)


def test_new_findings_first_and_marked_unchanged_folded() -> None:
    report = summary(DELTA)
    table = report[report.index("| Change | Severity | ID |") :]
    new_rows = [line for line in table.splitlines() if line.startswith("| **new** |")]
    assert len(new_rows) == 3  # CVE-ARM, CVE-NEW; the new secret in its own table
    assert "CVE\\-ARM" in new_rows[0]  # worst first
    assert "CVE\\-NEW" in new_rows[1]
    assert "AWS Access Key ID" in new_rows[2]
    folded = re.search(
        r"<details><summary>2 unchanged vulnerabilities</summary>\n\n(.*?)\n\n</details>",
        report,
        re.DOTALL,
    )
    assert folded is not None
    assert "CVE\\-OLD" in folded.group(1)
    assert "CVE\\-KEPT" in folded.group(1)
    assert "**new**" not in folded.group(1)
    assert report.index("CVE\\-NEW") < report.index("<details><summary>2 unchanged")
    # each finding once: the new ones are not repeated in the fold, and the other way round
    assert report.count("CVE\\-OLD") == 1
    assert report.count("CVE\\-NEW") == 1
    secrets = re.search(
        r"<details><summary>1 unchanged secret</summary>\n\n(.*?)\n\n</details>",
        report,
        re.DOTALL,
    )
    assert secrets is not None
    assert "GitHub PAT" in secrets.group(1)
    assert "CVE\\-GONE" not in report  # fixed ones are counted in the lead line


def test_a_bump_shows_previous_then_now() -> None:
    report = summary(DELTA)
    row = next(line for line in report.splitlines() if "CVE\\-OLD" in line)
    assert "| `1.2.3` → `1.2.4` | `9.9` |" in row
    kept = next(line for line in report.splitlines() if "CVE\\-KEPT" in line)
    assert "→" not in kept


def test_no_new_finding_says_so_and_folds_the_rest() -> None:
    report = summary(diff(BASELINE.scans, BASELINE), BASELINE.scans)
    assert "No new findings at the reported severities." in report
    assert "<details><summary>3 unchanged vulnerabilities</summary>" in report


def test_the_report_still_fits() -> None:
    many = (PlatformScan(AMD, "r@a", tuple(v(f"CVE-{n}", package=f"p{n}") for n in range(400))),)
    baseline = Baseline(REF, "sha256:b", (PlatformScan(AMD, "b@a", many[0].vulnerabilities[:300]),))
    outcome = Outcome("sha256:1", {}, (), many, (), delta=diff(many, baseline))
    text = render_summary(plan(), outcome, replace(COMMENT, size=6000))
    assert len(text) <= 6000
    assert "**This change adds 100** (100 HIGH) **and fixes none**" in text
    assert "Gate passed" in text


def test_hostile_text_stays_inert() -> None:
    hostile_now = v("CVE-H", Severity.CRITICAL, package=HOSTILE, installed="1@everyone")
    hostile_old = v("CVE-HO", Severity.CRITICAL, package=HOSTILE, installed="<b>2</b>")
    secret = replace(SECRET, title=HOSTILE, path="/x/@everyone")
    scans = (
        PlatformScan(AMD, "r@a", (hostile_now, replace(hostile_old, installed="3")), (secret,)),
    )
    baseline = Baseline(
        "ghcr.io/o/app:@everyone<img>", "sha256:b", (PlatformScan(AMD, "b@a", (hostile_old,)),)
    )
    for delta in (diff(scans, baseline), diff(scans, Baseline(REF, missing=HOSTILE))):
        report = summary(delta, scans)
        prose = outside_code(report)
        assert "<img" not in prose
        assert "<b>" not in prose
        assert "](javascript" not in prose
        assert "@everyone" not in prose
        assert "**b**" not in prose
        # the package is in code spans, the title and the reason escaped
        assert "`evil<img src=x onerror=alert(1)>@everyone [x](javascript:alert(1)) **b**" in report
        assert "&lt;img" in prose
        assert not any(line.startswith("::") for line in report.splitlines())


def sarif_results(
    delta: Delta | None, misconfigurations: tuple[Misconfiguration, ...] = ()
) -> list[dict[str, object]]:
    rendered = render_sarif(
        CURRENT,
        misconfigurations,
        (Severity.HIGH, Severity.CRITICAL),
        "Dockerfile",
        Severity.CRITICAL,
        delta=delta,
    )
    results: list[dict[str, object]] = rendered["runs"][0]["results"]
    return results


def test_sarif_baseline_state() -> None:
    states = {
        str(r["message"]["text"]).split(" ")[0]: r.get("baselineState")  # type: ignore[index]
        for r in sarif_results(DELTA, (MISCONFIG,))
    }
    assert states == {
        "CVE-OLD": "unchanged",  # bumped, same advisory
        "CVE-ARM": "new",
        "CVE-NEW": "new",
        "CVE-KEPT": "unchanged",
        "AWS": "new",
        "GitHub": "unchanged",
        "root:": None,  # a Dockerfile check is not compared
    }


@pytest.mark.parametrize("delta", [None, diff(CURRENT, Baseline(REF, missing="none yet"))])
def test_sarif_without_a_comparison_is_todays(delta: Delta | None) -> None:
    today = render_sarif(
        CURRENT, (), (Severity.HIGH, Severity.CRITICAL), "Dockerfile", Severity.CRITICAL
    )
    assert sarif_results(delta) == today["runs"][0]["results"]
    assert all("baselineState" not in r for r in sarif_results(delta))


def test_a_new_annotation_says_so() -> None:
    title = "CVE-NEW in curl"
    assert finding_title(title, AMD, CURRENT[0].vulnerabilities[1], DELTA) == NEW_TITLE + title
    assert finding_title(title, AMD, CURRENT[0].vulnerabilities[0], DELTA) == title
    assert finding_title("Secret: aws", AMD, SECRET, DELTA) == "New: Secret: aws"
    assert finding_title("Secret: gh", AMD, OLD_SECRET, DELTA) == "Secret: gh"
    assert finding_title(title, AMD, CURRENT[0].vulnerabilities[1]) == title
    missing = diff(CURRENT, Baseline(REF, missing="none yet"))
    assert finding_title(title, AMD, CURRENT[0].vulnerabilities[1], missing) == title
