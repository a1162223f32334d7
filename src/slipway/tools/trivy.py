"""Trivy: ``trivy image`` argv (pure), JSON report parsing (pure), a thin run."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from slipway.errors import ScanError
from slipway.tools.run import Runner


@dataclass(frozen=True)
class Vulnerability:
    """One finding, as Trivy reports it."""

    id: str
    package: str
    installed: str
    fixed: str
    severity: str
    title: str
    url: str
    target: str

    @property
    def fixable(self) -> bool:
        """True when a fixed version exists."""
        return bool(self.fixed)


@dataclass(frozen=True)
class ImageScan:
    """Trivy's findings for one platform image."""

    platform: str
    image: str
    vulnerabilities: tuple[Vulnerability, ...]


def image_argv(
    image: str,
    report_file: str,
    *,
    severities: Sequence[str],
    db_repositories: Sequence[str],
    cache_dir: str,
    insecure: bool,
) -> list[str]:
    """The ``trivy image`` command line for one image reference."""
    argv = ["trivy", "image", "--quiet", "--format", "json", "--output", report_file]
    argv += ["--scanners", "vuln", "--severity", ",".join(severities), "--image-src", "remote"]
    if db_repositories:
        argv += ["--db-repository", ",".join(db_repositories)]
    if cache_dir:
        argv += ["--cache-dir", cache_dir]
    if insecure:
        argv.append("--insecure")
    argv.append(image)
    return argv


def parse_report(text: str) -> list[Vulnerability]:
    """The vulnerabilities of a Trivy JSON report (schema version 2)."""
    try:
        report: dict[str, Any] = json.loads(text)
    except ValueError as error:
        raise ScanError(f"Trivy wrote an unreadable report: {error}") from None
    found: list[Vulnerability] = []
    for result in report.get("Results") or []:
        for vuln in result.get("Vulnerabilities") or []:
            found.append(_vulnerability(vuln, str(result.get("Target", ""))))
    return found


def _vulnerability(vuln: Mapping[str, Any], target: str) -> Vulnerability:
    return Vulnerability(
        id=str(vuln.get("VulnerabilityID", "")),
        package=str(vuln.get("PkgName", "")),
        installed=str(vuln.get("InstalledVersion", "")),
        fixed=str(vuln.get("FixedVersion", "")),
        severity=str(vuln.get("Severity", "UNKNOWN")).upper(),
        title=str(vuln.get("Title", "")),
        url=str(vuln.get("PrimaryURL", "")),
        target=target,
    )


def scan_image(runner: Runner, argv: list[str], report_file: Path) -> list[Vulnerability]:
    """Run one ``trivy image`` and parse its report."""
    result = runner.run(argv, timeout=1800)
    if result.returncode != 0:
        tail = "\n".join((result.stderr or result.stdout).strip().splitlines()[-5:])
        raise ScanError(f"trivy image exited with {result.returncode}:\n{tail}")
    return parse_report(report_file.read_text(encoding="utf-8"))
