"""The tables: per workload each side's stages (median and min-max over the rounds), then
the ratios of the totals against the issue's goals, then the fixed overhead."""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pipeline.image_size import mark

Samples = Mapping[str, Mapping[str, Sequence[Mapping[str, float]]]]  # workload -> side -> rounds
REALISTIC = ("compile", "large")
FIXED_GOAL = 1.0  # seconds: container start to first line, preflight, exit
DERIVED = ("fixed overhead", "total")  # not stages of their own: listed last
ORDER = (  # the stages of the three sides, in the order they happen
    "start", "metadata", "Preflight", "builder", "build+push", "build", "Push by digest",
    "scan DB", "scan <platform>", "Dockerfile policy and image size", "Attach the evidence",
    "between", "build record", "builder rm", "exit",
)  # fmt: skip


@dataclass(frozen=True)
class Ratio:
    """One goal on the ratio of two sides' median totals."""

    label: str
    side: str
    other: str
    limit: float
    strict: bool  # "<" rather than "<="
    workloads: tuple[str, ...] | None  # None: every workload
    goal: str


RATIOS = (
    Ratio("slipway fresh / anchor", "slipway-fresh", "anchor", 0.70, False, None,
          "<= 0.70, every workload"),
    Ratio("slipway fresh / bare", "slipway-fresh", "bare", 1.10, False, REALISTIC,
          "<= 1.10, realistic workloads"),
    Ratio("slipway rerun / bare", "slipway-rerun", "bare", 1.00, True, REALISTIC,
          "< 1.00 (faster), realistic workloads"),
)  # fmt: skip


def median(rounds: Sequence[Mapping[str, float]], stage: str) -> float:
    """The median of one stage over the rounds that have it (0 if none)."""
    values = [r[stage] for r in rounds if stage in r]
    return statistics.median(values) if values else 0.0


def cell(rounds: Sequence[Mapping[str, float]], stage: str) -> str:
    """``median (min-max)`` of a stage, or a dash where the side has no such stage."""
    values = [r[stage] for r in rounds if stage in r]
    if not values:
        return "-"
    if len(values) == 1:
        return f"{values[0]:.2f}"
    return f"{statistics.median(values):.2f} ({min(values):.2f}-{max(values):.2f})"


def stage_names(sides: Mapping[str, Sequence[Mapping[str, float]]]) -> list[str]:
    """Every stage any side has, in pipeline order (`ORDER`; a side's own stages where they
    happen), the derived ones last."""
    seen: list[str] = []
    for rounds in sides.values():
        for sample in rounds:
            seen += [n for n in sample if n not in seen and n not in DERIVED]

    def position(name: str) -> int:
        key = "scan <platform>" if name.startswith("scan linux/") else name
        return ORDER.index(key) if key in ORDER else len(ORDER)

    ordered = sorted(seen, key=lambda n: (position(n), seen.index(n)))
    return ordered + [n for n in DERIVED if any(n in s for r in sides.values() for s in r)]


def stage_table(
    workload: str, platforms: str, sides: Mapping[str, Sequence[Mapping[str, float]]]
) -> None:
    """Each side's stages: median (min-max) seconds."""
    rounds = max((len(r) for r in sides.values()), default=0)
    print(f"\n== {workload} ({platforms}): seconds, median (min-max) of {rounds} round(s)")
    names = stage_names(sides)
    first, width = max(map(len, ["stage", *names])) + 2, 22
    print(f"{'stage':{first}}" + "".join(f"{side:>{width}}" for side in sides))
    for stage in names:
        print(f"{stage:{first}}" + "".join(f"{cell(r, stage):>{width}}" for r in sides.values()))


def ratio_table(samples: Samples) -> list[tuple[str, bool]]:
    """The ratios of median totals per workload, each against its goal; returns the goals
    judged (label, met)."""
    workloads = list(samples)
    judged: list[tuple[str, bool]] = []
    print("\nratios of median totals (a fresh job unless it says rerun)")
    print(f"{'':24}" + "".join(f"{w:>16}" for w in workloads) + "  goal")
    for ratio in RATIOS:
        cells = []
        for workload in workloads:
            sides = samples[workload]
            if ratio.side not in sides or ratio.other not in sides:
                cells.append("-")
                continue
            mine, theirs = median(sides[ratio.side], "total"), median(sides[ratio.other], "total")
            value = mine / theirs if theirs else float("inf")
            if ratio.workloads is not None and workload not in ratio.workloads:
                cells.append(f"{value:.2f} (no goal)")
                continue
            met = value < ratio.limit if ratio.strict else value <= ratio.limit
            judged.append((f"{ratio.label}, {workload}: {value:.2f} ({ratio.goal})", met))
            cells.append(f"{value:.2f} {mark(met)}")
        print(f"{ratio.label:24}" + "".join(f"{c:>16}" for c in cells) + f"  {ratio.goal}")
    return judged


def fixed_table(samples: Samples) -> list[tuple[str, bool]]:
    """Slipway's fixed overhead (container start to first line, Preflight, exit) per
    workload and side, against the 1 s goal."""
    judged: list[tuple[str, bool]] = []
    print(f"\nSlipway's fixed overhead (median s; goal <= {FIXED_GOAL:.0f} s in total)")
    print(f"{'':24}{'start':>8}{'Preflight':>11}{'exit':>8}{'total':>8}  goal")
    for workload, sides in samples.items():
        for side in ("slipway-fresh", "slipway-rerun"):
            if side not in sides:
                continue
            rounds = sides[side]
            parts = [median(rounds, p) for p in ("start", "Preflight", "exit")]
            total = median(rounds, "fixed overhead")
            met = total <= FIXED_GOAL
            judged.append((f"fixed overhead, {workload} {side}: {total:.2f} s (<= 1 s)", met))
            print(
                f"{workload + ' ' + side.removeprefix('slipway-'):24}"
                + "".join(f"{p:8.2f}" for p in parts[:1])
                + f"{parts[1]:11.2f}{parts[2]:8.2f}{total:8.2f}  {mark(met)}"
            )
    return judged


def goals_table(judged: Sequence[tuple[str, bool]]) -> None:
    """Every goal judged in this run, met or not."""
    print("\ngoals")
    for label, met in judged:
        print(f"  [{'x' if met else ' '}] {label}: {mark(met)}")
