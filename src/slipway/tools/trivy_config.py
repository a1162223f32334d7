"""``trivy config`` on one Dockerfile: argv (pure), JSON report parsing (pure), a thin run.

Trivy's embedded Dockerfile checks (DS-xxxx) work offline with ``--skip-check-update``;
their IDs are mapped onto Slipway's rules in `slipway.policy.catalog`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from slipway.errors import ScanError
from slipway.policy.model import Source, ToolFinding
from slipway.tools.run import Runner

UNREADABLE = "trivy config wrote an unreadable report: {error}"
FAILED = "trivy config exited with {code}:\n{tail}"


def config_argv(dockerfile: str, report_file: str, *, cache_dir: str = "") -> list[str]:
    """The ``trivy config`` command line for one Dockerfile (any file name)."""
    pattern = "dockerfile:^" + re.escape(Path(dockerfile).name) + "$"
    argv = ["trivy", "config", "--quiet", "--skip-check-update", "--format", "json"]
    argv += ["--output", report_file, "--misconfig-scanners", "dockerfile"]
    argv += ["--file-patterns", pattern]
    if cache_dir:
        argv += ["--cache-dir", cache_dir]
    argv.append(dockerfile)
    return argv


def parse_config_report(text: str) -> list[ToolFinding]:
    """The failed checks of a ``trivy config --format json`` report."""
    try:
        report: dict[str, Any] = json.loads(text)
    except ValueError as error:
        raise ScanError(UNREADABLE.format(error=error)) from None
    found: list[ToolFinding] = []
    for result in report.get("Results") or []:
        for check in result.get("Misconfigurations") or []:
            if check.get("Status", "FAIL") != "FAIL":
                continue
            cause = check.get("CauseMetadata") or {}
            found.append(
                ToolFinding(
                    Source.TRIVY,
                    str(check.get("ID", "")),
                    int(cause.get("StartLine") or 0),
                    str(check.get("Message") or check.get("Title") or ""),
                    str(result.get("Target", "")),
                )
            )
    return found


def check_dockerfile(
    runner: Runner, dockerfile: Path, report_file: Path, *, cache_dir: str = ""
) -> list[ToolFinding]:
    """Run ``trivy config`` on ``dockerfile`` and parse its report."""
    argv = config_argv(str(dockerfile), str(report_file), cache_dir=cache_dir)
    result = runner.run(argv, timeout=300)
    if result.returncode != 0:
        tail = "\n".join((result.stderr or result.stdout).strip().splitlines()[-5:])
        raise ScanError(FAILED.format(code=result.returncode, tail=tail))
    return parse_config_report(report_file.read_text(encoding="utf-8"))
