"""The findings model: what Trivy found, per platform, in Slipway's own terms.

Every text field here comes from a report and is untrusted: renderers must pass it
through `slipway.report.markdown` or `slipway.runner.workflow`, never print it raw.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from slipway.core.severity import Severity


@dataclass(frozen=True)
class Vulnerability:
    """One vulnerable package in one image."""

    id: str
    package: str
    installed: str
    fixed: str
    severity: Severity
    title: str
    url: str
    target: str
    pkg_path: str = ""  # language packages: the lock file or site-packages entry
    pkg_type: str = ""  # debian, pip, npm, ...
    layer: str = ""  # the layer's DiffID
    dockerfile_line: int | None = None  # the instruction that added the layer, when known
    published: str = ""  # Trivy's PublishedDate (ISO 8601); "" when unknown

    @property
    def fixable(self) -> bool:
        """True when a fixed version exists."""
        return bool(self.fixed)

    @property
    def key(self) -> tuple[str, str, str, str]:
        """Identity across platforms: the same advisory on the same package and version."""
        return (self.id, self.package, self.installed, self.pkg_path)


@dataclass(frozen=True)
class Secret:
    """A secret baked into a layer (the matched text itself is never kept)."""

    rule: str
    category: str
    severity: Severity
    title: str
    path: str
    line: int
    layer: str = ""
    dockerfile_line: int | None = None

    @property
    def key(self) -> tuple[str, str, int]:
        """Identity across platforms."""
        return (self.rule, self.path, self.line)


@dataclass(frozen=True)
class Misconfiguration:
    """A failed Dockerfile check (``trivy config``), with its line when Trivy knows it."""

    id: str
    severity: Severity
    title: str
    message: str
    url: str
    file: str
    start_line: int | None = None
    end_line: int | None = None
    # what makes it the same check failed in another image (`slipway.policy.identity`): set
    # once the Dockerfile is known (`identify_misconfigurations`); derived, so not compared
    identity: str = field(default="", compare=False)


@dataclass(frozen=True)
class PlatformScan:
    """Trivy's findings for one platform image."""

    platform: str
    image: str
    vulnerabilities: tuple[Vulnerability, ...]
    secrets: tuple[Secret, ...] = ()
    digest: str = ""
    reused: bool = False  # the result came from the scan cache, Trivy did not run
