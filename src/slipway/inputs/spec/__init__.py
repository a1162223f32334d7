"""The one declaration of every input (pure): kind, default, what it accepts, what it needs
and conflicts with, whether it can hold a secret, whether it names files the action reads.

Derived from it: the validation pass's checks of each value and of the combinations
(`slipway.inputs.declared`), the ``slipway`` command's options (`slipway.cli.options`), the
README's input tables (`slipway.inputs.spec.tables`, ``scripts/input-tables``) and the rows
of the test table (tests/support/input_table.py). action.yml stays the declaration users
read; tests/unit/test_input_spec.py keeps the two equal (names and defaults).
"""

from __future__ import annotations

from slipway.inputs.spec.bake import BAKE
from slipway.inputs.spec.build import BUILD
from slipway.inputs.spec.builder import BUILDER
from slipway.inputs.spec.metadata import METADATA
from slipway.inputs.spec.model import GIVEN, Input, Kind, Relation, Section
from slipway.inputs.spec.registry import REGISTRY
from slipway.inputs.spec.report import POLICY, REPORT
from slipway.inputs.spec.scan import SCAN
from slipway.inputs.spec.sign import SIGN

__all__ = ["GIVEN", "INPUTS", "SPECS", "Input", "Kind", "Relation", "Section", "spec_of"]

INPUTS: tuple[Input, ...] = (
    *METADATA,
    *BUILD,
    *BUILDER,
    *REGISTRY,
    *SCAN,
    *REPORT,
    *SIGN,
    *POLICY,
    *BAKE,
)
SPECS: dict[str, Input] = {spec.name: spec for spec in INPUTS}


def spec_of(name: str) -> Input:
    """The declaration of input ``name`` (KeyError for an input that does not exist)."""
    return SPECS[name]
