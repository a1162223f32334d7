"""Degrade-to-fit: the fullest rendering within a byte or character limit, never over it."""

from __future__ import annotations

import pytest

from slipway.report.fit import (
    COMMENT_LIMIT_CHARS,
    SUMMARY_LIMIT_BYTES,
    Block,
    Measure,
    Rows,
    Section,
    fit,
    measure_bytes,
    measure_chars,
)

VERDICT = Block("verdict", ("**Gate failed**: 3 CRITICAL (2 fixable)",), required=True)
COUNTS = Block("counts", ("| linux/amd64 | 3 | 5 |",), required=True)
HOSTILE = "x%0A::error::pwned <img src=x onerror=alert(1)> @everyone ](javascript:alert(1)) \r\n"


def _findings(count: int, width: int = 60) -> Rows:
    rows = tuple(f"| CVE-{n:06d} | pkg-{n} | {'é' * (width - 30)} |" for n in range(count))
    return Rows(
        "findings", rows, title="### Top findings", head="| ID | Package | Note |\n|---|---|---|"
    )


def test_a_small_report_is_kept_whole() -> None:
    fitted = fit([VERDICT, COUNTS, _findings(3)], SUMMARY_LIMIT_BYTES)
    assert fitted.shortened == ()
    assert fitted.dropped == ()
    assert fitted.text.startswith("**Gate failed**")
    assert fitted.text.count("| CVE-") == 3
    assert "more in" not in fitted.text
    assert fitted.size == measure_bytes(fitted.text)


@pytest.mark.parametrize(
    ("limit", "measure"),
    [(SUMMARY_LIMIT_BYTES, measure_bytes), (COMMENT_LIMIT_CHARS, measure_chars)],
)
def test_10000_findings_fit_and_keep_the_top(limit: int, measure: Measure) -> None:
    fitted = fit([VERDICT, COUNTS, _findings(10_000, width=150)], limit, measure)
    assert measure(fitted.text) == fitted.size <= limit
    assert fitted.size > limit * 0.95  # fuller is better: nearly all the room is used
    assert fitted.text.startswith(VERDICT.variants[0] + "\n\n" + COUNTS.variants[0])
    shown = fitted.text.count("| CVE-")
    assert f"_… and {10_000 - shown} more in the report artifact / SARIF._" in fitted.text
    assert "| CVE-000000 |" in fitted.text  # the most important rows are the first ones
    assert fitted.shortened == ("findings",)


def test_the_more_line_is_not_part_of_the_table() -> None:
    text = fit([_findings(100)], 2000, measure_chars).text
    table_end = text.index("\n\n_… and")
    assert text[table_end - 1] == "|"


def test_bytes_and_characters_differ_for_non_ascii() -> None:
    section = [_findings(2000)]
    by_bytes = fit(section, 50_000, measure_bytes)
    by_chars = fit(section, 50_000, measure_chars)
    assert by_bytes.text.count("| CVE-") < by_chars.text.count("| CVE-")


def test_earlier_sections_are_upgraded_first_and_later_ones_keep_their_smallest_form() -> None:
    secrets = Block("secrets", ("secret table " * 200, "2 secrets: see the report"))
    fitted = fit([VERDICT, _findings(1000), secrets], 20_000, measure_chars)
    assert "2 secrets: see the report" in fitted.text
    assert fitted.size <= 20_000


def test_optional_sections_are_dropped_from_the_bottom_when_even_the_smallest_is_too_big() -> None:
    big = Block("big", ("z" * 500,))
    bigger = Block("bigger", ("y" * 500,))
    fitted = fit([VERDICT, big, bigger], 600, measure_chars)
    assert fitted.dropped == ("bigger",)
    assert "z" * 500 in fitted.text


def test_required_text_over_the_limit_is_cut_with_a_note() -> None:
    huge = Block("verdict", (HOSTILE * 2000 + "\n" + "w" * 100_000,), required=True)
    fitted = fit([huge], COMMENT_LIMIT_CHARS, measure_chars)
    assert fitted.size <= COMMENT_LIMIT_CHARS
    assert fitted.text.endswith("see the report artifact / SARIF._\n")


def test_a_single_100kb_line_is_cut_inside_the_line() -> None:
    fitted = fit([Block("v", ("é" * 100_000,), required=True)], 1000, measure_bytes)
    assert fitted.size <= 1000
    assert fitted.text.startswith("éé")


@pytest.mark.parametrize("limit", [50, 120, 333, 1000, 4096, 12_345])
def test_never_over_the_limit(limit: int) -> None:
    sections: list[Section] = [VERDICT, COUNTS, _findings(500), Block("tail", ("t" * 300, "t"))]
    for measure in (measure_bytes, measure_chars):
        fitted = fit(sections, limit, measure)
        assert measure(fitted.text) <= limit


def test_empty_rows_show_the_empty_text() -> None:
    empty = Rows("findings", (), title="### Top findings", empty="No findings.")
    assert fit([empty], 1000).text == "### Top findings\nNo findings.\n"
