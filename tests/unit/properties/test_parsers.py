"""Each parser the validation pass is made of, given generated text: it returns a value or
raises its own error (the one the validation pass turns into an `InputError`), never anything
else, within the profile's time per value; and the one redaction leaves no secret behind."""

from __future__ import annotations

import contextlib
import math

from hypothesis import given
from hypothesis import strategies as st

from slipway.buildx import attributes as buildx_csv
from slipway.core import numbers
from slipway.core.lists import CsvError
from slipway.core.redact import HIDDEN, redact
from slipway.errors import InputError
from slipway.inputs.reader import split_list
from slipway.meta.handlebars import TemplateError, check_template
from slipway.meta.jsregex import JsRegexError, compile_pattern
from slipway.meta.rules import parse_flavor, parse_images, parse_tags
from slipway.meta.semver import parse as parse_semver
from slipway.oci import refs
from slipway.size.limits import parse_size
from tests.unit.properties.profiles import bounded, scaled
from tests.unit.properties.strategies import ANY_VALUE, CSV_LIKE, LONG, NUMBERS, RUNS

TEXT = st.one_of(ANY_VALUE, LONG)


@scaled(10)
@given(text=st.one_of(NUMBERS, TEXT))
@bounded
def test_numbers(text: str) -> None:
    for read in (numbers.parse_int, numbers.parse_decimal, numbers.parse_js_number):
        try:
            value = read(text)
        except numbers.NumberError:
            continue
        assert math.isfinite(value)
        assert text.strip(" \t\n\r\v\f\u00a0\ufeff").isascii()  # JavaScript's white space


@scaled(10)
@given(text=st.one_of(TEXT, RUNS.map(lambda s: s + "/x"), RUNS.map(lambda s: "ghcr.io:" + s)))
@bounded
def test_image_names_references_and_registries(text: str) -> None:
    for read in (refs.parse_image_name, refs.check_reference, refs.check_registry):
        try:
            read(text)
        except ValueError:
            continue
        assert len(text) <= refs.MAX_REFERENCE
        assert text.isascii()


@scaled(5)
@given(text=st.one_of(CSV_LIKE, TEXT))
@bounded
def test_buildx_csv(text: str) -> None:
    try:
        pairs = buildx_csv.attributes(text)
    except CsvError:
        return
    assert buildx_csv.attributes(buildx_csv.render(pairs)) == pairs


@scaled(5)
@given(text=st.one_of(CSV_LIKE, TEXT), ignore_comma=st.booleans())
@bounded
def test_lists(text: str, ignore_comma: bool) -> None:
    for item in split_list(text, ignore_comma=ignore_comma):
        assert item == item.strip()
        assert item


@scaled(3)
@given(text=st.one_of(CSV_LIKE, TEXT))
@bounded
def test_tag_rules_flavor_images(text: str) -> None:
    for name, read in (("tags", parse_tags), ("flavor", parse_flavor), ("images", parse_images)):
        named = name
        try:
            read(text)
        except InputError as error:
            named = error.name
        assert named == name


@scaled(3)
@given(
    text=st.one_of(
        CSV_LIKE,
        TEXT,
        st.sampled_from(["{{", "{{#if x}}", "{{{x}}}"]).flatmap(
            lambda start: TEXT.map(lambda rest: start + rest)
        ),
    )
)
@bounded
def test_templates_and_patterns(text: str) -> None:
    with contextlib.suppress(TemplateError):
        check_template(text)
    with contextlib.suppress(JsRegexError):
        compile_pattern(text)


@scaled(5)
@given(text=TEXT)
@bounded
def test_semver_and_sizes(text: str) -> None:
    parse_semver(text)
    with contextlib.suppress(ValueError):
        assert parse_size(text) >= 0


SECRETS = st.text(st.characters(codec="utf-8", exclude_characters="*"), min_size=4, max_size=40)


@scaled(5)
@given(before=TEXT, secret=SECRETS, after=TEXT)
@bounded
def test_redaction_leaves_no_masked_value(before: str, secret: str, after: str) -> None:
    shown = redact(before + secret + after, [secret])
    assert secret not in shown
    assert HIDDEN in shown


@scaled(5)
@given(
    user=st.text(
        st.characters(codec="ascii", exclude_characters='/@ \t\n\r\x0b\x0c"'),
        min_size=1,
        max_size=30,
    ),
    token=st.text(
        st.characters(codec="ascii", exclude_characters='/@ \t\n\r\x0b\x0c"'),
        min_size=8,
        max_size=60,
    ),
    before=st.sampled_from(["", " ", "x=", "'", "(", "\n"]),
)
@bounded
def test_redaction_hides_every_url_password(user: str, token: str, before: str) -> None:
    shown = redact(f"{before}https://{user}:{token}@github.com/acme/app.git")
    assert f":{token}@" not in shown
