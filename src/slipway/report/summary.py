"""The job summary (Markdown) of one run: image, tags, digests, platforms, scan counts."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from slipway.plan import Plan
from slipway.policy.model import ImageChecks
from slipway.report.checks_section import render_checks
from slipway.report.markdown import code, link, text
from slipway.scan.findings import Misconfiguration, PlatformScan
from slipway.severity import SCAN, Severity

TOP_FINDINGS = 20


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
    checks: ImageChecks = field(default_factory=ImageChecks)  # Dockerfile policy, image size
    build_stats: BuildStats | None = None
    misconfigurations: tuple[Misconfiguration, ...] = ()  # the Dockerfile's (`policy: none`)


def severity_counts(scan: PlatformScan) -> Counter[Severity]:
    """Findings per severity for one platform."""
    return Counter(v.severity for v in scan.vulnerabilities)


def render_summary(plan: Plan, outcome: Outcome) -> str:
    """The whole job summary."""
    lines = ["## Slipway", ""]
    lines += [f"**Image:** {', '.join(code(str(i)) for i in plan.images)}  "]
    lines += [f"**Digest:** {code(outcome.digest) or '_not pushed_'}  "]
    lines += [
        f"**Platforms:** {', '.join(code(str(p)) for p in plan.platforms) or '_builder default_'}  ",
        *_build_line(outcome.build_stats),
        "",
    ]
    if plan.provenance and plan.provenance != "false":
        lines += [
            (
                "<sub>The index also lists one provenance attestation per platform "
                "(`unknown/unknown` entries): build records, not images; they are not scanned.</sub>"
            ),
            "",
        ]
    if "mode=max" in plan.provenance and plan.build.build_args:
        lines += [
            (
                "<sub>Provenance `mode=max` records every build arg in the attestation: "
                "pass credentials with `secrets:`, never `build-args:`.</sub>"
            ),
            "",
        ]
    lines += _tags_section(plan, outcome)
    lines += _scan_section(plan, outcome)
    lines += render_checks(outcome.checks)
    lines += _labels_section(plan)
    return "\n".join(lines) + "\n"


def _build_line(stats: BuildStats | None) -> list[str]:
    if stats is None:
        return []
    return [
        f"**Build:** {stats.seconds:.1f} s, {stats.cached} of {stats.steps} steps from the cache"
    ]


def _tags_section(plan: Plan, outcome: Outcome) -> list[str]:
    if outcome.tagged:
        head = "### Tags"
        rows = [f"- {code(ref)}" for ref in outcome.tagged]
        if outcome.gate_failures:
            rows.append(
                "\nTagged before the scan (`tag-on-gate-failure: true`): these tags name an image that failed the gate."
            )
    elif outcome.by_digest_only:
        head = "### Tags (applied by the merge job)"
        rows = ["Pushed by digest only: this is one part of a split build."]
    elif plan.push:
        head = "### Tags (not applied)"
        rows = [f"- ~~{code(ref)}~~" for ref in plan.refs] + [
            "",
            "No tag was created or moved: the image failed the security gate. Inspect it by digest.",
        ]
    else:
        head = "### Tags (not pushed)"
        rows = [f"- {code(ref)}" for ref in plan.refs]
    return [head, "", *rows, ""]


def _scan_section(plan: Plan, outcome: Outcome) -> list[str]:
    if not outcome.scans:
        return ["### Vulnerabilities", "", "_Not scanned._", ""]
    shown = [s for s in SCAN[::-1] if s in plan.scan.severity]
    lines = ["### Vulnerabilities", "", "| Platform | Digest | " + " | ".join(shown) + " |"]
    lines.append("|---|---|" + "---|" * len(shown))
    for scan in outcome.scans:
        counts = severity_counts(scan)
        digest = outcome.platform_digests.get(scan.platform, "")
        cells = " | ".join(str(counts.get(s, 0)) for s in shown)
        lines.append(f"| {code(scan.platform)} | {code(digest[:19])} | {cells} |")
    lines.append("")
    lines += _top_findings(plan, outcome.scans)
    lines += _secrets_and_dockerfile(plan, outcome.scans, outcome.misconfigurations)
    if outcome.gate_failures:
        lines += [f"**Gate failed** (fail-on: {code(plan.scan.fail_on)}):", ""]
        lines += [f"- {text(reason)}" for reason in outcome.gate_failures]
    else:
        lines.append(f"**Gate passed** (fail-on: {code(plan.scan.fail_on)}).")
    lines.append("")
    return lines


@dataclass
class _Row:
    """One finding of the top table, merged across platforms."""

    severity: Severity
    installed: str
    fixed: str
    url: str
    line: int | None
    platforms: list[str] = field(default_factory=list)


def _top_findings(plan: Plan, scans: Sequence[PlatformScan]) -> list[str]:
    merged: dict[tuple[str, str], _Row] = {}
    for scan in scans:
        for v in scan.vulnerabilities:
            if v.severity not in plan.scan.severity:
                continue
            row = merged.setdefault(
                (v.id, v.package), _Row(v.severity, v.installed, v.fixed, v.url, v.dockerfile_line)
            )
            row.platforms.append(scan.platform)
    if not merged:
        return ["No findings at the reported severities.", ""]
    order = sorted(merged.items(), key=lambda kv: (-kv[1].severity.rank, kv[1].fixed == "", kv[0]))
    lines = [
        "| Severity | ID | Package | Installed → Fixed | Introduced by | Platforms |",
        "|---|---|---|---|---|---|",
    ]
    for (vuln_id, package), row in order[:TOP_FINDINGS]:
        fixed_cell = code(row.fixed) if row.fixed else "_no fix_"
        where = code(f"{plan.dockerfile}:{row.line}") if row.line else "_base image_"
        lines.append(
            f"| {row.severity} | {link(vuln_id, row.url)} | {code(package)} "
            f"| {code(row.installed)} → {fixed_cell} | {where} "
            f"| {', '.join(code(p) for p in row.platforms)} |"
        )
    if len(order) > TOP_FINDINGS:
        lines.append(f"\n{len(order) - TOP_FINDINGS} more findings in the report file and SARIF.")
    return [*lines, ""]


def _secrets_and_dockerfile(
    plan: Plan, scans: Sequence[PlatformScan], misconfigurations: Sequence[Misconfiguration]
) -> list[str]:
    """Secrets in layers and Dockerfile misconfigurations at the reported severities."""
    wanted = plan.scan.severity
    secrets: dict[tuple[str, str, int], tuple[Severity, str, list[str]]] = {}
    for scan in scans:
        for secret in scan.secrets:
            if secret.severity in wanted:
                entry = secrets.setdefault(secret.key, (secret.severity, secret.title, []))
                entry[2].append(scan.platform)
    checks = [m for m in misconfigurations if m.severity in wanted]
    lines: list[str] = []
    if secrets:
        lines += ["| Severity | Secret | File | Platforms |", "|---|---|---|---|"]
        for (rule, path, line), (severity, title, platforms) in list(secrets.items())[
            :TOP_FINDINGS
        ]:
            lines.append(
                f"| {severity} | {text(title or rule)} | {code(f'{path}:{line}')} "
                f"| {', '.join(code(p) for p in platforms)} |"
            )
        lines.append("")
    if checks:
        lines += ["| Severity | Dockerfile check | Line |", "|---|---|---|"]
        for check in checks[:TOP_FINDINGS]:
            where = f"{check.file}:{check.start_line}" if check.start_line else check.file
            lines.append(
                f"| {check.severity} | {link(check.id, check.url)} {text(check.title)} "
                f"| {code(where)} |"
            )
        lines.append("")
    return lines


def _labels_section(plan: Plan) -> list[str]:
    rows = [f"| {code(key)} | {code(value)} |" for key, value in plan.labels.items()]
    return [
        "<details><summary>Labels</summary>",
        "",
        "| Label | Value |",
        "|---|---|",
        *rows,
        "",
        "</details>",
        "",
    ]
