"""The report of one run (Markdown): image, tags, digests, platforms, scan counts, findings,
the policy, the sizes, the labels. One list of sections, most important first, that
`slipway.report.fit` fits to each of GitHub's limits: the job summary, the sticky comment and
the check run all show it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from slipway.core.plan import Plan
from slipway.core.severity import SCAN, Severity
from slipway.policy.model import PolicyFindings
from slipway.report.fit import SUMMARY, Block, Limit, Rows, Section, fit
from slipway.report.markdown import code, link, text
from slipway.report.policy_section import policy_sections
from slipway.scan.findings import Misconfiguration, PlatformScan

TOP_FINDINGS = 20  # rows of each findings table: the report file and SARIF have them all
PROVENANCE_NOTE = (
    "<sub>The index also lists one provenance attestation per platform "
    "(`unknown/unknown` entries): build records, not images; they are not scanned.</sub>"
)
BUILD_ARGS_NOTE = (
    "<sub>Provenance `mode=max` records every build arg in the attestation: "
    "pass credentials with `secrets:`, never `build-args:`.</sub>"
)
TAGGED_EARLY = (
    "\nTagged before the scan (`tag-on-gate-failure: true`): these tags name an image that "
    "failed the gate."
)
NOT_TAGGED = (
    "\nNo tag was created or moved: the image failed the security gate. Inspect it by digest."
)


@dataclass(frozen=True)
class BuildStats:
    """How long the build took and how much of it came from the cache."""

    seconds: float
    steps: int
    cached: int


@dataclass(frozen=True)
class Outcome:
    """What the run did, for the renderers."""

    digest: str
    platform_digests: dict[str, str]
    tagged: tuple[str, ...]
    scans: tuple[PlatformScan, ...]
    gate_failures: tuple[str, ...]  # why the gate failed; empty when it passed or did not run
    by_digest_only: bool = False  # one part of a split build: tags come with the merge
    checks: PolicyFindings = field(default_factory=PolicyFindings)  # Dockerfile policy, image size
    build_stats: BuildStats | None = None
    misconfigurations: tuple[Misconfiguration, ...] = ()  # the Dockerfile's (`policy: none`)


def severity_counts(scan: PlatformScan) -> Counter[Severity]:
    """Findings per severity for one platform."""
    return Counter(v.severity for v in scan.vulnerabilities)


def render_summary(plan: Plan, outcome: Outcome, limit: Limit = SUMMARY) -> str:
    """The report, fitted to ``limit`` (by default the job summary's)."""
    return fit(summary_sections(plan, outcome), limit).text


def summary_sections(plan: Plan, outcome: Outcome) -> list[Section]:
    """The report as sections, most important first (the header, the tags, the counts and the
    verdict are required)."""
    sections: list[Section] = [Block("header", (_header(plan, outcome),), required=True)]
    if plan.provenance and plan.provenance != "false":
        sections.append(Block("provenance note", (PROVENANCE_NOTE,)))
    if "mode=max" in plan.provenance and plan.build.build_args:
        sections.append(Block("build-args note", (BUILD_ARGS_NOTE,)))
    sections.append(_tags(plan, outcome))
    sections += _scan(plan, outcome)
    sections += policy_sections(outcome.checks)
    sections.append(_labels(plan))
    return sections


def _header(plan: Plan, outcome: Outcome) -> str:
    platforms = ", ".join(code(str(p)) for p in plan.platforms) or "_builder default_"
    lines = [
        "## Slipway",
        "",
        f"**Image:** {', '.join(code(str(i)) for i in plan.images)}  ",
        f"**Digest:** {code(outcome.digest) or '_not pushed_'}  ",
        f"**Platforms:** {platforms}  ",
    ]
    stats = outcome.build_stats
    if stats is not None:
        lines.append(
            f"**Build:** {stats.seconds:.1f} s, {stats.cached} of {stats.steps} steps from the cache"
        )
    return "\n".join(lines)


def _tags(plan: Plan, outcome: Outcome) -> Rows:
    tail = ""
    if outcome.tagged:
        title, rows = "### Tags", [f"- {code(ref)}" for ref in outcome.tagged]
        tail = TAGGED_EARLY if outcome.gate_failures else ""
    elif outcome.by_digest_only:
        title = "### Tags (applied by the merge job)"
        rows = ["Pushed by digest only: this is one part of a split build."]
    elif plan.push:
        title, rows = "### Tags (not applied)", [f"- ~~{code(ref)}~~" for ref in plan.refs]
        tail = NOT_TAGGED
    else:
        title, rows = "### Tags (not pushed)", [f"- {code(ref)}" for ref in plan.refs]
    return Rows("tags", tuple(rows), title=title + "\n", tail=tail, required=True)


def _scan(plan: Plan, outcome: Outcome) -> list[Section]:
    if not outcome.scans and not outcome.misconfigurations:
        return [Block("vulnerabilities", ("### Vulnerabilities\n\n_Not scanned._",), True)]
    sections: list[Section] = [Block("vulnerabilities", (_counts(plan, outcome),), True)]
    sections += [_top_findings(plan, outcome.scans)] if outcome.scans else []
    sections += _secrets(plan, outcome.scans)
    sections += _dockerfile_checks(plan, outcome.misconfigurations)
    if outcome.gate_failures:
        reasons = "\n".join(f"- {text(reason)}" for reason in outcome.gate_failures)
        verdict = f"**Gate failed** (fail-on: {code(plan.scan.fail_on)}):\n\n{reasons}"
    else:
        verdict = f"**Gate passed** (fail-on: {code(plan.scan.fail_on)})."
    return [*sections, Block("verdict", (verdict,), required=True)]


def _counts(plan: Plan, outcome: Outcome) -> str:
    if not outcome.scans:
        return "### Vulnerabilities\n\n_No image scanned._"
    shown = [s for s in SCAN[::-1] if s in plan.scan.severity]
    lines = ["### Vulnerabilities", "", "| Platform | Digest | " + " | ".join(shown) + " |"]
    lines.append("|---|---|" + "---|" * len(shown))
    for scan in outcome.scans:
        counts = severity_counts(scan)
        digest = outcome.platform_digests.get(scan.platform, "")
        cells = " | ".join(str(counts.get(s, 0)) for s in shown)
        lines.append(f"| {code(scan.platform)} | {code(digest[:19])} | {cells} |")
    return "\n".join(lines)


@dataclass
class _Row:
    """One finding of the top table, merged across platforms."""

    severity: Severity
    installed: str
    fixed: str
    url: str
    line: int | None
    platforms: list[str] = field(default_factory=list)


def _top_findings(plan: Plan, scans: Sequence[PlatformScan]) -> Rows:
    merged: dict[tuple[str, str], _Row] = {}
    for scan in scans:
        for v in scan.vulnerabilities:
            if v.severity not in plan.scan.severity:
                continue
            row = merged.setdefault(
                (v.id, v.package), _Row(v.severity, v.installed, v.fixed, v.url, v.dockerfile_line)
            )
            row.platforms.append(scan.platform)
    order = sorted(merged.items(), key=lambda kv: (-kv[1].severity.rank, kv[1].fixed == "", kv[0]))
    rows = []
    for (vuln_id, package), row in order[:TOP_FINDINGS]:
        fixed_cell = code(row.fixed) if row.fixed else "_no fix_"
        where = code(f"{plan.dockerfile}:{row.line}") if row.line else "_base image_"
        rows.append(
            f"| {row.severity} | {link(vuln_id, row.url)} | {code(package)} "
            f"| {code(row.installed)} → {fixed_cell} | {where} "
            f"| {', '.join(code(p) for p in row.platforms)} |"
        )
    return Rows(
        "vulnerability table",
        tuple(rows),
        head=(
            "| Severity | ID | Package | Installed → Fixed | Introduced by | Platforms |\n"
            "|---|---|---|---|---|---|"
        ),
        empty="No findings at the reported severities.",
        omitted=max(len(order) - TOP_FINDINGS, 0),
    )


def _secrets(plan: Plan, scans: Sequence[PlatformScan]) -> list[Section]:
    """Secrets in layers at the reported severities, each once with its platforms."""
    found: dict[tuple[str, str, int], tuple[Severity, str, list[str]]] = {}
    for scan in scans:
        for secret in scan.secrets:
            if secret.severity in plan.scan.severity:
                entry = found.setdefault(secret.key, (secret.severity, secret.title, []))
                entry[2].append(scan.platform)
    if not found:
        return []
    rows = [
        f"| {severity} | {text(title or rule)} | {code(f'{path}:{line}')} "
        f"| {', '.join(code(p) for p in platforms)} |"
        for (rule, path, line), (severity, title, platforms) in list(found.items())[:TOP_FINDINGS]
    ]
    head = "| Severity | Secret | File | Platforms |\n|---|---|---|---|"
    omitted = max(len(found) - TOP_FINDINGS, 0)
    return [Rows("secrets table", tuple(rows), head=head, omitted=omitted)]


def _dockerfile_checks(plan: Plan, misconfigurations: Sequence[Misconfiguration]) -> list[Section]:
    """The Dockerfile's misconfigurations (`policy: none`) at the reported severities."""
    checks = [m for m in misconfigurations if m.severity in plan.scan.severity]
    if not checks:
        return []
    rows = []
    for check in checks[:TOP_FINDINGS]:
        where = f"{check.file}:{check.start_line}" if check.start_line else check.file
        rows.append(
            f"| {check.severity} | {link(check.id, check.url)} {text(check.title)} "
            f"| {code(where)} |"
        )
    head = "| Severity | Dockerfile check | Line |\n|---|---|---|"
    omitted = max(len(checks) - TOP_FINDINGS, 0)
    return [Rows("Dockerfile checks table", tuple(rows), head=head, omitted=omitted)]


def _labels(plan: Plan) -> Rows:
    rows = [f"| {code(key)} | {code(value)} |" for key, value in plan.labels.items()]
    return Rows(
        "labels",
        tuple(rows),
        title="<details><summary>Labels</summary>\n",
        head="| Label | Value |\n|---|---|",
        tail="\n</details>",
    )
