"""The declaration of every input (slipway.inputs.spec) against action.yml, and the checks
derived from it (slipway.inputs.declared): each kind's values, each declared combination."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from slipway.errors import InputError
from slipway.inputs.declared import check_declared, check_relation, check_value
from slipway.inputs.spec import GIVEN, INPUTS, SPECS, Input, Kind, Relation, Section
from slipway.inputs.spec.tables import START, render_readme, render_table

ROOT = Path(__file__).resolve().parents[2]


def action_inputs() -> dict[str, dict[str, str]]:
    data: dict[str, dict[str, dict[str, str]]] = yaml.safe_load((ROOT / "action.yml").read_text())
    return data["inputs"]


def test_the_declaration_is_action_ymls_inputs_with_their_defaults() -> None:
    declared = {spec.name: spec.default for spec in INPUTS}
    assert len(declared) == len(INPUTS), "an input is declared twice"
    in_action = {name: str(spec.get("default", "")) for name, spec in action_inputs().items()}
    assert declared == in_action


@pytest.mark.parametrize("spec", INPUTS, ids=lambda s: s.name)
def test_each_declaration_is_complete(spec: Input) -> None:
    assert spec.doc
    assert spec.section in Section
    assert (spec.kind is Kind.CHOICE) == bool(spec.choices)
    if spec.kind is Kind.CHOICE and spec.default:
        assert spec.default.lower() in (c.lower() for c in spec.choices)
    if spec.kind in (Kind.SECRET, Kind.TOKEN) and spec.name != "username":
        assert spec.sensitive == "{secret}"
    for relation in spec.relations:
        assert relation.other in SPECS
        assert relation.other != spec.name
        assert not relation.blame or relation.blame in SPECS
    # the default, and the example, pass the declaration's own checks
    check_value(spec, spec.default if "${{" not in spec.default else "")
    check_value(spec, spec.example)


def env(**inputs: str) -> dict[str, str]:
    return {f"INPUT_{name.replace('_', '-').upper()}": value for name, value in inputs.items()}


REFUSED_BY_KIND: dict[Kind, tuple[str, ...]] = {
    Kind.BOOLEAN: ("maybe", "1", "yes", "tru\u0435"),
    Kind.CHOICE: ("bogus", "\u202eauto"),
    Kind.DURATION: ("soon", "\u0665m", "nan", "0", "-5", "99999999999d", "1e3"),
    Kind.NUMBER: ("\u0665", "²", "0", "-1", "1e3", "9" * 40),
    Kind.WORD: ("-x", "a\x07b", "a\nb", "\u202eevil", "a\x85b"),
    Kind.LINE: ("a\x07b", "a\nb"),
    Kind.TOKEN: ("a b", "a\x07", "a\u2028b"),
    Kind.SECRET: ("a\nb", "a\x1b[2J"),
    Kind.LIST: ("a\x1bb", "a\x00b"),
    Kind.LINES: ("a\x1bb",),
    Kind.PAIRS: ("a=\x1b",),
    Kind.TEXT: ("a\x7fb",),
    Kind.ANY: (),
}


@pytest.mark.parametrize(
    ("spec", "value"),
    [
        (s, v)
        for s in INPUTS
        for v in (*REFUSED_BY_KIND[s.kind], "x" * (s.kind.max_length + 1))
        if s.kind is not Kind.ANY
    ],
    ids=lambda p: p.name if isinstance(p, Input) else repr(p)[:20],
)
def test_each_kind_refuses_its_wrong_values_by_name(spec: Input, value: str) -> None:
    with pytest.raises(InputError) as caught:
        check_declared(env(**{spec.name: value}))
    assert caught.value.name == spec.name
    if spec.sensitive:  # an input that can hold a secret never has its value echoed
        assert value not in caught.value.message or len(value) < 4


def violating(spec: Input, relation: Relation) -> dict[str, str]:
    """Inputs that trip ``relation`` of ``spec`` (and no other relation first)."""
    other = SPECS[relation.other]
    mine = (spec.example or "true") if relation.values == (GIVEN,) else relation.values[0]
    if relation.needs:
        theirs = "" if relation.other_values == (GIVEN,) else _other_than(other, relation)
    else:
        theirs = other.example if relation.other_values == (GIVEN,) else relation.other_values[0]
    return {spec.name: mine, other.name: theirs}


def _other_than(other: Input, relation: Relation) -> str:
    candidates = ("false",) if other.kind is Kind.BOOLEAN else (*other.choices, "")
    return next(c for c in candidates if c.lower() not in relation.other_values)


RELATIONS = [(spec, relation) for spec in INPUTS for relation in spec.relations]


@pytest.mark.parametrize(
    ("spec", "relation"), RELATIONS, ids=lambda p: p.name if isinstance(p, Input) else p.other
)
def test_each_declared_combination_is_checked(spec: Input, relation: Relation) -> None:
    given = env(**violating(spec, relation))
    with pytest.raises(InputError) as caught:
        check_relation(spec, relation, given)
    assert caught.value.name == (relation.blame or spec.name)
    assert relation.why in caught.value.message


@pytest.mark.parametrize(
    "inputs",
    [
        {"tag-on-gate-failure": "true", "push": "false"},  # push on some events only: harmless
        {"builder": "mine", "driver": "docker"},  # the default driver, spelled out
        {"driver": "remote", "endpoint": "tcp://b:1234"},
        {"username": "u", "password": "p"},
        {"merge-digests": "sha256:" + "a" * 64, "push": "true"},
        {"sep-tags": "\x1b\t"},  # any text
    ],
    ids=str,
)
def test_common_combinations_stay_accepted(inputs: dict[str, str]) -> None:
    check_declared(env(**inputs))


@pytest.mark.parametrize(
    ("inputs", "blame"),
    [
        ({"endpoint": "tcp://b:1234"}, "endpoint"),
        ({"builder": "mine", "driver": "docker-container"}, "builder"),
        ({"builder": "mine", "endpoint": "tcp://b:1234", "driver": "remote"}, "builder"),
        # a username alone is read further (Docker Hub's OIDC login takes none): test_keyless
        ({"gcp-service-account": "ci@p.iam.gserviceaccount.com"}, "gcp-service-account"),
        ({"azure-tenant-id": "contoso.onmicrosoft.com"}, "azure-client-id"),
        ({"azure-client-id": "11111111-2222-3333-4444-555555555555"}, "azure-client-id"),
    ],
    ids=str,
)
def test_impossible_combinations_are_refused(inputs: dict[str, str], blame: str) -> None:
    with pytest.raises(InputError) as caught:
        check_declared(env(**inputs))
    assert caught.value.name == blame


def test_the_readmes_input_tables_are_the_declarations() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert render_readme(readme) == readme, "run scripts/input-tables"
    for section in Section:
        assert START.format(section=section.value) in readme, section
    shown = render_table(Section.BUILD)
    assert "| `endpoint` |" in shown
    assert "| `target` |" in shown
