"""Benchmark: reporting 10,000 findings — table rows, degrade-to-fit (the one fitter) for the
job summary (1 MiB), the comment (65,536 characters) and the check run (65,535), annotation
ordering + capping + emission, check-run annotations in batches of 50, and SARIF gzip+base64.

    .venv/bin/python benchmarks/render_bench.py [--findings 10000] [--rounds 7]

Pure Python, no network or Docker. Goal (issue 6): under 0.3 s for all of it. Prints
each part's median and the total; exits 1 when the goal is missed.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from slipway.core.severity import Level
from slipway.github.reports import batches, check_annotation, pack_sarif
from slipway.report.annotations import Annotation, emit, select
from slipway.report.fit import CHECK_RUN, COMMENT, SUMMARY, Block, Limit, Rows, fit
from slipway.report.markdown import code, text
from slipway.runner.workflow import Workflow

GOAL_SECONDS = 0.3
SEVERITIES = ("UNKNOWN", "LOW", "MEDIUM", "HIGH", "CRITICAL")
HOSTILE = "x%0A::error::pwned <img src=x onerror=alert(1)> @everyone ](javascript:alert(1))"


def synthetic(count: int) -> list[dict[str, Any]]:
    """``count`` findings with long, hostile texts (as a Trivy report would carry)."""
    return [
        {
            "id": f"CVE-2024-{n:05d}",
            "package": f"lib{n % 700}-{HOSTILE if n % 97 == 0 else 'dev'}",
            "installed": f"1.{n % 40}.{n % 7}",
            "fixed": f"1.{n % 40}.{n % 7 + 1}" if n % 3 else "",
            "severity": SEVERITIES[n % 5],
            "title": f"Buffer overflow in parser {n} " + ("A" * 300 if n % 50 == 0 else ""),
            "line": 3 + n % 25,
        }
        for n in range(count)
    ]


def rows(findings: list[dict[str, Any]]) -> tuple[str, ...]:
    """One escaped table row per finding, most severe first."""
    ordered = sorted(findings, key=lambda f: (-SEVERITIES.index(f["severity"]), not f["fixed"]))
    return tuple(
        f"| {f['severity']} | {code(f['id'])} | {code(f['package'])} | "
        f"{code(f['installed'])} → {code(f['fixed']) or '_no fix_'} | {text(f['title'], 120)} |"
        for f in ordered
    )


def sections(table: tuple[str, ...]) -> list[Block | Rows]:
    """A report shaped like the real one: verdict and counts first, then the tables."""
    return [
        Block("verdict", ("**Gate failed**: 2,000 CRITICAL (1,333 fixable)",), required=True),
        Block(
            "counts",
            ("| Platform | CRITICAL | HIGH |\n|---|---|---|\n| linux/amd64 | 2000 | 2000 |",),
            required=True,
        ),
        Rows(
            "findings",
            table,
            title="### Top findings",
            head="| Severity | ID | Package | Installed → Fixed | Title |\n|---|---|---|---|---|",
        ),
    ]


def make_annotations(findings: list[dict[str, Any]]) -> list[Annotation]:
    """One annotation per finding, on its Dockerfile line."""
    return [
        Annotation(
            Level.ERROR if f["severity"] == "CRITICAL" else Level.WARNING,
            f"{f['package']} {f['installed']} ({f['severity']}, fixed in {f['fixed'] or '-'}) "
            f"— introduced here\n{f['title']}",
            title=f"{f['id']} in {f['package']}",
            file="Dockerfile",
            line=f["line"],
            rank=SEVERITIES.index(f["severity"]),
            fixable=bool(f["fixed"]),
            key=f["id"],
        )
        for f in findings
    ]


def sarif(findings: list[dict[str, Any]]) -> dict[str, Any]:
    """A SARIF 2.1.0 document with one result per finding."""
    results = [
        {
            "ruleId": f["id"],
            "level": "error",
            "message": {"text": f"{f['package']} {f['installed']}: {f['title']}"},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": "Dockerfile"},
                        "region": {"startLine": f["line"]},
                    }
                }
            ],
        }
        for f in findings
    ]
    return {
        "version": "2.1.0",
        "runs": [{"tool": {"driver": {"name": "Trivy"}}, "results": results}],
    }


def measure(rounds: int, work: Callable[[], object]) -> float:
    """The median wall time of ``work`` over ``rounds``."""
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    """Run every part ``--rounds`` times and print the medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--findings", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    findings = synthetic(args.findings)
    table = rows(findings)
    marks = make_annotations(findings)

    def fitted(limit: Limit) -> Callable[[], None]:
        def work() -> None:
            assert fit(sections(table), limit).size <= limit.size

        return work

    def annotate() -> None:
        emit(Workflow({}, io.StringIO()), select(marks))
        batches([a for a in map(check_annotation, marks) if a])

    parts = {
        "table rows (escaping)": lambda: rows(findings),
        "summary fit (1 MiB)": fitted(SUMMARY),
        "comment fit (65,536 chars)": fitted(COMMENT),
        "check run fit (65,535 bytes)": fitted(CHECK_RUN),
        "annotations + check-run batches": annotate,
        "SARIF gzip+base64": lambda: pack_sarif(sarif(findings)),
    }
    total = 0.0
    print(f"{args.findings} findings, median of {args.rounds} rounds")
    for name, work in parts.items():
        seconds = measure(args.rounds, work)
        total += seconds
        print(f"  {name:<34} {seconds * 1000:8.1f} ms")
    verdict = "ok" if total < GOAL_SECONDS else "OVER"
    print(
        f"  {'total':<34} {total * 1000:8.1f} ms  (goal < {GOAL_SECONDS * 1000:.0f} ms: {verdict})"
    )
    return 0 if total < GOAL_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
