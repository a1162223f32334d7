"""One severity scale for every finding: vulnerabilities, secrets, misconfigurations, policy.

`Severity` lists the severities once, least severe first: Trivy's (``UNKNOWN`` < ``LOW`` <
``MEDIUM`` < ``HIGH`` < ``CRITICAL``) are the scale of the ``severity`` and ``fail-on``
inputs (`SCAN`); the policy rules use ``INFO`` (advice) below them instead of ``UNKNOWN``
(`POLICY`). Every ordering, the gate's threshold (`fails_gate`) and the level a finding is
shown at (`level`: the annotation's and, from it, SARIF's) come from here.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal


class Severity(StrEnum):
    """A finding's severity; the members are in order, least severe first."""

    INFO = "INFO"  # a policy rule's advice: below every scan severity, never fails the gate
    UNKNOWN = "UNKNOWN"
    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"
    CRITICAL = "CRITICAL"

    @property
    def rank(self) -> int:
        """Higher is more severe: INFO 0, UNKNOWN 1 ... CRITICAL 5."""
        return _RANKS[self]

    @classmethod
    def read(cls, text: str) -> Severity:
        """A severity as a tool writes it, in any case; anything else is UNKNOWN (Trivy's own
        name for a severity it does not know)."""
        found = _BY_TEXT.get(text)  # called once per finding: the common case first
        return found if found is not None else _BY_TEXT.get(text.upper(), cls.UNKNOWN)


_RANKS = {severity: number for number, severity in enumerate(Severity)}
_BY_TEXT = {severity.value: severity for severity in Severity}

SCAN = tuple(s for s in Severity if s is not Severity.INFO)  # `severity`, `fail-on`: Trivy's
POLICY = tuple(s for s in Severity if s is not Severity.UNKNOWN)  # the policy rules'

NO_GATE: Literal["none"] = "none"
FailOn = Severity | Literal["none"]  # the `fail-on` input: the lowest severity that fails


class Level(StrEnum):
    """How prominently a finding is shown, named as the workflow command that shows it."""

    ERROR = "error"  # it fails the gate
    WARNING = "warning"
    NOTICE = "notice"  # advice (INFO)


SARIF_LEVELS = {Level.ERROR: "error", Level.WARNING: "warning", Level.NOTICE: "note"}


def blocking(fail_on: FailOn) -> tuple[Severity, ...]:
    """The scan severities that fail the gate at ``fail_on`` (``none``: nothing)."""
    return tuple(s for s in SCAN if fails_gate(s, fail_on))


def fails_gate(severity: Severity, fail_on: FailOn) -> bool:
    """True when a finding of ``severity`` breaks ``fail-on``, whatever kind of finding.

    ``fail-on: UNKNOWN`` means every severity from UNKNOWN up; INFO is advice and never fails.
    """
    if fail_on == NO_GATE or severity is Severity.INFO:
        return False
    return severity.rank >= Severity(fail_on).rank


def level(severity: Severity, fail_on: FailOn) -> Level:
    """The level a finding is shown at, in annotations and (`SARIF_LEVELS`) in SARIF: an
    error when it fails the gate, a notice when it is advice, else a warning."""
    if fails_gate(severity, fail_on):
        return Level.ERROR
    return Level.NOTICE if severity is Severity.INFO else Level.WARNING
