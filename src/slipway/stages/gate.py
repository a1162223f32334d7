"""The gate step: SARIF written from every finding, and the verdict (`slipway.core.gate` decides
which findings break `fail-on`; the policy step's failures join them). Steps after it that
run only when it passed (`slipway.core.steps.When.PASSED`) are skipped when it failed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slipway.core.gate import gate_failures
from slipway.stages.report import write_sarif

if TYPE_CHECKING:
    from slipway.stages import Run, State


def gate(run: Run, state: State) -> None:
    """Step GATE."""
    state.sarif = write_sarif(run, state)
    found = gate_failures(run.plan.scan, state.scans, state.misconfigurations)
    state.failures = found + state.checks.failures
