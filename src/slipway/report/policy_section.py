"""Summary sections for the Dockerfile policy findings and the image sizes (pure): sections of
the one report that `slipway.report.fit` fits to each of GitHub's limits. Compared with a
baseline whose policy findings are known, the findings the change adds come first, marked."""

from __future__ import annotations

from slipway.policy.model import PolicyFindings
from slipway.report.fit import Block, Rows, Section
from slipway.report.markdown import code, text
from slipway.scan.delta import Delta
from slipway.size.limits import format_delta, format_size
from slipway.size.model import PlatformSize

MAX_ROWS = 30
NEW_MARK = "**new**"  # a finding the change adds, against a baseline
MAX_LAYERS = 8
LAYERS_LEFT_OUT = "_The layer tables, changes and hints are left out here for space._"


def policy_sections(checks: PolicyFindings, delta: Delta | None = None) -> list[Section]:
    """The policy and the size sections (none when nothing was checked); ``delta``: the
    comparison with a baseline, when there is one."""
    return [*_policy(checks, delta), *_size(checks)]


def _policy(checks: PolicyFindings, delta: Delta | None = None) -> list[Section]:
    if checks.policy is None:
        return []
    compared = delta is not None and delta.policy is not None and delta.policy.known
    findings = sorted(
        (
            (f, compared and delta is not None and delta.is_new("", f))
            for f in checks.policy.findings
        ),
        key=lambda pair: (not pair[1], -pair[0].severity.rank, pair[0].line, pair[0].id),
    )
    rows = []
    for f, new in findings[:MAX_ROWS]:
        detail = f" ({text(f.detail, 80)})" if f.detail else ""
        where = str(f.line) if f.line else "file"
        fix = f.fix.replace("|", "\\|").replace("\n", " ")  # the rule catalog's own Markdown
        title = f"{text(f.title, 100)}{detail}"
        row = f"| {f.severity} | {code(f.id)} | {where} | {title} | {fix} |"
        if compared:
            row = f"| {NEW_MARK if new else ''} {row}"
        rows.append(row)
    head = "| Severity | Rule | Line | Finding | Fix |\n|---|---|---|---|---|"
    if compared:
        head = "| Change " + head.replace("\n", "\n|---")
    suppressed = len(checks.policy.suppressed)
    tail = (
        f"\n{suppressed} finding(s) suppressed inline (`# slipway:ignore=`)." if suppressed else ""
    )
    return [
        Rows(
            "Dockerfile practices",
            tuple(rows),
            title="### Dockerfile practices (image security)\n",
            head=head,
            tail=tail,
            empty="No findings.",
            omitted=max(len(findings) - MAX_ROWS, 0),
        )
    ]


def _size(checks: PolicyFindings) -> list[Section]:
    report = checks.size
    if report is None:
        return []
    table = [
        "### Image size",
        "",
        "| Platform | Compressed | Unpacked | Change |",
        "|---|---|---|---|",
    ]
    for platform, size in report.sizes.items():
        delta = report.deltas.get(platform)
        change = format_delta(delta.compressed) if delta else "_no baseline_"
        unpacked = format_size(size.uncompressed) if size.uncompressed is not None else "?"
        table.append(
            f"| {code(platform)} | {format_size(size.compressed)} | {unpacked} | {change} |"
        )
    details: list[str] = []
    for platform, size in report.sizes.items():
        details += _layers(platform, size)
    for platform, delta in report.deltas.items():
        grown = [d for d in delta.layers if d.compressed][:5]
        if grown:
            details += ["", f"Changes in {code(platform)} against {code(report.baseline_ref)}:"]
            details += [f"- {text(d.describe(), 160)}" for d in grown]
    for hint in report.hints[:5]:
        details.append(f"\n_Hint:_ {text(hint.message, 240)}")
    failures = [f"\n**Size gate:** {text(failure, 200)}" for failure in report.failures]
    full = "\n".join([*table, *details, *failures])
    if not details:
        return [Block("image size", (full,))]
    compact = "\n".join([*table, *failures, "", LAYERS_LEFT_OUT])
    return [Block("image size", (full, compact))]


def _layers(platform: str, size: PlatformSize) -> list[str]:
    """The biggest layers (size, Dockerfile line, stage, instruction) and what fills the biggest."""
    biggest = sorted(size.layers, key=lambda layer: -layer.compressed)[:MAX_LAYERS]
    lines = [
        "",
        f"<details><summary>Layers of {code(platform)}</summary>",
        "",
        "| Size | Line | Stage | Instruction |",
        "|---|---|---|---|",
    ]
    for layer in biggest:
        line = str(layer.line) if layer.line else ""
        lines.append(
            f"| {format_size(layer.compressed)} | {line} | {text(layer.stage, 40)} | {code(layer.instruction, 100)} |"
        )
    top = next((layer for layer in biggest if layer.contents and layer.contents.largest), None)
    if top is not None and top.contents is not None:
        lines += ["", f"Largest files added by {code(top.instruction, 60)}:"]
        lines += [f"- {code(f.path, 120)} {format_size(f.size)}" for f in top.contents.largest[:5]]
    return [*lines, "", "</details>"]
