"""The tables (pure: lines of text, Markdown, ready for the README): each job's stages per
side, median (min-max) over the rounds; the totals; the issue's goals with the measured
ratios side by side.

Samples are ``workload -> side -> job -> rounds``, a round being seconds per stage with the
job's wall time as ``total``.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

Stages = Mapping[str, float]
Samples = Mapping[str, Mapping[str, Mapping[str, Sequence[Stages]]]]

SLIPWAY = "slipway"
DERIVED = ("fixed overhead", "total")  # not stages of their own: listed last
ORDER = (  # every side's stages, in the order they happen in a job
    "start", "metadata", "Preflight", "builder", "build+push", "build",
    "Reuse an identical build", "Push by digest", "cache restore", "scan DB", "scan <platform>",
    "Dockerfile policy and image size", "Attach the evidence", "between",
    "Save for the next job", "cache save", "build record", "builder rm", "exit",
)  # fmt: skip
JOB_TITLES = {"A": "A, the first commit", "B": "B, the next commit", "C": "C, a re-run"}
REUSE = "Reuse an identical build"  # Slipway's log group when it builds nothing
NOT_REUSED = (
    "Slipway's job C on {workload} (round {round}) built again: a re-run of an unchanged commit "
    "should reuse the build of job B (its log says `reused <image>@<digest>`)"
)


@dataclass(frozen=True)
class Goal:
    """One goal of issue 22 on Slipway's median total in a job: a ratio to another side's
    median total, or (``other`` None) a number of seconds."""

    job: str
    workloads: tuple[str, ...]
    other: str | None
    limit: float
    text: str  # as the issue says it
    strict: bool = False  # "<" rather than "<="


TIMES = "\N{MULTIPLICATION SIGN}"  # as the issue writes its goals
FAST, FIRST = "the chain configured for speed", "the chain as first shown"
GOALS = (
    Goal("B", ("app",), "chain-cached", 0.60, f"≤ 0.6 {TIMES} {FAST}"),
    Goal("B", ("app",), "chain", 0.35, f"≤ 0.35 {TIMES} {FIRST}"),
    Goal("C", ("app",), "chain-cached", 0.25, f"≤ 0.25 {TIMES} {FAST}"),
    Goal("C", ("app",), None, 5.0, "under 5 s of wall time for the whole step", strict=True),
    Goal("A", ("app",), "chain", 1.10, f"≤ 1.10 {TIMES} {FIRST}"),
    Goal("A", ("tiny", "compile", "large"), "chain", 0.95, f"fresh job ≤ 0.95 {TIMES} the chain"),
)


@dataclass(frozen=True)
class Judged:
    """A goal on one workload: what was measured (None: not in this run), and whether met."""

    goal: Goal
    workload: str
    value: float | None  # the ratio, or seconds
    mine: float | None  # Slipway's median total
    theirs: float | None  # the other side's median total

    @property
    def met(self) -> bool:
        """Whether the measured value is within the goal (never, when not measured)."""
        if self.value is None:
            return False
        if self.goal.strict:
            return self.value < self.goal.limit
        return self.value <= self.goal.limit


def median(rounds: Sequence[Stages], stage: str = "total") -> float | None:
    """The median of a stage over the rounds that have it; None when none has."""
    values = [r[stage] for r in rounds if stage in r]
    return statistics.median(values) if values else None


def cell(rounds: Sequence[Stages], stage: str) -> str:
    """``median (min-max)`` of a stage in seconds, the bare value for one round, a dash where
    the side has no such stage."""
    values = [r[stage] for r in rounds if stage in r]
    if not values:
        return "-"
    if len(values) == 1:
        return f"{values[0]:.2f}"
    return f"{statistics.median(values):.2f} ({min(values):.2f}-{max(values):.2f})"


def stage_names(sides: Mapping[str, Sequence[Stages]]) -> list[str]:
    """Every stage any side has, in the order of a job (:data:`ORDER`; unknown ones where they
    first appear, after the known), the derived ones last."""
    seen: list[str] = []
    for rounds in sides.values():
        for sample in rounds:
            seen += [name for name in sample if name not in seen and name not in DERIVED]

    def position(name: str) -> int:
        key = "scan <platform>" if name.startswith("scan linux/") else name
        return ORDER.index(key) if key in ORDER else len(ORDER)

    ordered = sorted(seen, key=lambda name: (position(name), seen.index(name)))
    present = [n for n in DERIVED if any(n in s for rounds in sides.values() for s in rounds)]
    return ordered + present


def markdown(
    header: Sequence[str], rows: Sequence[Sequence[str]], *, numbers: bool = True
) -> list[str]:
    """A Markdown table; with ``numbers``, every column but the first right-aligned."""
    rule = "---:" if numbers else "---"
    lines = ["| " + " | ".join(header) + " |"]
    lines.append("|" + "|".join(["---", *[rule] * (len(header) - 1)]) + "|")
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def stage_table(sides: Mapping[str, Sequence[Stages]], titles: Mapping[str, str]) -> list[str]:
    """One job of one workload: a row per stage, a column per side (seconds)."""
    header = ["stage", *(titles.get(side, side) for side in sides)]
    rows = [
        [name, *(cell(rounds, name) for rounds in sides.values())] for name in stage_names(sides)
    ]
    return markdown(header, rows)


def totals_table(samples: Samples, titles: Mapping[str, str]) -> list[str]:
    """Median totals: a row per workload and job, a column per side (seconds)."""
    sides = list(dict.fromkeys(side for by_side in samples.values() for side in by_side))
    rows = []
    for workload, by_side in samples.items():
        jobs = list(dict.fromkeys(job for by_job in by_side.values() for job in by_job))
        for job in jobs:
            cells = [cell(by_side.get(side, {}).get(job, ()), "total") for side in sides]
            rows.append([f"{workload} {JOB_TITLES.get(job, job)}", *cells])
    return markdown(["job", *(titles.get(side, side) for side in sides)], rows)


def judge(samples: Samples, goals: Sequence[Goal] = GOALS) -> list[Judged]:
    """Every goal on every workload it names that this run measured Slipway on."""
    judged = []
    for goal in goals:
        for workload in goal.workloads:
            by_side = samples.get(workload)
            if by_side is None or SLIPWAY not in by_side:
                continue
            mine = median(by_side[SLIPWAY].get(goal.job, ()))
            if goal.other is None:
                judged.append(Judged(goal, workload, mine, mine, None))
                continue
            theirs = median(by_side.get(goal.other, {}).get(goal.job, ()))
            value = mine / theirs if mine is not None and theirs else None
            judged.append(Judged(goal, workload, value, mine, theirs))
    return judged


def mark(judged: Judged) -> str:
    """How a judged goal is shown."""
    if judged.value is None:
        return "not measured"
    return "met" if judged.met else "**not met**"


def measured(judged: Judged) -> str:
    """The measured value with what it is made of: ``0.52 (41.2 s / 79.0 s)``, ``4.21 s``."""
    if judged.value is None:
        return "-"
    if judged.goal.other is None:
        return f"{judged.value:.2f} s"
    return f"{judged.value:.2f} ({judged.mine:.1f} s / {judged.theirs:.1f} s)"


def goals_table(judged: Sequence[Judged]) -> list[str]:
    """The issue's Goals table with the measured value of each goal beside it."""
    rows = []
    for each in judged:
        goal = each.goal
        job = JOB_TITLES[goal.job] if goal.job != "A" or goal.workloads == ("app",) else "A"
        rows.append([f"{job}, {each.workload}", goal.text, measured(each), mark(each)])
    header = ["job", "Slipway (no cache input) must be", "measured", ""]
    return markdown(header, rows, numbers=False)


def missing_reuse(samples: Samples) -> list[str]:
    """Every re-run (job C) of Slipway's that built instead of reusing B's build."""
    return [
        NOT_REUSED.format(workload=workload, round=index + 1)
        for workload, by_side in samples.items()
        for index, stages in enumerate(by_side.get(SLIPWAY, {}).get("C", ()))
        if REUSE not in stages
    ]
