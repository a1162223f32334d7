"""The gate step: SARIF written from every finding, and the verdict (`slipway.core.gate` decides
which findings break `fail-on`; the policy step's failures join them). Steps after it that
run only when it passed (`slipway.core.steps.When.PASSED`) are skipped when it failed."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from slipway.core.gate import GateRules, GateScope, gate_failures
from slipway.scan.options import ScanOptions
from slipway.stages.report import write_sarif

if TYPE_CHECKING:
    from slipway.stages import Run, State


def gate(run: Run, state: State) -> None:
    """Step GATE."""
    state.sarif = write_sarif(run, state)
    found = gate_failures(
        run.plan.scan,
        state.scans,
        state.misconfigurations,
        delta=state.delta,
        rules=gate_rules(run.plan.scan),
        today=run.now.date(),
    )
    state.failures = found + state.checks.failures


def gate_rules(options: ScanOptions) -> GateRules:
    """`fail-on-scope` and `fixable-max-age` (whole days, rounded up) as the gate reads them."""
    age = options.fixable_max_age
    return GateRules(
        GateScope(options.fail_on_scope),
        math.ceil(age / 86_400) if age is not None else None,
    )
