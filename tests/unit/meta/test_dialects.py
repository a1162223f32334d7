"""The dialects metadata-action speaks through JavaScript: regexes, Handlebars, moment, semver, PEP 440, CSV."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from slipway.core.lists import CsvError, metadata_list, parse_record
from slipway.meta import pep440, semver
from slipway.meta.handlebars import TemplateError, Value, is_raw_statement, render
from slipway.meta.jsregex import JsRegexError, compile_pattern
from slipway.meta.moment import render_date

INSTANT = datetime(2020, 1, 10, 15, 25, 50, 123000, tzinfo=UTC)

REGEX_VALID = [
    # (pattern attribute, text, JavaScript's String.prototype.match result)
    (r"\d.\d.\d", "v1.2.3", ["1.2.3"]),
    (r"/^v(\d.\d.\d)$/ig", "V1.2.3", ["V1.2.3"]),  # g: whole matches only
    (r"/^v(\d.\d.\d)$/i", "V1.2.3", ["V1.2.3", "1.2.3"]),
    (r"/\d/g", "a1b2", ["1", "2"]),
    (r"(?<major>\d+)\.\k<major>", "7.7", ["7.7", "7"]),
    (r"v(?=\d)", "v1", ["v"]),
    (r"(?<=p1/)v\d", "p1/v1", ["v1"]),
    (r"a(b)?c", "ac", ["ac", None]),
    (r"^x$", "x\n", None),  # JavaScript's $ does not match before a final newline
    (r"[^]", "\n", ["\n"]),
    (r"\u0041\x42\u{43}", "ABC", ["ABC"]),
    (r"\/v", "/v", ["/v"]),
    (r"\A", "A", ["A"]),  # identity escape in JavaScript, not Python's start anchor
    (r"/^a/y", "ba", None),
    (r"\d", "\u0663", None),  # \d is ASCII in JavaScript
]
REGEX_INVALID = [
    (r"/x/q", "unknown regular expression flag"),
    (r"(?P<n>x)", "not JavaScript"),
    (r"(?i)x", "not JavaScript"),
    (r"a++", "possessive"),
    (r"(x", "invalid regular expression"),
]


@pytest.mark.parametrize(("pattern", "text", "expected"), REGEX_VALID)
def test_regex(pattern: str, text: str, expected: list[str | None] | None) -> None:
    assert compile_pattern(pattern).match(text) == expected


@pytest.mark.parametrize(("pattern", "message"), REGEX_INVALID)
def test_regex_invalid(pattern: str, message: str) -> None:
    with pytest.raises(JsRegexError, match=message):
        compile_pattern(pattern)


MOMENT = [
    ("YYYYMMDD", "UTC", "20200110"),
    ("YYYYMMDD-HHmmss", "Asia/Tokyo", "20200111-002550"),
    ("dddd, MMMM Do YYYY, h:mm:ss a", "UTC", "Friday, January 10th 2020, 3:25:50 pm"),
    ("YY M D H m s SSS S", "UTC", "20 1 10 15 25 50 123 1"),
    ("ddd MMM Do DDD DDDD d E", "UTC", "Fri Jan 10th 10 010 5 5"),
    ("W WW w GGGG gggg Q Qo", "UTC", "2 02 2 2020 2020 1 1st"),
    ("hh A k kk", "UTC", "03 PM 15 15"),
    ("Z ZZ", "America/New_York", "-05:00 -0500"),
    ("x X", "UTC", "1578669950123 1578669950"),
    ("[Week] W [of] YYYY", "UTC", "Week 2 of 2020"),
    (None, "UTC", "2020-01-10T15:25:50Z"),
    (None, "Asia/Tokyo", "2020-01-11T00:25:50+09:00"),
]


@pytest.mark.parametrize(("fmt", "zone", "expected"), MOMENT)
def test_moment(fmt: str | None, zone: str, expected: str) -> None:
    assert render_date(INSTANT, fmt, zone) == expected


def test_moment_iso_weeks_at_year_end() -> None:
    assert render_date(datetime(2021, 1, 1, tzinfo=UTC), "GGGG-[W]WW gggg-ww", "UTC") == (
        "2020-W53 2021-01"  # ISO week 53 of 2020; English weeks hold 1 January in week 1
    )


HANDLEBARS = [
    ("plain", "plain"),
    ("{{name}}", "a&amp;b"),
    ("{{{name}}}", "a&b"),
    ("{{& name}}", "a&b"),
    ("{{missing}}-x", "-x"),
    ("\\{{name}}", "{{name}}"),
    ("{{! a comment }}x", "x"),
    ("a {{~name~}} b", "aa&amp;bb"),
    ("{{{echo 'q' tz='Z' 3 true}}}", "q,3,true|tz=Z"),
    ("{{echo 'a=b'}}", "a&#x3D;b|"),
    ("{{echo word}}", "|"),  # a bare word is a path lookup: undefined here
]


@pytest.mark.parametrize(("template", "expected"), HANDLEBARS)
def test_handlebars(template: str, expected: str) -> None:
    def echo(params: list[Value], hash_args: dict[str, Value]) -> str:
        rendered = ",".join("" if p is None else str(p).lower() for p in params)
        return rendered + "|" + ",".join(f"{k}={v}" for k, v in hash_args.items())

    assert render(template, {"name": "a&b", "echo": echo}) == expected


@pytest.mark.parametrize(
    "template", ["{{#if a}}x{{/if}}", "{{> partial}}", "{{name", "{{name 'x'}}"]
)
def test_handlebars_invalid(template: str) -> None:
    with pytest.raises(TemplateError):
        render(template, {"name": "x"})


@pytest.mark.parametrize(
    ("pattern", "raw"),
    [
        ("{{ raw }}.{{ version }}", False),
        ("{{ version }},{{raw }.", False),
        ("{{ raw }}", True),
        ("{{raw}}", True),
        ("v{{raw}}", False),
    ],
)
def test_is_raw_statement(pattern: str, raw: bool) -> None:
    """ma:isRawStatement."""
    assert is_raw_statement(pattern) is raw


@pytest.mark.parametrize(
    ("text", "version", "prerelease"),
    [
        ("v1.2.3", "1.2.3", ()),
        ("2.0.8-beta.67", "2.0.8-beta.67", ("beta", 67)),
        (" v1.0.0+build.1 ", "1.0.0", ()),
        ("1.2", None, ()),
        ("01.2.3", None, ()),
        ("release1", None, ()),
        ("v1.2.3-", None, ()),
    ],
)
def test_semver(text: str, version: str | None, prerelease: tuple[object, ...]) -> None:
    parsed = semver.parse(text)
    assert (parsed.version if parsed else None) == version
    assert (parsed.prerelease if parsed else ()) == prerelease


@pytest.mark.parametrize(
    ("text", "clean", "special", "segments"),
    [
        ("1.2.3", "1.2.3", False, (1, 2, 3)),
        ("v1.2.3rc2", "1.2.3rc2", True, (1, 2, 3)),
        ("1.2.3beta2", "1.2.3b2", True, (1, 2, 3)),
        ("1.0dev4", "1.0.dev4", True, (1, 0, 0)),
        ("1.2post1", "1.2.post1", True, (1, 2, 0)),
        ("1.2-1", "1.2.post1", True, (1, 2, 0)),
        ("2!1.0.PREVIEW", "2!1.0rc0", True, (1, 0, 0)),
        ("1.0+Ubuntu-1", "1.0+ubuntu.1", False, (1, 0, 0)),
    ],
)
def test_pep440(text: str, clean: str, special: bool, segments: tuple[int, int, int]) -> None:
    parsed = pep440.parse(text)
    assert parsed is not None
    assert parsed.clean() == clean
    assert parsed.is_special is special
    assert tuple(parsed.segment(i) for i in range(3)) == segments


def test_pep440_invalid() -> None:
    assert pep440.parse("sometag") is None


@pytest.mark.parametrize(
    ("raw", "entries"),
    [
        ("a\n\n# comment\n  b  ", ["a", "b"]),
        ('type=match,"pattern=\\d,x"', ["type=match,pattern=\\d,x"]),
        ('k=this is a "good" one', ['k=this is a "good" one']),
        ("x#y", ["x#y"]),
    ],
)
def test_get_list(raw: str, entries: list[str]) -> None:
    assert metadata_list(raw) == entries


def test_parse_record() -> None:
    assert parse_record('a,"b,""c""",d') == ["a", 'b,"c"', "d"]
    for bad in ('a"b', '"a"b', '"open'):
        with pytest.raises(CsvError):
            parse_record(bad)
