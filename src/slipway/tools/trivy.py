"""Trivy: argv builders (pure), JSON report parsers (pure), thin runs.

Only machine output is read: ``--format json`` reports and ``trivy version --format json``.
Platform scans share one cache directory; Trivy locks it, so they run one after another
and all but the DB download use ``--skip-db-update``. ``trivy config`` on the Dockerfile
(`check_dockerfile`) runs once per run, alongside the build; `slipway.core.plan.ConfigFindings`
says whether its findings go to the policy or to the scan.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from slipway.core.severity import Severity
from slipway.errors import ScanError, ToolError
from slipway.scan.db import VULNERABILITY_DB, Database
from slipway.scan.findings import Misconfiguration, Secret, Vulnerability
from slipway.tools.remembered import identity as program_identity
from slipway.tools.remembered import remembered
from slipway.tools.run import Result, Runner

__all__ = [
    "Misconfiguration",
    "Secret",
    "Vulnerability",
    "check_dockerfile",
    "config_argv",
    "download_db_argv",
    "image_argv",
    "load_report",
    "parse_db_metadata",
    "parse_image_document",
    "parse_image_report",
    "parse_misconfigurations",
    "parse_next_update",
    "run_trivy",
]


REPORT_UNREADABLE = "Trivy wrote an unreadable report: {error}"
TRIVY_FAILED = "trivy {command} exited with {code}:\n{tail}"


@dataclass(frozen=True)
class ImageRequest:
    """One ``trivy image`` run: a remote reference, or ``image`` inside ``layout_dir``."""

    image: str
    report_file: str
    severities: Sequence[str]
    db_repositories: Sequence[str]
    cache_dir: str
    insecure: bool
    scanners: Sequence[str] = ("vuln",)
    skip_db_update: bool = False
    ignore_unfixed: bool = False
    ignorefile: str = ""
    vex: Sequence[str] = ()
    platform: str = ""
    layout_dir: str = ""
    output_format: str = "json"


def image_argv(request: ImageRequest) -> list[str]:
    """The ``trivy image`` command line for ``request``."""
    r = request
    output_format, report_file = r.output_format, r.report_file
    argv = ["trivy", "image", "--quiet", "--format", output_format, "--output", report_file]
    if output_format == "json":
        argv += ["--scanners", ",".join(r.scanners), "--severity", ",".join(r.severities)]
    if r.skip_db_update:
        argv.append("--skip-db-update")
    elif r.db_repositories:
        argv += ["--db-repository", ",".join(r.db_repositories)]
    # Trivy never fetches the Java DB itself: Slipway does, the first time a scan meets a
    # JAR (`slipway.scan.db.needs_java_db`), with its retries and fallback (issue 28).
    argv.append("--skip-java-db-update")
    if r.cache_dir:
        argv += ["--cache-dir", r.cache_dir]
    if r.ignore_unfixed:
        argv.append("--ignore-unfixed")
    if r.ignorefile:
        argv += ["--ignorefile", r.ignorefile]
    for document in r.vex:
        argv += ["--vex", document]
    if r.platform:
        argv += ["--platform", r.platform]
    if r.insecure:
        argv.append("--insecure")
    if r.layout_dir:
        # An OCI layout holding an index: --platform picks the manifest (push: false).
        return [*argv, "--input", r.layout_dir]
    return [*argv, "--image-src", "remote", r.image]


def download_db_argv(
    repository: str, cache_dir: str, *, insecure: bool, database: Database = VULNERABILITY_DB
) -> list[str]:
    """Download (or refresh) ``database`` from one repository into ``cache_dir``; Trivy
    leaves a DB it deems fresh (its NextUpdate ahead) as it is."""
    argv = ["trivy", "image", database.download_flag, "--quiet"]
    argv += [database.repository_flag, repository]
    argv += ["--cache-dir", cache_dir, "--no-progress"]
    if insecure:
        argv.append("--insecure")
    return argv


def version(runner: Runner) -> str:
    """Trivy's version (``trivy --version --format json``: ``{"Version": "0.76.0"}``), for
    the gate's signed verdict; "" when it cannot be told."""
    result = runner.run(["trivy", "--version", "--format", "json"], quiet=True, timeout=60)
    try:
        found = json.loads(result.stdout).get("Version", "") if result.returncode == 0 else ""
    except (ValueError, AttributeError):
        return ""
    return found if isinstance(found, str) else ""


def identity(runner: Runner) -> str:
    """Which Trivy this is, without running it (the scan-reuse key)."""
    return program_identity(runner, "trivy")


def config_argv(dockerfile: str, report_file: str) -> list[str]:
    """``trivy config`` on one Dockerfile (any file name), offline with the embedded checks
    (DS-xxxx); every severity: the policy gives its own, the scan filters its report."""
    # Trivy finds Dockerfiles by name; `Dockerfile.prod` is one only through a pattern.
    pattern = "dockerfile:^" + re.escape(Path(dockerfile).name) + "$"
    argv = ["trivy", "config", "--quiet", "--skip-check-update", "--format", "json"]
    argv += ["--output", report_file, "--misconfig-scanners", "dockerfile"]
    return [*argv, "--file-patterns", pattern, dockerfile]


def check_dockerfile(
    runner: Runner,
    dockerfile: Path,
    report_file: Path,
    *,
    display_path: str,
    timeout: float,
    remember: Path | None = None,
) -> list[Misconfiguration]:
    """Run ``trivy config`` on ``dockerfile``; its failed checks, in ``display_path``. With
    ``remember``, the report of the same Trivy on the same bytes is taken from there."""

    def run() -> str:
        run_trivy(runner, config_argv(str(dockerfile), str(report_file)), timeout=timeout)
        return report_file.read_text(encoding="utf-8")

    build = identity(runner)
    parts: list[str | bytes] = ["trivy config", build, *config_argv("", "")]
    parts.append(dockerfile.read_bytes())
    folder = remember if build else None  # a Trivy that cannot be told apart: run it
    return parse_misconfigurations(remembered(folder, parts, run), display_path)


def _load(text: str) -> dict[str, Any]:
    try:
        report = json.loads(text)
    except ValueError as error:
        raise ScanError(REPORT_UNREADABLE.format(error=error)) from None
    if not isinstance(report, dict):
        raise ScanError(REPORT_UNREADABLE.format(error="not a JSON object"))
    return report


def _results(report: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [r for r in report.get("Results") or [] if isinstance(r, Mapping)]


def load_report(text: str) -> dict[str, Any]:
    """A Trivy JSON report as a dict; a ScanError when it is not one."""
    return _load(text)


def parse_image_report(text: str) -> tuple[list[Vulnerability], list[Secret]]:
    """Vulnerabilities and secrets of one ``trivy image`` report, read in one pass."""
    return parse_image_document(_load(text))


def parse_image_document(report: Mapping[str, Any]) -> tuple[list[Vulnerability], list[Secret]]:
    """Vulnerabilities and secrets of an already loaded ``trivy image`` report."""
    vulnerabilities: list[Vulnerability] = []
    secrets: list[Secret] = []
    for result in _results(report):
        target = str(result.get("Target", ""))
        kind = str(result.get("Type", ""))
        vulnerabilities.extend(
            _vulnerability(vuln, target, kind) for vuln in result.get("Vulnerabilities") or []
        )
        secrets.extend(_secret(secret, target) for secret in result.get("Secrets") or [])
    return vulnerabilities, secrets


def _secret(secret: Mapping[str, Any], target: str) -> Secret:
    layer = secret.get("Layer") or {}
    return Secret(
        rule=str(secret.get("RuleID", "")),
        category=str(secret.get("Category", "")),
        severity=Severity.read(str(secret.get("Severity") or "")),
        title=str(secret.get("Title", "")),
        path="/" + target.lstrip("/"),
        line=int(secret.get("StartLine") or 0),
        layer=str(layer.get("DiffID", "")),
    )


def parse_misconfigurations(text: str, dockerfile: str) -> list[Misconfiguration]:
    """Failed checks of a ``trivy config`` report on one Dockerfile."""
    found: list[Misconfiguration] = []
    for result in _results(_load(text)):
        for check in result.get("Misconfigurations") or []:
            if str(check.get("Status", "FAIL")) != "FAIL":
                continue
            cause = check.get("CauseMetadata") or {}
            start, end = cause.get("StartLine"), cause.get("EndLine")
            found.append(
                Misconfiguration(
                    id=str(check.get("ID") or check.get("AVDID") or ""),
                    severity=Severity.read(str(check.get("Severity") or "")),
                    title=str(check.get("Title", "")),
                    message=str(check.get("Message", "")),
                    url=str(check.get("PrimaryURL", "")),
                    file=dockerfile,
                    start_line=int(start) if start else None,
                    end_line=int(end) if end else None,
                )
            )
    return found


def _vulnerability(vuln: Mapping[str, Any], target: str, kind: str) -> Vulnerability:
    # Called once per finding (10,000s in a big report): plain lookups, no copies; Trivy
    # writes these fields as strings, `or ""` covers null and absent.
    get = vuln.get
    layer = get("Layer") or {}
    return Vulnerability(
        get("VulnerabilityID") or "",
        get("PkgName") or "",
        get("InstalledVersion") or "",
        get("FixedVersion") or "",
        Severity.read(get("Severity") or ""),
        get("Title") or "",
        get("PrimaryURL") or "",
        target,
        get("PkgPath") or "",
        kind,
        layer.get("DiffID") or "",
        published=str(get("PublishedDate") or "")[:40],
    )


def parse_db_metadata(text: str) -> tuple[datetime | None, datetime | None]:
    """(UpdatedAt, DownloadedAt) of a DB ``metadata.json``; None when absent or zero."""
    try:
        data = json.loads(text)
    except ValueError:
        return None, None
    if not isinstance(data, dict):
        return None, None
    return _go_time(data.get("UpdatedAt")), _go_time(data.get("DownloadedAt"))


def parse_next_update(text: str) -> datetime | None:
    """NextUpdate of a DB ``metadata.json``: when Trivy would fetch a newer one."""
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return _go_time(data.get("NextUpdate")) if isinstance(data, dict) else None


def _go_time(value: object) -> datetime | None:
    if not isinstance(value, str) or value.startswith("0001-"):
        return None
    head, _, rest = value.partition(".")
    zone = rest[rest.find("+") :] if "+" in rest else ("+00:00" if value.endswith("Z") else "")
    try:
        return datetime.fromisoformat(head.removesuffix("Z") + zone)
    except ValueError:
        return None


def run_trivy(runner: Runner, argv: list[str], *, timeout: float) -> Result:
    """Run Trivy; a non-zero exit is a ScanError carrying the last lines of its log."""
    try:
        result = runner.run(argv, timeout=timeout)
    except ToolError as error:
        raise ScanError(error.message, error.hint) from None
    if result.returncode != 0:
        raise ScanError(
            TRIVY_FAILED.format(command=argv[1], code=result.returncode, tail=tail(result))
        )
    return result


def tail(result: Result, lines: int = 5) -> str:
    """The last lines of a program's output, for an error message."""
    return "\n".join((result.stderr or result.stdout).strip().splitlines()[-lines:])
