"""The scan inputs -> a frozen `ScanOptions`; each problem is an `InputError` naming the input."""

from __future__ import annotations

from slipway.core.severity import NO_GATE, SCAN, FailOn, Severity
from slipway.errors import InputError
from slipway.inputs.reader import InputReader, did_you_mean, duration, workspace_path
from slipway.oci.refs import TAG, check_reference
from slipway.scan.options import (
    DEFAULT_DB_REPOSITORIES,
    DEFAULT_JAVA_DB_REPOSITORIES,
    SCANNERS,
    ScanOptions,
)

FAIL_ON_HINT = "Use one of {choices}, or none."
_SCANNER_ALIASES = {"vulnerability": "vuln", "misconfig": "config", "secrets": "secret"}


def _severities(reader: InputReader) -> tuple[Severity, ...]:
    values = [value.upper() for value in reader.items("severity")]
    for value in values:
        if value not in SCAN:
            raise InputError(
                "severity",
                f"unknown severity {value!r}",
                did_you_mean(value, [s.value for s in SCAN]),
            )
    return tuple(s for s in SCAN if s in values)


def _fail_on(reader: InputReader) -> FailOn:
    raw = reader.text("fail-on").upper()
    if raw == NO_GATE.upper():
        return NO_GATE
    if raw not in SCAN:
        raise InputError(
            "fail-on", f"{raw!r} is not a severity", FAIL_ON_HINT.format(choices=", ".join(SCAN))
        )
    return Severity(raw)


def _scanners(reader: InputReader) -> tuple[str, ...]:
    found: list[str] = []
    for raw in reader.items("scanners"):
        value = _SCANNER_ALIASES.get(raw.lower(), raw.lower())
        if value not in SCANNERS:
            raise InputError(
                "scanners", f"unknown scanner {raw!r}", did_you_mean(value, list(SCANNERS))
            )
        if value not in found:
            found.append(value)
    return tuple(found)


EXAMPLES = {"trivy-java-db-repository": "ghcr.io/aquasecurity/trivy-java-db:1"}


def _references(reader: InputReader, name: str) -> tuple[str, ...]:
    found = []
    for entry in reader.items(name):
        try:
            found.append(check_reference(entry))
        except ValueError as error:
            example = EXAMPLES.get(name, "ghcr.io/aquasecurity/trivy-db:2")
            raise InputError(name, str(error), f"e.g. `{example}`.") from None
    return tuple(found)


def read_scan_options(reader: InputReader) -> ScanOptions:
    """Read ``scan``, ``severity``, ``fail-on``, ``ignore-unfixed``, ``trivyignores``,
    ``vex``, ``scanners``, ``trivy-db-repository``, ``trivy-java-db-repository``,
    ``trivy-cache-dir``, ``db-max-age``, ``scan-timeout`` and ``sbom-file``."""
    return ScanOptions(
        enabled=reader.boolean("scan"),
        severity=_severities(reader),
        fail_on=_fail_on(reader),
        ignore_unfixed=reader.boolean("ignore-unfixed"),
        trivyignores=tuple(reader.items("trivyignores")),
        vex=tuple(reader.items("vex")),
        scanners=_scanners(reader),
        db_repositories=_references(reader, "trivy-db-repository") or DEFAULT_DB_REPOSITORIES,
        java_db_repositories=_references(reader, "trivy-java-db-repository")
        or DEFAULT_JAVA_DB_REPOSITORIES,
        cache_dir=reader.text("trivy-cache-dir"),
        db_max_age=duration(reader, "db-max-age"),
        timeout=duration(reader, "scan-timeout"),
        sbom_file=workspace_path(reader, "sbom-file"),
        baseline=_baseline(reader),
        base_advice=reader.text("base-advice", "track").lower(),
        fail_on_scope=reader.text("fail-on-scope", "all").lower(),
        fixable_max_age=duration(reader, "fixable-max-age")
        if reader.text("fixable-max-age")
        else None,
    )


BASELINE_HINT = "Name a tag of the first image (`baseline: main`), a full reference, or `none`."


def _baseline(reader: InputReader) -> str:
    """``baseline``: "" (chosen by the event), ``none``, a tag, or a full reference."""
    raw = reader.text("baseline")
    if not raw or raw.lower() == "none":
        return raw.lower()
    if TAG.fullmatch(raw):
        return raw
    try:
        return check_reference(raw)
    except ValueError as error:
        raise InputError("baseline", str(error), BASELINE_HINT) from None
