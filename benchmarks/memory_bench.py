"""Benchmark: the peak memory of a Slipway process handling a 10,000-finding, two-platform
report.

A child Python process does what the action's process does with such a report, with the
real code: the scan stage (``slipway.stages.scan.scan_platforms``: two platforms, the DB
step, each platform's report read, parsed and attributed to Dockerfile lines, the scan
results kept for reuse, the merged report written), the gate, then the reports: the job
summary, the PR comment and the check run's output (rendered once, fitted to 1 MiB, 65,536
characters and 65,535 bytes), the annotations (selected and written), the check run's
annotation batches, and SARIF (rendered, written, gzip+base64 for upload). Only Trivy is not run: a
stand-in copies a Trivy report made beforehand (by the parent, from Trivy's golden report
as benchmarks/scan_bench.py makes it) to where Trivy would write it, as Trivy is its own
process whose memory is not Slipway's.

Peak RSS is read twice: the child's own high-water mark (``VmHWM`` in /proc/self/status)
and ``getrusage(RUSAGE_CHILDREN).ru_maxrss`` in the parent. A child that only imports the
same modules gives the floor. Goal (issue 18): at most 200 MB.

    .venv/bin/python benchmarks/memory_bench.py [--findings 10000]

Pure Python, no Docker or network; a few seconds. Exits 1 when the goal is missed.
"""

from __future__ import annotations

import argparse
import io
import json
import resource
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from tests.unit.scan.fakes import FakeTrivyRunner, synthetic_report

from slipway.core.context import read_context
from slipway.core.gate import gate_reasons
from slipway.core.plan import make_plan
from slipway.core.severity import SCAN, Severity
from slipway.dockerfile.model import parse_dockerfile
from slipway.github.reports import batches, check_annotation, pack_sarif
from slipway.inputs import read_inputs
from slipway.policy.model import PolicyFindings
from slipway.report import annotations as ann
from slipway.report.fit import CHECK_RUN, COMMENT, SUMMARY, fit
from slipway.report.sarif import render_sarif
from slipway.report.summary import Outcome, summary_sections
from slipway.runner.workflow import Workflow
from slipway.scan.options import ScanOptions
from slipway.stages import scan as stage
from slipway.stages.report import finding_annotations
from slipway.tools.run import Result

GOAL_MB = 200.0
SEVERITIES = SCAN  # report all: the worst case
PLATFORMS = ("linux/amd64", "linux/arm64")
DOCKERFILE = ROOT / "examples" / "hello" / "Dockerfile"


def high_water_mb() -> float:
    """This process's peak resident set (VmHWM), in MB."""
    for line in Path("/proc/self/status").read_text(encoding="utf-8").splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024 / 1e6
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6


def child(report: Path, work: Path, *, idle: bool) -> None:
    """In the child: (unless ``idle``) handle the report as the action's process does."""
    if idle:
        print(f"{high_water_mb():.1f}")
        return

    class CopyingTrivy(FakeTrivyRunner):
        """The stage's Trivy: `trivy image` writes the prepared report; the rest as the fake."""

        def run(self, argv: Sequence[str], **kwargs: Any) -> Result:
            args = list(argv)
            if args[1] == "image" and "--download-db-only" not in args:
                self.commands.append(tuple(argv))
                shutil.copyfile(report, args[args.index("--output") + 1])
                return Result(tuple(argv), 0, "", "")
            return super().run(argv, **kwargs)

    now = datetime.now(UTC)
    dockerfile = parse_dockerfile(DOCKERFILE.read_text(encoding="utf-8"), "Dockerfile")
    options = ScanOptions(severity=SEVERITIES, db_repositories=("db/a:2",),
                          cache_dir=str(work / "cache"))  # fmt: skip
    targets = [
        stage.ScanTarget(p, f"sha256:{n:064x}", f"r@sha256:{n:064x}")
        for n, p in enumerate(PLATFORMS)
    ]
    job = stage.ScanJob(options, targets, dockerfile, work / "run", work / "reports", now)
    job.work.mkdir()
    scanned = stage.scan_platforms(CopyingTrivy({}), job)
    scans = tuple(scanned.scans)
    failures = tuple(gate_reasons(Severity.CRITICAL, scans))

    env = {"INPUT_IMAGES": "127.0.0.1:5000/app", "INPUT_PUSH": "true",
           "INPUT_SEVERITY": ",".join(SEVERITIES)}  # fmt: skip
    context = read_context({"GITHUB_REF": "refs/heads/main", "GITHUB_SHA": "a" * 40}, {})
    plan = make_plan(read_inputs(env), context, env={}, now=now)
    digests = {t.platform: t.digest for t in targets}
    outcome = Outcome("sha256:" + "f" * 64, digests, ("127.0.0.1:5000/app:main",), scans, failures)
    sections = summary_sections(plan, outcome)
    summary = fit(sections, SUMMARY).text
    (work / "summary.md").write_text(summary, encoding="utf-8")
    (work / "comment.md").write_text(fit(sections, COMMENT).text, encoding="utf-8")
    (work / "check-run.md").write_text(fit(sections, CHECK_RUN).text, encoding="utf-8")
    marks = finding_annotations(plan, scans, PolicyFindings())
    ann.emit(Workflow({}, io.StringIO()), ann.select(marks))
    checks = [found for m in marks if (found := check_annotation(m)) is not None]
    json.dumps(batches(checks))
    sarif = render_sarif(scans, (), plan.scan.severity, "Dockerfile", plan.scan.fail_on)
    text = json.dumps(sarif, separators=(",", ":"))
    (work / "slipway-scan.sarif").write_text(text, encoding="utf-8")
    pack_sarif(text)
    findings = sum(len(s.vulnerabilities) for s in scans)
    print(f"{high_water_mb():.1f} {findings} {len(summary)} {len(text)}")


def run_child(report: Path, work: Path, *, idle: bool) -> tuple[list[str], float]:
    """Run the child; its printed fields and the parent's view of its peak RSS (MB)."""
    argv = [sys.executable, __file__, "--child", str(report), str(work)]
    done = subprocess.run([*argv, *(["--idle"] if idle else [])], capture_output=True,
                          text=True, check=False, timeout=600)  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"the child failed:\n{done.stderr[-3000:]}")
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024 / 1e6
    return done.stdout.split(), children


def main() -> int:
    """Make the report, run the idle and the working child, print the peaks."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--findings", type=int, default=10_000)
    parser.add_argument("--child", nargs=2, metavar=("REPORT", "WORK"), help=argparse.SUPPRESS)
    parser.add_argument("--idle", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(Path(args.child[0]), Path(args.child[1]), idle=args.idle)
        return 0
    peak, _ = measure(args.findings)
    return 0 if peak <= GOAL_MB else 1


def measure(findings: int = 10_000) -> tuple[float, bool]:
    """Print the floor and the peak; return the peak (MB) and whether the goal is met."""
    with tempfile.TemporaryDirectory(prefix="slipway-memory-") as tmp:
        base = Path(tmp)
        report = base / "trivy-report.json"
        report.write_text(json.dumps(synthetic_report(findings, secrets=10)), encoding="utf-8")
        (base / "idle").mkdir()
        (base / "work").mkdir()
        idle, _ = run_child(report, base / "idle", idle=True)
        fields, children = run_child(report, base / "work", idle=False)
        size = report.stat().st_size / 1e6
    peak, kept = float(fields[0]), int(fields[1])
    print(f"a {findings}-finding Trivy report ({size:.1f} MB of JSON) per platform, "
          f"{len(PLATFORMS)} platforms, every severity reported ({kept} findings kept):")  # fmt: skip
    print(f"  modules imported, idle:  peak RSS {float(idle[0]):6.1f} MB")
    print(f"  scan stage + reports:    peak RSS {peak:6.1f} MB (VmHWM); "
          f"getrusage(RUSAGE_CHILDREN) {children:.1f} MB")  # fmt: skip
    met = max(peak, children) <= GOAL_MB
    print(f"  goal <= {GOAL_MB:.0f} MB: {'met' if met else 'NOT MET'}")
    return max(peak, children), met


if __name__ == "__main__":
    sys.exit(main())
