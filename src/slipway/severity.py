"""One severity scale for every finding: vulnerabilities, secrets, misconfigurations, policy.

Trivy's severities (``UNKNOWN`` < ``LOW`` < ``MEDIUM`` < ``HIGH`` < ``CRITICAL``) are the
scale of ``severity`` and ``fail-on``; the policy rules use ``INFO`` (advice) below them
instead of ``UNKNOWN``. Every ordering, the gate's threshold and the annotation level come
from here.
"""

from __future__ import annotations

TRIVY = ("UNKNOWN", "LOW", "MEDIUM", "HIGH", "CRITICAL")  # ascending; the scan's and fail-on's
POLICY = ("INFO", "LOW", "MEDIUM", "HIGH", "CRITICAL")  # ascending; the policy rules'
_ORDER = ("INFO", "UNKNOWN", "LOW", "MEDIUM", "HIGH", "CRITICAL")


def rank(severity: str) -> int:
    """Higher is more severe: INFO 0, UNKNOWN 1 ... CRITICAL 5; anything else -1."""
    upper = severity.upper()
    return _ORDER.index(upper) if upper in _ORDER else -1


def blocking(fail_on: str) -> tuple[str, ...]:
    """The scan severities that fail the gate at ``fail_on`` (``none``: nothing)."""
    if fail_on.lower() == "none":
        return ()
    return TRIVY[TRIVY.index(fail_on.upper()) :]


def fails_gate(severity: str, fail_on: str) -> bool:
    """True when a finding of ``severity`` breaks ``fail-on``, whatever kind of finding.

    ``fail-on: UNKNOWN`` means every severity from UNKNOWN up; INFO is advice and never fails.
    """
    if fail_on.lower() == "none" or severity.upper() == "INFO":
        return False
    found = rank(severity)
    return found >= 0 and found >= rank(fail_on)
