"""The one number reader (slipway.core.numbers), and the readers that use it: no digit of another
script, superscript, underscore, sign, space, NaN or 5,000-digit number crashes a run or
passes as a number."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from slipway.__main__ import _now
from slipway.core.numbers import NumberError, parse_decimal, parse_int, parse_js_number
from slipway.errors import InputError
from slipway.meta.config import read_metadata_config
from slipway.meta.engine import created_time
from slipway.meta.rules import parse_tags
from slipway.policy.own_rules import expand_ports
from slipway.runner.container import safe_directory_env
from slipway.size.limits import parse_size

NOT_INTEGERS = ["", " 7", "7 ", "+7", "1_000", "²", "\u0665", "\uff17", "7.0", "1e3", "9" * 31]


@pytest.mark.parametrize("text", NOT_INTEGERS)
def test_integers_are_ascii_digits_only(text: str) -> None:
    with pytest.raises(NumberError):
        parse_int(text)


def test_integer_range_and_sign() -> None:
    assert parse_int("0") == 0
    assert parse_int("65535", low=1, high=65535) == 65535
    assert parse_int("-1", signed=True, low=-1) == -1
    for text, low, high in (("0", 1, None), ("65536", 1, 65535), ("-2", -1, None)):
        with pytest.raises(NumberError):
            parse_int(text, low=low, high=high, signed=True)


@pytest.mark.parametrize("text", ["nan", "inf", "1e9", ".5", "5.", "-1", "\u0665.5", "1..2"])
def test_decimals_are_plain(text: str) -> None:
    with pytest.raises(NumberError):
        parse_decimal(text)


def test_js_number_as_javascript_reads_it() -> None:
    assert parse_js_number(" 950 ") == 950
    assert parse_js_number("") == 0
    assert parse_js_number("0x10") == 16
    assert parse_js_number("-1.5e2") == -150
    for text in ("abc", "\u0665", "1e99999", "Infinity", "-0x10", "1_0"):
        with pytest.raises(NumberError):
            parse_js_number(text)


@pytest.mark.parametrize("priority", ["", "0x10", " 12 "])
def test_tag_priority_in_js_spellings(priority: str) -> None:
    assert parse_tags(f"type=raw,value=a,priority={priority}")[0].priority >= 0


@pytest.mark.parametrize("priority", ["\u0665", "²", "1e99999", "x"])
def test_tag_priority_refused(priority: str) -> None:
    with pytest.raises(InputError, match="is not a number"):
        parse_tags(f"type=raw,value=a,priority={priority}")


@pytest.mark.parametrize("value", ["²", "\u0665", "0", "-3", "9" * 5000])
def test_short_sha_length_refused_by_name(value: str) -> None:
    with pytest.raises(InputError) as caught:
        read_metadata_config({"DOCKER_METADATA_SHORT_SHA_LENGTH": value})
    assert caught.value.name == "DOCKER_METADATA_SHORT_SHA_LENGTH"


@pytest.mark.parametrize("value", ["²", "\u0665", "-1", "1e9", "9" * 5000, "253402300800"])
def test_source_date_epoch(value: str) -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert _now({"SOURCE_DATE_EPOCH": value}) != datetime.fromtimestamp(0, tz=UTC)
    with pytest.raises(InputError) as caught:
        created_time({"SOURCE_DATE_EPOCH": value}, now)
    assert caught.value.name == "SOURCE_DATE_EPOCH"


def test_source_date_epoch_pins_the_time() -> None:
    assert _now({"SOURCE_DATE_EPOCH": "86400"}) == datetime(1970, 1, 2, tzinfo=UTC)


@pytest.mark.parametrize(("count", "index"), [("²", 0), ("\u0665", 0), ("3", 3), ("9" * 99, 0)])
def test_git_config_count(count: str, index: int) -> None:
    found = safe_directory_env({"GIT_CONFIG_COUNT": count}, "/w")
    assert found["GIT_CONFIG_COUNT"] == str(index + 1)
    assert found[f"GIT_CONFIG_KEY_{index}"] == "safe.directory"


def test_expose_ports_of_other_scripts_are_no_ports() -> None:
    assert expand_ports("²") == []
    assert expand_ports("\u0665\u0665") == []
    assert expand_ports("9" * 5000) == []
    assert expand_ports("8080-8081/tcp") == [8080, 8081]


@pytest.mark.parametrize("text", ["\u0665MB", "nanMB", "1e9", "infGB"])
def test_sizes_are_ascii(text: str) -> None:
    with pytest.raises(ValueError):
        parse_size(text)
