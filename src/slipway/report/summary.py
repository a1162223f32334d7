"""The report of one run (Markdown): image, tags, digests, platforms, scan counts, findings,
the policy, the sizes, the labels. One list of sections, most important first, that
`slipway.report.fit` fits to each of GitHub's limits: the job summary, the sticky comment and
the check run all show it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from slipway.core.plan import Plan
from slipway.core.severity import SCAN, Severity
from slipway.policy.model import PolicyFindings
from slipway.report.fit import SUMMARY, Block, Limit, Rows, Section, fit
from slipway.report.markdown import code, link, text
from slipway.report.policy_section import NEW_MARK, policy_sections
from slipway.report.sign_section import sign_sections
from slipway.scan.delta import Delta, MisconfigurationDelta, PolicyDelta
from slipway.scan.findings import Misconfiguration, PlatformScan
from slipway.sign.verify import Signed

TOP_FINDINGS = 20  # rows of each findings table: the report file and SARIF have them all
PROVENANCE_NOTE = (
    "<sub>The index also lists one provenance attestation per platform "
    "(`unknown/unknown` entries): build records, not images; they are not scanned.</sub>"
)
REFERRERS_NOTE = (
    "<sub>Each platform's provenance is stored as a referrer of its manifest "
    "(`attestation-storage: referrers`): `oras discover IMAGE@PLATFORM-DIGEST` lists it.</sub>"
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
    delta: Delta | None = None  # the findings against a baseline image's, when compared
    signed: tuple[Signed, ...] = ()  # what was signed about each image, and how to verify it
    not_signed: str = ""  # why nothing was signed (when it was asked for, or could have been)


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
        referrers = plan.build.attestation_storage == "referrers"
        note = REFERRERS_NOTE if referrers else PROVENANCE_NOTE
        sections.append(Block("provenance note", (note,)))
    if "mode=max" in plan.provenance and plan.build.build_args:
        sections.append(Block("build-args note", (BUILD_ARGS_NOTE,)))
    sections.append(_tags(plan, outcome))
    sections += _scan(plan, outcome)
    sections += policy_sections(outcome.checks, outcome.delta)
    sections += sign_sections(outcome.signed, outcome.not_signed)
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
    delta = outcome.delta
    sections += _top_findings(plan, outcome.scans, delta) if outcome.scans else []
    sections += _secrets(plan, outcome.scans, delta)
    sections += _dockerfile_checks(plan, outcome.misconfigurations, delta)
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
    lines = ["### Vulnerabilities", ""]
    if outcome.delta is not None:
        lines += [_change_line(plan, outcome.delta), ""]
    lines.append("| Platform | Digest | " + " | ".join(shown) + " |")
    lines.append("|---|---|" + "---|" * len(shown))
    for scan in outcome.scans:
        counts = severity_counts(scan)
        digest = outcome.platform_digests.get(scan.platform, "")
        cells = " | ".join(str(counts.get(s, 0)) for s in shown)
        lines.append(f"| {code(scan.platform)} | {code(digest[:19])} | {cells} |")
    return "\n".join(lines)


def _change_line(plan: Plan, delta: Delta) -> str:
    """The line that leads the findings against a baseline: what the change adds and fixes,
    at the reported severities (each finding once across platforms); then, in a sentence of
    their own, the Dockerfile and image-policy findings it adds and fixes, or why they could
    not be compared."""
    baseline = delta.baseline
    if not baseline.present:
        why = (baseline.missing or f"no findings of {baseline.reference}").rstrip(" .")
        return f"No baseline to compare with: {text(why)}. Every finding counts as new."
    added, fixed = (
        {s: n for s, n in counts.items() if s in plan.scan.severity and n}
        for counts in (delta.added(), delta.fixed())
    )
    total_fixed = sum(fixed.values()) or "none"
    against = f"against {code(baseline.reference)}."
    if not added:
        line = f"**This change adds no finding** and fixes {total_fixed}, {against}"
    else:
        line = (
            f"**This change adds {sum(added.values())}** ({_by_severity(added)}) "
            f"**and fixes {total_fixed}**, {against}"
        )
    more = [said for said in (_policy_change(delta), _misconfiguration_change(delta)) if said]
    return " ".join([line, *more])


def _by_severity(counts: Mapping[Severity, int]) -> str:
    """``1 CRITICAL, 2 HIGH``: worst first (policy severities included)."""
    return ", ".join(f"{counts[s]} {s}" for s in sorted(counts, key=lambda s: -s.rank))


def _policy_change(delta: Delta) -> str:
    """What the change adds and fixes of the Dockerfile practices (every severity), or why
    the baseline's are unknown ("": the policy was not compared, or nothing is found now of
    a baseline whose findings are unknown)."""
    return _image_change(
        "Dockerfile practices",
        delta.policy,
        delta.baseline.policy_unknown_why,
        delta.policy_added(),
        delta.policy_fixed(),
    )


def _misconfiguration_change(delta: Delta) -> str:
    """The same of the Dockerfile checks (`policy: none`: trivy config's misconfigurations)."""
    return _image_change(
        "Dockerfile checks",
        delta.misconfigurations,
        delta.baseline.misconfigurations_unknown_why,
        delta.misconfigurations_added(),
        delta.misconfigurations_fixed(),
    )


def _image_change(
    name: str,
    part: PolicyDelta | MisconfigurationDelta | None,
    unknown_why: str,
    added_now: Counter[Severity],
    fixed_now: Counter[Severity],
) -> str:
    """One sentence on the image-wide findings ``name`` of the delta ``part``."""
    if part is None:
        return ""
    if not part.known:
        if not part.new:  # nothing found now: nothing to call new
            return ""
        return (
            f"{name}: the baseline's findings are unknown ({text(unknown_why)}), "
            "so every one counts as new."
        )
    added = {s: n for s, n in added_now.items() if n}
    fixed = sum(fixed_now.values()) or "none"
    if not added:
        return f"Of the {name}, it adds none and fixes {fixed}."
    return (
        f"Of the {name}, **it adds {sum(added.values())}** ({_by_severity(added)}) "
        f"and fixes {fixed}."
    )


def _unchanged_title(count: int, one: str, many: str) -> str:
    return f"<details><summary>{count} unchanged {one if count == 1 else many}</summary>\n"


@dataclass
class _Row:
    """One finding of the top table, merged across platforms."""

    severity: Severity
    installed: str
    fixed: str
    url: str
    line: int | None
    platforms: list[str] = field(default_factory=list)
    new: bool = False  # new on one of its platforms (against a baseline)
    previous: str = ""  # the baseline's installed version, when it moved


def _merged(
    plan: Plan, scans: Sequence[PlatformScan], delta: Delta | None
) -> list[tuple[tuple[str, str], _Row]]:
    """The vulnerabilities at the reported severities, one row per (ID, package), worst and
    fixable first."""
    merged: dict[tuple[str, str], _Row] = {}
    for scan in scans:
        for v in scan.vulnerabilities:
            if v.severity not in plan.scan.severity:
                continue
            row = merged.setdefault(
                (v.id, v.package), _Row(v.severity, v.installed, v.fixed, v.url, v.dockerfile_line)
            )
            row.platforms.append(scan.platform)
            if delta is not None:
                row.new = row.new or delta.is_new(scan.platform, v)
                row.previous = row.previous or delta.previous(scan.platform, v)
    return sorted(merged.items(), key=lambda kv: (-kv[1].severity.rank, kv[1].fixed == "", kv[0]))


def _top_findings(
    plan: Plan, scans: Sequence[PlatformScan], delta: Delta | None = None
) -> list[Section]:
    order = _merged(plan, scans, delta)
    if delta is not None and delta.baseline.present:
        return _findings_against(plan, order)
    rows = []
    for (vuln_id, package), row in order[:TOP_FINDINGS]:
        fixed_cell = code(row.fixed) if row.fixed else "_no fix_"
        where = code(f"{plan.dockerfile}:{row.line}") if row.line else "_base image_"
        rows.append(
            f"| {row.severity} | {link(vuln_id, row.url)} | {code(package)} "
            f"| {code(row.installed)} → {fixed_cell} | {where} "
            f"| {', '.join(code(p) for p in row.platforms)} |"
        )
    return [
        Rows(
            "vulnerability table",
            tuple(rows),
            head=(
                "| Severity | ID | Package | Installed → Fixed | Introduced by | Platforms |\n"
                "|---|---|---|---|---|---|"
            ),
            empty="No findings at the reported severities.",
            omitted=max(len(order) - TOP_FINDINGS, 0),
        )
    ]


def _findings_against(plan: Plan, order: Sequence[tuple[tuple[str, str], _Row]]) -> list[Section]:
    """Against a baseline: the new vulnerabilities, marked, then the unchanged ones folded
    away (a version bump shown as previous → now)."""
    new = [entry for entry in order if entry[1].new]
    unchanged = [entry for entry in order if not entry[1].new]
    head = "| Severity | ID | Package | Installed | Fixed in | Introduced by | Platforms |"
    rule = "|---|---|---|---|---|---|---|"
    sections: list[Section] = [
        Rows(
            "vulnerability table",
            tuple(f"| {NEW_MARK} | {_cells(plan, key, row)}" for key, row in new[:TOP_FINDINGS]),
            head=f"| Change {head}\n|---{rule}",
            empty=(
                "No new findings at the reported severities."
                if order
                else "No findings at the reported severities."
            ),
            omitted=max(len(new) - TOP_FINDINGS, 0),
        )
    ]
    if unchanged:
        sections.append(
            Rows(
                "unchanged vulnerabilities",
                tuple(f"| {_cells(plan, key, row)}" for key, row in unchanged[:TOP_FINDINGS]),
                title=_unchanged_title(len(unchanged), "vulnerability", "vulnerabilities"),
                head=f"{head}\n{rule}",
                tail="\n</details>",
                omitted=max(len(unchanged) - TOP_FINDINGS, 0),
            )
        )
    return sections


def _cells(plan: Plan, key: tuple[str, str], row: _Row) -> str:
    """A row's cells from Severity on (the table's own first cell is the caller's)."""
    vuln_id, package = key
    installed = code(row.installed)
    if row.previous and not row.new:
        installed = f"{code(row.previous)} → {installed}"
    fixed_cell = code(row.fixed) if row.fixed else "_no fix_"
    where = code(f"{plan.dockerfile}:{row.line}") if row.line else "_base image_"
    return (
        f"{row.severity} | {link(vuln_id, row.url)} | {code(package)} | {installed} "
        f"| {fixed_cell} | {where} | {', '.join(code(p) for p in row.platforms)} |"
    )


def _secrets(
    plan: Plan, scans: Sequence[PlatformScan], delta: Delta | None = None
) -> list[Section]:
    """Secrets in layers at the reported severities, each once with its platforms (against a
    baseline: the new ones marked, the unchanged ones folded away)."""
    found: dict[tuple[str, str, int], tuple[Severity, str, list[str]]] = {}
    new: set[tuple[str, str, int]] = set()
    for scan in scans:
        for secret in scan.secrets:
            if secret.severity in plan.scan.severity:
                entry = found.setdefault(secret.key, (secret.severity, secret.title, []))
                entry[2].append(scan.platform)
                if delta is not None and delta.is_new(scan.platform, secret):
                    new.add(secret.key)
    if not found:
        return []
    if delta is not None and delta.baseline.present:
        return _secrets_against(found, new)
    rows = [
        _secret_row(key, severity, title, platforms)
        for key, (severity, title, platforms) in list(found.items())[:TOP_FINDINGS]
    ]
    head = "| Severity | Secret | File | Platforms |\n|---|---|---|---|"
    omitted = max(len(found) - TOP_FINDINGS, 0)
    return [Rows("secrets table", tuple(rows), head=head, omitted=omitted)]


def _secret_row(
    key: tuple[str, str, int], severity: Severity, title: str, platforms: Sequence[str]
) -> str:
    rule, path, line = key
    return (
        f"| {severity} | {text(title or rule)} | {code(f'{path}:{line}')} "
        f"| {', '.join(code(p) for p in platforms)} |"
    )


def _secrets_against(
    found: dict[tuple[str, str, int], tuple[Severity, str, list[str]]],
    new: set[tuple[str, str, int]],
) -> list[Section]:
    head = "| Severity | Secret | File | Platforms |"
    rule = "|---|---|---|---|"
    added = [(key, entry) for key, entry in found.items() if key in new]
    unchanged = [(key, entry) for key, entry in found.items() if key not in new]
    sections: list[Section] = []
    if added:
        rows = [f"| {NEW_MARK} {_secret_row(key, *entry)}" for key, entry in added[:TOP_FINDINGS]]
        sections.append(
            Rows(
                "secrets table",
                tuple(rows),
                head=f"| Change {head}\n|---{rule}",
                omitted=max(len(added) - TOP_FINDINGS, 0),
            )
        )
    if unchanged:
        rows = [_secret_row(key, *entry) for key, entry in unchanged[:TOP_FINDINGS]]
        sections.append(
            Rows(
                "unchanged secrets",
                tuple(rows),
                title=_unchanged_title(len(unchanged), "secret", "secrets"),
                head=f"{head}\n{rule}",
                tail="\n</details>",
                omitted=max(len(unchanged) - TOP_FINDINGS, 0),
            )
        )
    return sections


def _dockerfile_checks(
    plan: Plan, misconfigurations: Sequence[Misconfiguration], delta: Delta | None = None
) -> list[Section]:
    """The Dockerfile's misconfigurations (`policy: none`) at the reported severities;
    compared with a baseline whose misconfigurations are known, the new ones first, marked."""
    compared = (
        delta is not None and delta.misconfigurations is not None and delta.misconfigurations.known
    )
    checks = sorted(
        (
            (m, compared and delta is not None and delta.is_new("", m))
            for m in misconfigurations
            if m.severity in plan.scan.severity
        ),
        key=lambda pair: not pair[1],  # stable: the scan's order within each group
    )
    if not checks:
        return []
    rows = []
    for check, new in checks[:TOP_FINDINGS]:
        where = f"{check.file}:{check.start_line}" if check.start_line else check.file
        row = (
            f"| {check.severity} | {link(check.id, check.url)} {text(check.title)} "
            f"| {code(where)} |"
        )
        rows.append(f"| {NEW_MARK if new else ''} {row}" if compared else row)
    head = "| Severity | Dockerfile check | Line |\n|---|---|---|"
    if compared:
        head = "| Change " + head.replace("\n", "\n|---")
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
