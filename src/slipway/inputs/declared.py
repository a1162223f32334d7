"""The checks every input's declaration implies (pure), run before any input is read further:
its length, the characters its kind allows, booleans, choices, numbers and durations, then
the combinations the declarations forbid or require (`slipway.inputs.spec`).

A value is never echoed when its input can hold a secret. Errors name the input the
declaration blames and say how to fix it.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping

from slipway.core.numbers import NumberError, parse_int
from slipway.errors import InputError
from slipway.inputs.reader import FALSE, TRUE, did_you_mean, input_env_name, parse_duration
from slipway.inputs.spec import GIVEN, INPUTS, SPECS, Input, Kind, Relation

TOO_LONG = "is {length} characters long; {name} takes at most {limit}"
CONTROL = "holds a control character ({code}) on line {line}"
BIDI = "holds a bidirectional-text control ({code}), which shows text in another order than it is"
LINE_BREAK = "holds a line break; it takes one value"
WHITESPACE = "holds whitespace or a control character (a line break?)"
ONE_VALUE_HINT = "Give `{name}` one value, e.g. `${{{{ secrets.TOKEN }}}}` alone on its line."
OPTION_LIKE = "{value!r} starts with '-', which the program it is passed to reads as an option"
OPTION_HINT = "Give a path or name that does not start with '-' (e.g. `./-dir` for a folder)."
# Unicode's explicit directional formatting characters (Trojan Source, CVE-2021-42574)
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_ALLOWED_CONTROLS = frozenset("\t\n\r")


def raw_value(env: Mapping[str, str], name: str) -> str:
    """The input's value as the runner passes it (untrimmed)."""
    return env.get(input_env_name(name), "")


def _code(char: str) -> str:
    return f"U+{ord(char):04X}"


def _characters(spec: Input, raw: str) -> None:
    """The characters ``spec``'s kind allows (the value is never shown here)."""
    if spec.kind is Kind.ANY:
        return
    text = raw.strip() if spec.kind.single else raw
    for char in text:
        if char in _BIDI:
            raise InputError(
                spec.name, BIDI.format(code=_code(char)), ONE_VALUE_HINT.format(name=spec.name)
            )
    if spec.kind is Kind.TOKEN and any(c.isspace() or not c.isprintable() for c in text):
        raise InputError(spec.name, WHITESPACE, ONE_VALUE_HINT.format(name=spec.name))
    for number, line in enumerate(text.split("\n"), start=1):
        if spec.kind.single and number > 1:
            raise InputError(spec.name, LINE_BREAK, ONE_VALUE_HINT.format(name=spec.name))
        for char in line:
            category = unicodedata.category(char)
            if (category == "Cc" and char not in _ALLOWED_CONTROLS) or (
                spec.kind.single and category in ("Cc", "Zl", "Zp")
            ):
                where = CONTROL.format(code=_code(char), line=number)
                raise InputError(spec.name, where, ONE_VALUE_HINT.format(name=spec.name))


def _shape(spec: Input, text: str) -> None:
    """Booleans, choices, numbers, durations and argv words, as their kind reads them."""
    name = spec.name
    if spec.kind is Kind.BOOLEAN and text not in (*TRUE, *FALSE):
        raise InputError(
            name, f"{text!r} is not a boolean", f"Use `{name}: true` or `{name}: false`."
        )
    if spec.kind is Kind.CHOICE and text.lower() not in (c.lower() for c in spec.choices):
        raise InputError(
            name,
            f"{text!r} is not one of {', '.join(spec.choices)}",
            did_you_mean(text, spec.choices),
        )
    if spec.kind is Kind.NUMBER:
        try:
            parse_int(text, low=1, high=2**31 - 1)
        except NumberError:
            raise InputError(
                name, f"{text!r} is not a positive whole number", f"e.g. `{name}: 42`."
            ) from None
    if spec.kind is Kind.DURATION:
        parse_duration(name, text)
    if spec.kind is Kind.WORD and text.startswith("-"):
        raise InputError(name, OPTION_LIKE.format(value=text[:40]), OPTION_HINT)


def check_value(spec: Input, raw: str) -> None:
    """``raw`` (as the runner passes it) as ``spec`` declares it; `InputError` when not."""
    if len(raw) > spec.kind.max_length:
        message = TOO_LONG.format(length=len(raw), name=spec.name, limit=spec.kind.max_length)
        raise InputError(spec.name, message, "Is it the right value?")
    _characters(spec, raw)
    text = raw.strip()
    if text:
        _shape(spec, text)


def effective(spec: Input, env: Mapping[str, str]) -> str:
    """The value a relation compares: given or default, booleans as ``true``/``false``,
    choices in lower case."""
    text = raw_value(env, spec.name).strip() or spec.default
    if "${{" in text:
        return ""  # an expression default (github-token) that the runner fills in
    if spec.kind is Kind.BOOLEAN:
        return "true" if text in TRUE else "false"
    return text.lower() if spec.kind is Kind.CHOICE else text


def _matches(value: str, wanted: tuple[str, ...]) -> bool:
    return bool(value) if wanted == (GIVEN,) else value in wanted


def check_relation(spec: Input, relation: Relation, env: Mapping[str, str]) -> None:
    """`InputError` naming the blamed input when ``relation`` of ``spec`` does not hold."""
    if not _matches(effective(spec, env), relation.values):
        return
    holds = _matches(effective(SPECS[relation.other], env), relation.other_values)
    if holds != relation.needs:
        raise InputError(relation.blame or spec.name, relation.why, relation.hint)


def check_declared(env: Mapping[str, str]) -> None:
    """Every input's value as declared, then every declared combination; the first problem
    raises `InputError`."""
    for spec in INPUTS:
        check_value(spec, raw_value(env, spec.name))
    for spec in INPUTS:
        for relation in spec.relations:
            check_relation(spec, relation, env)
