"""Findings shared by the scan unit tests."""

from __future__ import annotations

from slipway.core.severity import Severity
from slipway.scan.findings import Misconfiguration, PlatformScan, Secret, Vulnerability


def vuln(
    vuln_id: str, severity: Severity, fixed: str = "1.1", package: str = "openssl"
) -> Vulnerability:
    return Vulnerability(
        vuln_id,
        package,
        "1.0",
        fixed,
        severity,
        f"title {vuln_id}",
        f"https://avd.test/{vuln_id}",
        "debian",
    )


SECRET = Secret(
    "aws-access-key-id", "AWS", Severity.CRITICAL, "AWS Access Key ID", "/root/.aws/c", 1
)
MISCONFIG = Misconfiguration(
    "DS-0002", Severity.HIGH, "root user", "Last USER is root", "", "Dockerfile", 4, 4
)

SCANS = (
    PlatformScan(
        "linux/amd64",
        "r@sha256:a",
        (
            vuln("CVE-1", Severity.CRITICAL),
            vuln("CVE-2", Severity.HIGH),
            vuln("CVE-3", Severity.LOW),
        ),
        (SECRET,),
        digest="sha256:a",
    ),
    PlatformScan(
        "linux/arm64",
        "r@sha256:b",
        (
            vuln("CVE-1", Severity.CRITICAL),
            vuln("CVE-4", Severity.CRITICAL, fixed=""),
            vuln("CVE-2", Severity.HIGH),
        ),
        (SECRET,),
        digest="sha256:b",
    ),
)
