"""The bake run's own section of the job summary (pure): one row per target (its images,
digest and verdict) and what happened to the tags, all or none. Target names, image names and
the gate's reasons come from the bake file and the findings: every one passes through
`slipway.report.markdown`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from slipway.report.markdown import code, text


@dataclass(frozen=True)
class BakeRow:
    """One target's result."""

    name: str
    images: tuple[str, ...]
    digest: str
    passed: bool
    failures: tuple[str, ...] = ()


def target_heading(name: str) -> str:
    """The heading put before a target's own report."""
    return f"## Bake target {code(name)}\n"


def bake_summary(rows: Sequence[BakeRow], tagged: Sequence[str], tag_error: str = "") -> str:
    """The table of every target, then the tags: moved (all), or why none moved."""
    failed = [row.name for row in rows if not row.passed]
    verdict = "❌ gate failed" if failed else "✅ every target passed"
    lines = [
        f"## Slipway bake: {verdict}",
        "",
        "| target | images | digest | gate |",
        "|---|---|---|---|",
    ]
    for row in rows:
        images = "<br>".join(code(image) for image in row.images)
        gate = "passed" if row.passed else "failed: " + text("; ".join(row.failures), 300)
        lines.append(f"| {code(row.name)} | {images} | {code(row.digest)} | {gate} |")
    lines.append("")
    if failed:
        names = ", ".join(code(name) for name in failed)
        lines.append(f"No tag was created or moved for any target: {names} failed the gate.")
    elif tag_error:
        lines.append("No tag was moved: " + text(tag_error, 500))
    elif tagged:
        lines.append("Tagged, every target at once:")
        lines += [f"- {code(ref)}" for ref in tagged]
    else:
        lines.append("Nothing was tagged (`push` is off).")
    return "\n".join(lines) + "\n"
