"""The advisories planted in tests/data/trivy-db, as a table tests can assert on.

One row per (advisory, ecosystem bucket, source package). Trivy reports a row once per
installed BINARY package built from that source (``libssl3`` and ``openssl`` both come from
``openssl``), so assert on IDs and packages rather than on counts. The integration test
``test_planted_table_matches_yaml`` keeps this table and the YAML in step.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    """Trivy's severity names, lowest first."""

    UNKNOWN = "UNKNOWN"
    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"
    CRITICAL = "CRITICAL"


@dataclass(frozen=True)
class Planted:
    """One planted advisory for one package.

    ``fixed_version`` is ``None`` for an unfixed advisory; ``reported`` is False for one that
    affects no image we build (fixed before the distribution's release).
    """

    vuln_id: str
    bucket: str
    package: str
    severity: Severity
    fixed_version: str | None
    reported: bool = True


DEBIAN = "debian 12"
ALPINE_319 = "alpine 3.19"
ALPINE_320 = "alpine 3.20"
PIP = "pip::GitHub Security Advisory pip"
MAVEN = "maven::GitHub Security Advisory Maven"

PLANTED: tuple[Planted, ...] = (
    Planted("CVE-2099-10001", DEBIAN, "openssl", Severity.CRITICAL, "3.0.99-1~deb12u1"),
    Planted("CVE-2099-10002", DEBIAN, "python3.11", Severity.HIGH, "3.11.2-6+deb12u99"),
    Planted("CVE-2099-10003", DEBIAN, "glibc", Severity.HIGH, None),
    Planted("CVE-2099-10004", DEBIAN, "zlib", Severity.MEDIUM, "1:1.2.13.dfsg-1+deb12u99"),
    Planted("CVE-2099-10005", DEBIAN, "expat", Severity.LOW, "2.5.0-1+deb12u99"),
    Planted("CVE-2099-10006", DEBIAN, "openssl", Severity.HIGH, "3.0.2-0~deb12u1", reported=False),
    Planted("CVE-2099-20001", ALPINE_319, "openssl", Severity.HIGH, "3.1.99-r0"),
    Planted("CVE-2099-20002", ALPINE_319, "musl", Severity.MEDIUM, "1.2.4_git20230717-r99"),
    Planted("CVE-2099-20003", ALPINE_319, "busybox", Severity.CRITICAL, "1.36.1-r99"),
    Planted("CVE-2099-20001", ALPINE_320, "openssl", Severity.HIGH, "3.3.99-r0"),
    Planted("CVE-2099-20002", ALPINE_320, "musl", Severity.MEDIUM, "1.2.5-r99"),
    Planted("CVE-2099-20003", ALPINE_320, "busybox", Severity.CRITICAL, "1.36.1-r99"),
    Planted("CVE-2099-30001", PIP, "requests", Severity.MEDIUM, "2.32.4"),
    Planted("CVE-2099-30002", PIP, "setuptools", Severity.HIGH, "78.1.1"),
    Planted("CVE-2099-40001", MAVEN, "com.example.slipway:greeter", Severity.CRITICAL, "1.2.4"),
)


def planted_in(bucket: str, *, reported: bool | None = True) -> tuple[Planted, ...]:
    """Rows of one ecosystem bucket; ``reported=None`` includes never-reported ones too."""
    return tuple(
        p for p in PLANTED if p.bucket == bucket and (reported is None or p.reported == reported)
    )
