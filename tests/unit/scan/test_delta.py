"""The difference between the image just built and its baseline, as a table of cases."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from slipway.core.severity import Severity
from slipway.scan.delta import (
    Baseline,
    Bump,
    Delta,
    PlatformDelta,
    diff,
    secret_identity,
    vulnerability_identity,
)
from slipway.scan.findings import PlatformScan, Secret, Vulnerability

AMD, ARM = "linux/amd64", "linux/arm64"
REF = "ghcr.io/o/app:main"


def v(
    vuln_id: str,
    package: str = "openssl",
    installed: str = "1.0",
    severity: Severity = Severity.HIGH,
    *,
    pkg_path: str = "",
) -> Vulnerability:
    return Vulnerability(
        vuln_id,
        package,
        installed,
        "9.9",
        severity,
        f"title {vuln_id}",
        f"https://avd.test/{vuln_id}",
        "debian",
        pkg_path=pkg_path,
    )


def s(
    rule: str, path: str = "/app/.env", line: int = 1, severity: Severity = Severity.CRITICAL
) -> Secret:
    return Secret(rule, "AWS", severity, f"title {rule}", path, line)


def scan(
    platform: str, vulns: tuple[Vulnerability, ...] = (), secrets: tuple[Secret, ...] = ()
) -> PlatformScan:
    return PlatformScan(platform, f"r@{platform}", vulns, secrets)


def base(*scans: PlatformScan) -> Baseline:
    return Baseline(REF, "sha256:base", scans, source="scanned")


def shape(delta: Delta) -> dict[str, dict[str, Any]]:
    """The delta as names: what the table below states."""
    out: dict[str, dict[str, Any]] = {}
    for p in delta.platforms:
        row: dict[str, Any] = {
            "new": [f"{x.id}:{x.package}@{x.installed}" for x in p.new_vulnerabilities],
            "fixed": [f"{x.id}:{x.package}@{x.installed}" for x in p.fixed_vulnerabilities],
            "unchanged": [f"{x.id}:{x.package}@{x.installed}" for x in p.unchanged_vulnerabilities],
            "bumps": [
                f"{b.vulnerability.id}:{b.previous}->{b.vulnerability.installed}" for b in p.bumps
            ],
            "new secrets": [f"{x.rule}:{x.path}:{x.line}" for x in p.new_secrets],
            "fixed secrets": [f"{x.rule}:{x.path}:{x.line}" for x in p.fixed_secrets],
            "unchanged secrets": [f"{x.rule}:{x.path}:{x.line}" for x in p.unchanged_secrets],
        }
        out[p.platform] = {key: value for key, value in row.items() if value}
    return out


CASES: list[tuple[str, tuple[PlatformScan, ...], Baseline, dict[str, dict[str, Any]]]] = [
    (
        "same image: everything unchanged",
        (scan(AMD, (v("CVE-1"), v("CVE-2", "zlib")), (s("aws"),)),),
        base(scan(AMD, (v("CVE-1"), v("CVE-2", "zlib")), (s("aws"),))),
        {
            AMD: {
                "unchanged": ["CVE-1:openssl@1.0", "CVE-2:zlib@1.0"],
                "unchanged secrets": ["aws:/app/.env:1"],
            }
        },
    ),
    (
        "an added package brings a new finding",
        (scan(AMD, (v("CVE-9", "curl"), v("CVE-1"))),),
        base(scan(AMD, (v("CVE-1"),))),
        {AMD: {"new": ["CVE-9:curl@1.0"], "unchanged": ["CVE-1:openssl@1.0"]}},
    ),
    (
        "a removed package fixes its findings, as found in the baseline, in its order",
        (scan(AMD, (v("CVE-1"),)),),
        base(scan(AMD, (v("CVE-3", "zlib", "0.9"), v("CVE-1"), v("CVE-2", "curl", "7.0")))),
        {AMD: {"fixed": ["CVE-3:zlib@0.9", "CVE-2:curl@7.0"], "unchanged": ["CVE-1:openssl@1.0"]}},
    ),
    (
        "a version bump that keeps the advisory is unchanged, with the previous version",
        (scan(AMD, (v("CVE-1", installed="1.2.4"), v("CVE-2", installed="2.0"))),),
        base(scan(AMD, (v("CVE-1", installed="1.2.3"), v("CVE-2", installed="2.0")))),
        {
            AMD: {
                "unchanged": ["CVE-1:openssl@1.2.4", "CVE-2:openssl@2.0"],
                "bumps": ["CVE-1:1.2.3->1.2.4"],
            }
        },
    ),
    (
        "the same advisory on another package is another finding",
        (scan(AMD, (v("CVE-1", "libssl3"),)),),
        base(scan(AMD, (v("CVE-1", "openssl"),))),
        {AMD: {"new": ["CVE-1:libssl3@1.0"], "fixed": ["CVE-1:openssl@1.0"]}},
    ),
    (
        "a platform the baseline lacks: all its findings are new",
        (scan(AMD, (v("CVE-1"),)), scan(ARM, (v("CVE-1"),), (s("aws"),))),
        base(scan(AMD, (v("CVE-1"),))),
        {
            AMD: {"unchanged": ["CVE-1:openssl@1.0"]},
            ARM: {"new": ["CVE-1:openssl@1.0"], "new secrets": ["aws:/app/.env:1"]},
        },
    ),
    (
        "a platform only the baseline has is not compared",
        (scan(AMD, (v("CVE-1"),)),),
        base(scan(AMD, (v("CVE-1"),)), scan(ARM, (v("CVE-5"),))),
        {AMD: {"unchanged": ["CVE-1:openssl@1.0"]}},
    ),
    (
        "a missing baseline: everything is new, even with scans",
        (scan(AMD, (v("CVE-1"),), (s("aws"),)),),
        Baseline(REF, scans=(scan(AMD, (v("CVE-1"),)),), missing="the base branch has no image"),
        {AMD: {"new": ["CVE-1:openssl@1.0"], "new secrets": ["aws:/app/.env:1"]}},
    ),
    (
        "a baseline without scans: everything is new",
        (scan(AMD, (v("CVE-1"),)),),
        Baseline(REF, "sha256:base"),
        {AMD: {"new": ["CVE-1:openssl@1.0"]}},
    ),
    (
        "an identity found twice in one scan counts once (the first)",
        (scan(AMD, (v("CVE-1", pkg_path="a"), v("CVE-2"), v("CVE-1", pkg_path="b"))),),
        base(scan(AMD, (v("CVE-2"), v("CVE-2"), v("CVE-3"), v("CVE-3")))),
        {
            AMD: {
                "new": ["CVE-1:openssl@1.0"],
                "fixed": ["CVE-3:openssl@1.0"],
                "unchanged": ["CVE-2:openssl@1.0"],
            }
        },
    ),
    (
        "secrets: new, fixed, and unchanged when they only moved lines",
        (scan(AMD, secrets=(s("gh-pat", "/a"), s("aws", "/b", 7), s("aws", "/b", 9))),),
        base(scan(AMD, secrets=(s("aws", "/b", 3), s("slack", "/c")))),
        {
            AMD: {
                "new secrets": ["gh-pat:/a:1"],
                "fixed secrets": ["slack:/c:1"],
                "unchanged secrets": ["aws:/b:7"],
            }
        },
    ),
    ("nothing at all", (scan(AMD),), base(scan(AMD)), {AMD: {}}),
]


@pytest.mark.parametrize(
    ("current", "baseline", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_diff(
    current: tuple[PlatformScan, ...], baseline: Baseline, expected: dict[str, dict[str, Any]]
) -> None:
    delta = diff(current, baseline)
    assert delta.baseline == baseline
    assert [p.platform for p in delta.platforms] == [c.platform for c in current]
    assert shape(delta) == expected
    # is_new agrees with the lists, for every finding of the current scan
    for scan_now, platform in zip(current, delta.platforms, strict=True):
        new = {vulnerability_identity(x) for x in platform.new_vulnerabilities}
        new |= {secret_identity(x) for x in platform.new_secrets}
        for vuln in scan_now.vulnerabilities:
            assert delta.is_new(scan_now.platform, vuln) == (vulnerability_identity(vuln) in new)
        for secret in scan_now.secrets:
            assert delta.is_new(scan_now.platform, secret) == (secret_identity(secret) in new)


def test_the_bump_keeps_the_finding_as_found_now() -> None:
    now = v("CVE-1", installed="1.2.4")
    delta = diff((scan(AMD, (now,)),), base(scan(AMD, (v("CVE-1", installed="1.2.3"),))))
    assert delta.platforms[0].bumps == (Bump(now, "1.2.3"),)
    assert delta.previous(AMD, now) == "1.2.3"
    assert delta.previous(ARM, now) == ""
    assert not delta.is_new(AMD, now)


def test_identities() -> None:
    assert vulnerability_identity(v("CVE-1", "zlib", "1.3")) == ("CVE-1", "zlib")
    assert secret_identity(s("aws", "/x", 4)) == ("aws", "/x")


def test_is_new_on_a_platform_not_compared() -> None:
    delta = diff((scan(AMD, (v("CVE-1"),)),), base(scan(AMD, (v("CVE-1"),))))
    assert not delta.is_new(AMD, v("CVE-1", installed="7"))
    assert delta.is_new(ARM, v("CVE-1"))
    assert delta.is_new(AMD, v("CVE-1", "zlib"))


def test_added_and_fixed_count_each_identity_once_across_platforms() -> None:
    current = (
        scan(AMD, (v("CVE-1", severity=Severity.CRITICAL), v("CVE-2"), v("CVE-7")), (s("aws"),)),
        scan(
            ARM,
            (v("CVE-1", severity=Severity.CRITICAL), v("CVE-3", severity=Severity.LOW)),
            (s("aws"),),
        ),
    )
    baseline = base(
        scan(AMD, (v("CVE-7"), v("CVE-8", severity=Severity.MEDIUM)), (s("old", "/o"),)),
        scan(ARM, (v("CVE-8", severity=Severity.MEDIUM), v("CVE-9", "zlib"))),
    )
    delta = diff(current, baseline)
    # CVE-1 and the aws secret are new on both platforms: once each
    assert delta.added() == Counter({Severity.CRITICAL: 2, Severity.HIGH: 1, Severity.LOW: 1})
    # CVE-8 fixed on both: once; CVE-9 and the old secret once
    assert delta.fixed() == Counter({Severity.MEDIUM: 1, Severity.HIGH: 1, Severity.CRITICAL: 1})


def test_missing_baseline_adds_everything_and_fixes_nothing() -> None:
    delta = diff(
        (scan(AMD, (v("CVE-1"),)), scan(ARM, (v("CVE-1"),))), Baseline(REF, missing="no image yet")
    )
    assert delta.added() == Counter({Severity.HIGH: 1})
    assert delta.fixed() == Counter()
    assert not delta.baseline.present
    assert delta.platforms == (
        PlatformDelta(AMD, new_vulnerabilities=(v("CVE-1"),)),
        PlatformDelta(ARM, new_vulnerabilities=(v("CVE-1"),)),
    )
