"""What the scan stage is asked to do: a frozen `ScanOptions`, read from the inputs."""

from __future__ import annotations

from dataclasses import dataclass

from slipway.core.severity import SCAN, FailOn, Severity, blocking

SCANNERS = ("vuln", "secret", "config")

# Trivy 0.76's own default (mirror.gcr.io), then the two public mirrors trivy-action users
# fall back to by hand when one of them answers TOOMANYREQUESTS.
DEFAULT_DB_REPOSITORIES = (
    "mirror.gcr.io/aquasec/trivy-db:2",
    "ghcr.io/aquasecurity/trivy-db:2",
    "public.ecr.aws/aquasecurity/trivy-db:2",
)
# Trivy 0.76's own two (trivy-java-db has no public.ecr.aws copy).
DEFAULT_JAVA_DB_REPOSITORIES = (
    "mirror.gcr.io/aquasec/trivy-java-db:1",
    "ghcr.io/aquasecurity/trivy-java-db:1",
)
DEFAULT_DB_MAX_AGE = 7 * 24 * 3600.0
DEFAULT_SCAN_TIMEOUT = 600.0


@dataclass(frozen=True)
class ScanOptions:
    """The scan inputs, validated."""

    enabled: bool = True
    severity: tuple[Severity, ...] = (Severity.HIGH, Severity.CRITICAL)  # what is reported
    fail_on: FailOn = Severity.CRITICAL  # the gate: a severity, or "none"
    ignore_unfixed: bool = False
    trivyignores: tuple[str, ...] = ()
    vex: tuple[str, ...] = ()
    scanners: tuple[str, ...] = SCANNERS
    db_repositories: tuple[str, ...] = DEFAULT_DB_REPOSITORIES
    java_db_repositories: tuple[str, ...] = DEFAULT_JAVA_DB_REPOSITORIES  # when a JAR needs it
    cache_dir: str = ""  # empty: Trivy's default (~/.cache/trivy)
    db_max_age: float = DEFAULT_DB_MAX_AGE  # seconds
    timeout: float = DEFAULT_SCAN_TIMEOUT  # seconds per Trivy run
    sbom_file: str = ""  # CycloneDX per platform when set
    db_retries: int = 3  # attempts per repository
    insecure_registries: tuple[str, ...] = ()  # plain HTTP allowed there (the input of that name)
    db_backoff: float = 2.0  # seconds before the 2nd attempt; doubles after
    baseline: str = ""  # `baseline`: "" (by the event), "none", a tag or a reference
    fail_on_scope: str = "all"  # `fail-on-scope`: all findings, or only the new ones
    fixable_max_age: float | None = None  # seconds; `fixable-max-age`, with scope new
    base_advice: str = "track"  # `base-advice`: track, minor or none

    @property
    def gate_severities(self) -> tuple[Severity, ...]:
        """Severities that fail the gate (``fail-on`` and above)."""
        return blocking(self.fail_on)

    @property
    def scan_severities(self) -> tuple[Severity, ...]:
        """What Trivy must find: the report's severities plus everything the gate counts."""
        wanted = set(self.severity) | set(self.gate_severities)
        return tuple(s for s in SCAN if s in wanted)

    @property
    def image_scanners(self) -> tuple[str, ...]:
        """Scanners run on images (``config`` runs on the Dockerfile instead)."""
        return tuple(s for s in self.scanners if s != "config")
