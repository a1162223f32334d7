"""What a change adds and fixes: the image just built against a baseline image, per platform.

A gate that blocks every pull request on what production already carries gets switched off,
so the findings of the image just built are compared with a *baseline*'s (the base branch's
image, what the tags about to move point at, the previous release). Pure: how the baseline is
found and scanned is the scan stage's; this is the difference, which the gate
(`slipway.core.gate`) and the renderers read.

Identity: a vulnerability is its advisory ID and its package name, so a version bump that
keeps the advisory is *unchanged* (and listed as a `Bump`); a secret is its rule and file,
so a secret that moved lines is unchanged. A platform the baseline lacks, or no baseline at
all, makes every finding of that platform new.

The Dockerfile and image-policy findings (`slipway.policy`) are compared too, once for the
image (`PolicyDelta`): a policy finding is its rule and what it is about, never its line
(`slipway.policy.identity`: the offending instruction's text; for a finding of a platform's
image config, that platform and the image property; SW001, "runs as root", its rule alone).
The baseline's policy findings come only from the scan report attached to it; a baseline
scanned now, or a report written before reports carried them, leaves them unknown, and every
policy finding is then new (`Baseline.policy` None), as without a baseline.

The Dockerfile's ``trivy config`` misconfigurations (`policy: none`) are compared the same way,
once for the image (`MisconfigurationDelta`): a misconfiguration is its check ID and the
instruction at its line, or its check ID alone when Trivy gives no line
(`slipway.policy.identity.identify_misconfigurations`). The baseline's come only from its
attached report, when that report carried them with their identity; else they are unknown
(`Baseline.misconfigurations` None), and every one is new.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Generic, TypeVar

from slipway.core.severity import Severity
from slipway.policy import identity
from slipway.policy.model import Finding as PolicyFinding
from slipway.scan.findings import Misconfiguration, PlatformScan, Secret, Vulnerability

F = TypeVar("F", PolicyFinding, Misconfiguration)  # a finding of the whole image
SOURCES = ("attached report", "scanned", "scan reused")  # where a baseline's findings came from


@dataclass(frozen=True)
class Baseline:
    """The image a change is compared with, and its findings per platform."""

    reference: str  # as shown to users, e.g. "ghcr.io/o/app:main"
    digest: str = ""  # its index digest; "" when there is no baseline
    scans: tuple[PlatformScan, ...] = ()  # its findings, one per platform
    missing: str = ""  # why there is no baseline, said plainly ("" when there is one)
    source: str = ""  # where its findings came from: one of `SOURCES`
    # its Dockerfile and image-policy findings, from its attached report; None: unknown
    policy: tuple[PolicyFinding, ...] | None = None
    # its Dockerfile's trivy config misconfigurations, from its attached report; None: unknown
    misconfigurations: tuple[Misconfiguration, ...] | None = None

    @property
    def present(self) -> bool:
        """True when there is something to compare with: not missing, and scanned."""
        return not self.missing and bool(self.scans)

    @property
    def policy_known(self) -> bool:
        """True when its policy findings are known (present, and its report carried them)."""
        return self.present and self.policy is not None

    @property
    def policy_unknown_why(self) -> str:
        """Why its policy findings are unknown, said plainly ("" when they are known)."""
        if self.policy_known:
            return ""
        if not self.present:
            return "there is no baseline"
        if self.source == "attached report":
            return "its attached report was written before reports carried them"
        return "it was scanned now, and a scan of an image does not see its Dockerfile"

    @property
    def misconfigurations_known(self) -> bool:
        """True when its Dockerfile's misconfigurations are known (present, and its report
        carried them with their identity)."""
        return self.present and self.misconfigurations is not None

    @property
    def misconfigurations_unknown_why(self) -> str:
        """Why its misconfigurations are unknown, said plainly ("" when they are known)."""
        if self.misconfigurations_known:
            return ""
        if not self.present:
            return "there is no baseline"
        if self.source == "attached report":
            return (
                "its attached report does not carry them: it is older, or its run checked the "
                "Dockerfile with the policy"
            )
        return "it was scanned now, and a scan of an image does not see its Dockerfile"


@dataclass(frozen=True)
class Bump:
    """An unchanged vulnerability whose package moved to another version."""

    vulnerability: Vulnerability  # as found now
    previous: str  # the installed version in the baseline


@dataclass(frozen=True)
class PlatformDelta:
    """One platform's findings, split into new, fixed and unchanged."""

    platform: str
    new_vulnerabilities: tuple[Vulnerability, ...] = ()
    # in the baseline, gone now (as found in the baseline)
    fixed_vulnerabilities: tuple[Vulnerability, ...] = ()
    unchanged_vulnerabilities: tuple[Vulnerability, ...] = ()
    bumps: tuple[Bump, ...] = ()  # the unchanged ones whose installed version differs
    new_secrets: tuple[Secret, ...] = ()
    fixed_secrets: tuple[Secret, ...] = ()
    unchanged_secrets: tuple[Secret, ...] = ()


@dataclass(frozen=True)
class ImageFindingsDelta(Generic[F]):
    """Findings of the whole image (not of one platform), split into new, fixed and
    unchanged: the policy's (a finding of one platform's config names that platform in its
    identity) and the Dockerfile's ``trivy config`` misconfigurations (one Dockerfile for
    every platform)."""

    new: tuple[F, ...] = ()
    fixed: tuple[F, ...] = ()  # in the baseline, gone now (as found there)
    unchanged: tuple[F, ...] = ()
    known: bool = False  # the baseline's findings of this kind were known; else all are new


PolicyDelta = ImageFindingsDelta[PolicyFinding]
MisconfigurationDelta = ImageFindingsDelta[Misconfiguration]


Finding = Vulnerability | Secret | PolicyFinding | Misconfiguration
# kind ("v", "s", "p" or "m") and the finding's identity
_Identity = tuple[str, str, str]


def vulnerability_identity(v: Vulnerability) -> tuple[str, str]:
    """What makes two vulnerabilities the same across images: (advisory ID, package name)."""
    return (v.id, v.package)


def secret_identity(s: Secret) -> tuple[str, str]:
    """What makes two secrets the same across images: (rule, file)."""
    return (s.rule, s.path)


def policy_identity(f: PolicyFinding) -> str:
    """What makes two policy findings the same across images (`slipway.policy.identity`)."""
    return identity.identity(f)


def misconfiguration_identity(m: Misconfiguration) -> str:
    """What makes two misconfigurations the same across images (`slipway.policy.identity`)."""
    return identity.misconfiguration_identity(m)


def _identity(finding: Finding) -> _Identity:
    if isinstance(finding, Vulnerability):
        return ("v", *vulnerability_identity(finding))
    if isinstance(finding, Secret):
        return ("s", *secret_identity(finding))
    if isinstance(finding, Misconfiguration):
        return ("m", misconfiguration_identity(finding), "")
    return ("p", policy_identity(finding), "")


@dataclass(frozen=True)
class Delta:
    """Every platform of the current image against the baseline."""

    baseline: Baseline
    platforms: tuple[PlatformDelta, ...]
    policy: PolicyDelta | None = None  # None: the policy findings are not compared (yet)
    # None: the Dockerfile's misconfigurations (`policy: none`) are not compared
    misconfigurations: MisconfigurationDelta | None = None

    def added(self) -> Counter[Severity]:
        """New vulnerabilities and secrets by severity, each identity counted once across
        platforms."""
        return _count([*p.new_vulnerabilities, *p.new_secrets] for p in self.platforms)

    def fixed(self) -> Counter[Severity]:
        """Fixed vulnerabilities and secrets by severity, each identity counted once across
        platforms."""
        return _count([*p.fixed_vulnerabilities, *p.fixed_secrets] for p in self.platforms)

    def policy_added(self) -> Counter[Severity]:
        """New policy findings by severity, each identity counted once."""
        return _count([self.policy.new] if self.policy is not None else [])

    def policy_fixed(self) -> Counter[Severity]:
        """Fixed policy findings by severity, each identity counted once."""
        return _count([self.policy.fixed] if self.policy is not None else [])

    def misconfigurations_added(self) -> Counter[Severity]:
        """New misconfigurations by severity, each identity counted once."""
        found = self.misconfigurations
        return _count([found.new] if found is not None else [])

    def misconfigurations_fixed(self) -> Counter[Severity]:
        """Fixed misconfigurations by severity, each identity counted once."""
        found = self.misconfigurations
        return _count([found.fixed] if found is not None else [])

    def compared(self, finding: Finding) -> bool:
        """True when ``finding``'s kind was compared with the baseline: there is one, and
        for a policy finding or a misconfiguration, the baseline's of its kind are known."""
        if isinstance(finding, PolicyFinding):
            return self.policy is not None and self.policy.known
        if isinstance(finding, Misconfiguration):
            return self.misconfigurations is not None and self.misconfigurations.known
        return self.baseline.present

    def is_new(self, platform: str, finding: Finding) -> bool:
        """True when ``finding``, found now on ``platform``, is not in the baseline there
        (always, on a platform the baseline lacks or without a baseline). A policy finding is
        the image's (``platform`` is not read): new when the baseline does not have it, or
        its policy findings are unknown; a misconfiguration likewise."""
        if isinstance(finding, PolicyFinding):
            return _identity(finding) not in self._unchanged_policy
        if isinstance(finding, Misconfiguration):
            return _identity(finding) not in self._unchanged_misconfigurations
        return _identity(finding) not in self._unchanged.get(platform, frozenset())

    def with_policy(self, findings: Sequence[PolicyFinding]) -> Delta:
        """This delta with the image's policy ``findings`` compared with the baseline's."""
        return dataclasses.replace(self, policy=diff_policy(findings, self.baseline))

    def with_misconfigurations(self, findings: Sequence[Misconfiguration]) -> Delta:
        """This delta with the Dockerfile's misconfigurations ``findings`` compared with the
        baseline's."""
        found = diff_misconfigurations(findings, self.baseline)
        return dataclasses.replace(self, misconfigurations=found)

    def previous(self, platform: str, finding: Vulnerability) -> str:
        """The version the baseline had of ``finding``'s package on ``platform`` when it
        moved (a `Bump`), else ""."""
        return self._bumped.get(platform, {}).get(_identity(finding), "")

    @cached_property
    def _unchanged(self) -> dict[str, frozenset[_Identity]]:
        return {
            p.platform: frozenset(
                [*map(_identity, p.unchanged_vulnerabilities), *map(_identity, p.unchanged_secrets)]
            )
            for p in self.platforms
        }

    @cached_property
    def _unchanged_policy(self) -> frozenset[_Identity]:
        return frozenset(map(_identity, self.policy.unchanged if self.policy else ()))

    @cached_property
    def _unchanged_misconfigurations(self) -> frozenset[_Identity]:
        found = self.misconfigurations
        return frozenset(map(_identity, found.unchanged if found else ()))

    @cached_property
    def _bumped(self) -> dict[str, dict[_Identity, str]]:
        return {
            p.platform: {_identity(b.vulnerability): b.previous for b in p.bumps}
            for p in self.platforms
        }


def _count(per_platform: Iterable[Sequence[Finding]]) -> Counter[Severity]:
    seen: dict[_Identity, Severity] = {}
    for findings in per_platform:
        for finding in findings:
            seen.setdefault(_identity(finding), finding.severity)
    return Counter(seen.values())


T = TypeVar("T")
K = TypeVar("K", bound=Hashable)


def _unique(items: Iterable[T], key: Callable[[T], K]) -> dict[K, T]:
    """``items`` by ``key``, the first of each kept, in order."""
    found: dict[K, T] = {}
    for item in items:
        found.setdefault(key(item), item)
    return found


def diff(current: Sequence[PlatformScan], baseline: Baseline) -> Delta:
    """The difference between ``current``'s findings and ``baseline``'s, platform by platform
    (matched by name). New and unchanged findings keep the current scan's order, fixed ones
    the baseline's; an identity found twice in one scan counts once. A platform only the
    baseline has is not compared (nothing of it is "fixed": the change dropped it)."""
    before = _unique(baseline.scans, lambda s: s.platform) if baseline.present else {}
    return Delta(baseline, tuple(_platform(scan, before.get(scan.platform)) for scan in current))


def _platform(scan: PlatformScan, base: PlatformScan | None) -> PlatformDelta:
    vulns = _unique(scan.vulnerabilities, vulnerability_identity)
    secrets = _unique(scan.secrets, secret_identity)
    if base is None:
        return PlatformDelta(
            scan.platform,
            new_vulnerabilities=tuple(vulns.values()),
            new_secrets=tuple(secrets.values()),
        )
    old_vulns = _unique(base.vulnerabilities, vulnerability_identity)
    old_secrets = _unique(base.secrets, secret_identity)
    unchanged = tuple(v for key, v in vulns.items() if key in old_vulns)
    return PlatformDelta(
        scan.platform,
        new_vulnerabilities=tuple(v for key, v in vulns.items() if key not in old_vulns),
        fixed_vulnerabilities=tuple(v for key, v in old_vulns.items() if key not in vulns),
        unchanged_vulnerabilities=unchanged,
        bumps=tuple(
            Bump(v, previous)
            for v in unchanged
            if (previous := old_vulns[vulnerability_identity(v)].installed) != v.installed
        ),
        new_secrets=tuple(s for key, s in secrets.items() if key not in old_secrets),
        fixed_secrets=tuple(s for key, s in old_secrets.items() if key not in secrets),
        unchanged_secrets=tuple(s for key, s in secrets.items() if key in old_secrets),
    )


def diff_policy(findings: Sequence[PolicyFinding], baseline: Baseline) -> PolicyDelta:
    """The image's policy ``findings`` against ``baseline``'s; every one new when the
    baseline's are unknown (`Baseline.policy_known`)."""
    before = baseline.policy if baseline.policy_known else None
    return _diff_image(findings, before, policy_identity)


def diff_misconfigurations(
    findings: Sequence[Misconfiguration], baseline: Baseline
) -> MisconfigurationDelta:
    """The Dockerfile's misconfigurations ``findings`` against ``baseline``'s; every one new
    when the baseline's are unknown (`Baseline.misconfigurations_known`)."""
    before = baseline.misconfigurations if baseline.misconfigurations_known else None
    return _diff_image(findings, before, misconfiguration_identity)


def _diff_image(
    findings: Sequence[F], baseline: Sequence[F] | None, identify: Callable[[F], str]
) -> ImageFindingsDelta[F]:
    """``findings`` against ``baseline``'s (None: unknown, every one new); each identity once,
    new and unchanged in ``findings``' order, fixed in the baseline's."""
    now = _unique(findings, identify)
    if baseline is None:
        return ImageFindingsDelta(new=tuple(now.values()))
    before = _unique(baseline, identify)
    return ImageFindingsDelta(
        new=tuple(f for key, f in now.items() if key not in before),
        fixed=tuple(f for key, f in before.items() if key not in now),
        unchanged=tuple(f for key, f in now.items() if key in before),
        known=True,
    )
