"""buildx's CSV attribute values, read as buildx reads them (Go's encoding/csv)."""

from __future__ import annotations

import pytest

from slipway.buildx.attributes import attributes, fields, quote, render
from slipway.core.lists import CsvError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("type=local,dest=/c", ["type=local", "dest=/c"]),
        ('"id=github_token,src=/run/t"', ["id=github_token,src=/run/t"]),
        ('type=docker,"name=a:1,b:1"', ["type=docker", "name=a:1,b:1"]),
        ('"a=say ""hi""",b=2', ['a=say "hi"', "b=2"]),
        ('"key=line one\nline two"', ["key=line one\nline two"]),
        ("a=1,,b=2", ["a=1", "", "b=2"]),
        ("", [""]),
    ],
)
def test_fields(text: str, expected: list[str]) -> None:
    assert fields(text) == expected


@pytest.mark.parametrize("text", ['a="b', '"unclosed', '"a"b,c'])
def test_what_buildx_refuses(text: str) -> None:
    with pytest.raises(CsvError):
        fields(text)


def test_keys_are_case_insensitive_and_in_any_order() -> None:
    assert attributes("Name=x,TYPE=image,push=1") == [
        ("name", "x"),
        ("type", "image"),
        ("push", "1"),
    ]


@pytest.mark.parametrize(
    "pairs", [[("type", "local"), ("dest", "/a,b")], [("src", 'say "x"')], [("k", " lead")]]
)
def test_render_round_trips(pairs: list[tuple[str, str]]) -> None:
    assert attributes(render(pairs)) == pairs


def test_quote_only_when_needed() -> None:
    assert quote("dest=/plain") == "dest=/plain"
    assert quote("dest=/a,b") == '"dest=/a,b"'
