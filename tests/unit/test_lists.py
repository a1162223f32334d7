"""The one list reader (`slipway.core.lists`): getInputList's rules, as a table, for Slipway's
own inputs and metadata-action's alike, and the one CSV error every CSV reader raises."""

from __future__ import annotations

from typing import Any

import pytest

from slipway.buildx import attributes
from slipway.core.lists import CsvError, input_list, metadata_list, parse_record
from slipway.inputs.reader import split_list


@pytest.mark.parametrize(
    ("text", "options", "items"),
    [
        ("a,b\nc", {}, ["a", "b", "c"]),
        ("a,b\nc", {"ignore_comma": True}, ["a,b", "c"]),
        ("a\r\nb\rc", {}, ["a", "b", "c"]),
        ('"line1\nline2",x', {}, ["line1\nline2", "x"]),
        ('"KEY=line1\nline2"', {"ignore_comma": True}, ["KEY=line1\nline2"]),
        ('"say ""hi"""', {}, ['say "hi"']),
        ('k=a "quoted" word', {"ignore_comma": True}, ['k=a "quoted" word']),
        ('"open,x', {}, ['"open,x']),
        ('"a"b,c', {}, ['a"b', "c"]),
        ("  \n\n ,  \n", {}, []),
        ("# c\na#b\n  # c2", {"ignore_comma": True, "comment": "#"}, ["a#b"]),
        ("# not a comment here", {"ignore_comma": True}, ["# not a comment here"]),
        ('type=local,"dest=/a,b"', {"ignore_comma": True}, ["type=local,dest=/a,b"]),
        (
            'type=local,"dest=/a,b"',
            {"ignore_comma": True, "keep_quotes": True},
            ['type=local,"dest=/a,b"'],
        ),
    ],
)
def test_items(text: str, options: dict[str, Any], items: list[str]) -> None:
    assert input_list(text, **options) == items


def test_slipways_inputs_and_metadata_actions_read_through_the_same_reader() -> None:
    text = 'a,"b,c"\n# d'
    assert split_list(text) == input_list(text) == ["a", "b,c", "# d"]
    assert metadata_list(text) == input_list(text, ignore_comma=True, comment="#") == ["a,b,c"]
    assert split_list(text, ignore_comma=True) == ['a,"b,c"', "# d"]


def test_one_csv_error_for_every_csv_reader() -> None:
    with pytest.raises(CsvError):
        parse_record('"open')
    with pytest.raises(CsvError):
        attributes.fields('a"b')
    with pytest.raises(CsvError):
        attributes.parse_bool("maybe")
