"""Every input (slipway.inputs.spec), each given generated values through the whole validation
pass: the only outcomes allowed are a run that validates or an `InputError` naming that input
(or the input a declared combination blames), within the profile's time per value."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from slipway.inputs.spec import INPUTS, Input
from tests.unit.properties.conftest import base_env, refused_by
from tests.unit.properties.profiles import PROFILE, bounded
from tests.unit.properties.strategies import ANY_VALUE, values_for


def blamed(spec: Input) -> set[str]:
    """The inputs an error about ``spec``'s value may name: itself, and those a declared
    combination with it blames."""
    names = {spec.name, *(r.blame or spec.name for r in spec.relations)}
    for other in INPUTS:
        for relation in other.relations:
            if relation.other == spec.name:
                names |= {relation.blame or other.name}
    return names


@pytest.mark.parametrize("spec", INPUTS, ids=lambda s: s.name)
def test_each_input_is_read_or_refused_by_name(spec: Input, workspace: Path) -> None:
    allowed = blamed(spec)

    @PROFILE
    @given(value=values_for(spec))
    @bounded
    def check(value: str) -> None:
        env = {**base_env(workspace), f"INPUT_{spec.name.upper()}": value}
        assert refused_by(env) in {"", *allowed}

    check()


NAMES = st.sampled_from([spec.name for spec in INPUTS])
KNOWN = {spec.name for spec in INPUTS}


@PROFILE
@given(given_inputs=st.dictionaries(NAMES, st.one_of(ANY_VALUE, NAMES), max_size=8))
@bounded
def test_any_combination_is_read_or_refused_by_name(
    given_inputs: dict[str, str], workspace: Path
) -> None:
    env = {**base_env(workspace), **{f"INPUT_{k.upper()}": v for k, v in given_inputs.items()}}
    assert refused_by(env) in {"", *KNOWN}


@PROFILE
@given(
    given_inputs=st.dictionaries(
        NAMES,
        st.sampled_from([s.example or s.default for s in INPUTS if "${{" not in s.default]),
        min_size=2,
        max_size=12,
    )
)
@bounded
def test_valid_values_combined_are_read_or_refused_by_name(
    given_inputs: dict[str, str], workspace: Path
) -> None:
    env = {**base_env(workspace), **{f"INPUT_{k.upper()}": v for k, v in given_inputs.items()}}
    assert refused_by(env) in {"", *KNOWN}
