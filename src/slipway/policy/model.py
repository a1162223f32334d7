"""What the policy checks produce: findings, in a model the reporting consumes as is.

A `Finding` is frozen and carries only plain text: rule ID, title, severity, file,
line, the one-line fix, the tool that saw it and (for image-config checks) the
platform. Titles and fixes are our own constants; text taken from the Dockerfile
(a base image name, a port) is untrusted and is escaped by the renderers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from slipway.core.severity import FailOn, Severity, fails_gate
from slipway.dockerfile import Dockerfile
from slipway.size.report import SizeReport

OFF: Literal["off"] = "off"
RuleSeverity = (
    Severity | Literal["off"]
)  # what the policy gives a rule: slipway.core.severity.POLICY, or off


class Source:
    """Who saw a finding (the SARIF tool component)."""

    SLIPWAY = "slipway"
    TRIVY = "trivy"
    HADOLINT = "hadolint"
    IMAGE_CONFIG = "image-config"


@dataclass(frozen=True)
class Finding:
    """One policy finding at one line (line 0: the whole file)."""

    id: str
    title: str
    severity: Severity
    file: str
    line: int
    fix: str
    source: str
    platform: str | None = None
    detail: str = ""  # untrusted specifics (port, image name, tool message); escape when shown
    tool_id: str = ""  # the tool's own check ID (DS-0002, DL3009) when mapped
    # what makes it the same finding in another image (`slipway.policy.identity`), set by
    # `slipway.policy.evaluate`; derived, so not compared
    identity: str = field(default="", compare=False)


@dataclass(frozen=True)
class Suppressed:
    """A finding silenced by ``# slipway:ignore=ID reason`` (shown as a count, with reasons)."""

    finding: Finding
    reason: str
    comment_line: int


@dataclass(frozen=True)
class ToolFinding:
    """A check result from Trivy or hadolint, before mapping to our rule IDs."""

    source: str
    check_id: str
    line: int  # 0 when the tool gave none
    message: str
    file: str = ""


@dataclass(frozen=True)
class PolicyConfig:
    """The `policy`, `trusted-registries` and `allowed-ports` inputs, validated.

    ``overrides`` maps a rule ID to a severity or ``off``; ``enabled`` False turns every
    rule off (``policy: none``).
    """

    overrides: Mapping[str, RuleSeverity] = field(default_factory=dict)
    trusted_registries: tuple[str, ...] = ()
    allowed_ports: frozenset[int] | None = None  # None: any port but the risky ones
    enabled: bool = True


@dataclass(frozen=True)
class PolicyResult:
    """Findings to report, and the ones suppressed inline."""

    findings: tuple[Finding, ...]
    suppressed: tuple[Suppressed, ...] = ()

    def blocking(self, fail_on: FailOn) -> tuple[Finding, ...]:
        """Findings at or above ``fail-on`` (a scan severity or ``none``); INFO never blocks."""
        return tuple(f for f in self.findings if fails_gate(f.severity, fail_on))


@dataclass(frozen=True)
class PolicyFindings:
    """What the policy and size checks found, and why (if) they fail the gate."""

    policy: PolicyResult | None = None
    size: SizeReport | None = None
    dockerfile: Dockerfile | None = None
    failures: tuple[str, ...] = ()
