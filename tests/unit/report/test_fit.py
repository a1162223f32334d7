"""Degrade-to-fit: the fullest rendering within a byte or character limit, never over it, and
saying what was left out and where the whole report is."""

from __future__ import annotations

import pytest

from slipway.report.fit import (
    CHECK_RUN,
    COMMENT,
    SUMMARY,
    Block,
    Limit,
    Rows,
    Section,
    fit,
    fit_text,
    measure_bytes,
    measure_chars,
    redacted,
)

VERDICT = Block("verdict", ("**Gate failed**: 3 CRITICAL (2 fixable)",), required=True)
COUNTS = Block("counts", ("| linux/amd64 | 3 | 5 |",), required=True)
HOSTILE = "x%0A::error::pwned <img src=x onerror=alert(1)> @everyone ](javascript:alert(1)) \r\n"


def _findings(count: int, width: int = 60) -> Rows:
    rows = tuple(f"| CVE-{n:06d} | pkg-{n} | {'é' * (width - 30)} |" for n in range(count))
    return Rows(
        "findings", rows, title="### Top findings", head="| ID | Package | Note |\n|---|---|---|"
    )


def chars(size: int) -> Limit:
    return Limit("a test limit", size, measure_chars, "the report file")


def test_the_limits_are_githubs() -> None:
    assert (SUMMARY.size, SUMMARY.measure) == (1024 * 1024, measure_bytes)
    assert (COMMENT.size, COMMENT.measure) == (65_536, measure_chars)
    assert (CHECK_RUN.size, CHECK_RUN.measure) == (65_535, measure_bytes)  # bytes bound both
    assert SUMMARY.less(1000).size == 1024 * 1024 - 1000
    assert SUMMARY.less(2 * 1024 * 1024).size == 0


def test_a_small_report_is_kept_whole() -> None:
    fitted = fit([VERDICT, COUNTS, _findings(3)], SUMMARY)
    assert fitted.shortened == ()
    assert fitted.dropped == ()
    assert fitted.text.startswith("**Gate failed**")
    assert fitted.text.count("| CVE-") == 3
    assert "more in" not in fitted.text
    assert "Left out" not in fitted.text
    assert fitted.size == measure_bytes(fitted.text)


@pytest.mark.parametrize("limit", [SUMMARY, COMMENT, CHECK_RUN])
def test_10000_findings_fit_and_keep_the_top(limit: Limit) -> None:
    fitted = fit([VERDICT, COUNTS, _findings(10_000, width=150)], limit)
    assert limit.measure(fitted.text) == fitted.size <= limit.size
    assert fitted.size > limit.size * 0.95  # fuller is better: nearly all the room is used
    assert fitted.text.startswith(VERDICT.variants[0] + "\n\n" + COUNTS.variants[0])
    shown = fitted.text.count("| CVE-")
    assert f"_… and {10_000 - shown} more in {limit.where}._" in fitted.text
    assert "| CVE-000000 |" in fitted.text  # the most important rows are the first ones
    assert fitted.shortened == ("findings",)


def test_the_more_line_is_not_part_of_the_table() -> None:
    text = fit([_findings(100)], chars(2000)).text
    table_end = text.index("\n\n_… and")
    assert text[table_end - 1] == "|"


def test_rows_the_renderer_left_out_are_counted_in_the_more_line() -> None:
    table = Rows("top", ("| a |", "| b |"), head="| x |\n|---|", omitted=18)
    assert (
        fit([table], chars(1000)).text
        == "| x |\n|---|\n| a |\n| b |\n\n_… and 18 more in the report file._\n"
    )
    empty = Rows("top", (), title="### T\n", empty="Nothing.", tail="\n2 suppressed.")
    assert fit([empty], chars(1000)).text == "### T\n\nNothing.\n\n2 suppressed.\n"


def test_bytes_and_characters_differ_for_non_ascii() -> None:
    section = [_findings(2000)]
    by_bytes = fit(section, Limit("l", 50_000, measure_bytes))
    by_chars = fit(section, Limit("l", 50_000, measure_chars))
    assert by_bytes.text.count("| CVE-") < by_chars.text.count("| CVE-")


def test_earlier_sections_are_upgraded_first_and_later_ones_keep_their_smallest_form() -> None:
    secrets = Block("secrets", ("secret table " * 200, "2 secrets: see the report"))
    fitted = fit([VERDICT, _findings(1000), secrets], chars(20_000))
    assert "2 secrets: see the report" in fitted.text
    assert fitted.size <= 20_000


def test_a_section_left_out_is_named_with_where_the_whole_report_is() -> None:
    big = Block("layer table", ("z" * 500,))
    bigger = Block("labels", ("y" * 500,))
    fitted = fit([VERDICT, big, bigger], chars(800))
    assert fitted.dropped == ("labels",)
    assert "z" * 500 in fitted.text
    assert fitted.text.endswith(
        "\n\n_Left out to fit a test limit: labels. The whole report is in the report file._\n"
    )
    assert fitted.size == len(fitted.text) <= 800


def test_the_note_never_pushes_the_text_over() -> None:
    sections: list[Section] = [VERDICT, *(Block(f"part {n}", ("p" * 90,)) for n in range(30))]
    for size in range(60, 3000, 37):
        fitted = fit(sections, chars(size))
        assert len(fitted.text) <= size
        if fitted.dropped and "Left out" in fitted.text:
            assert all(key in fitted.text for key in fitted.dropped)


def test_required_text_over_the_limit_is_cut_with_a_note() -> None:
    huge = Block("verdict", (HOSTILE * 2000 + "\n" + "w" * 100_000,), required=True)
    fitted = fit([huge], COMMENT)
    assert fitted.size <= COMMENT.size
    assert fitted.text.endswith(f"see {COMMENT.where}._\n")


def test_a_single_100kb_line_is_cut_inside_the_line() -> None:
    fitted = fit([Block("v", ("é" * 100_000,), required=True)], Limit("l", 1000, measure_bytes))
    assert fitted.size <= 1000
    assert fitted.text.startswith("éé")


@pytest.mark.parametrize("size", [50, 120, 333, 1000, 4096, 12_345])
def test_never_over_the_limit(size: int) -> None:
    sections: list[Section] = [VERDICT, COUNTS, _findings(500), Block("tail", ("t" * 300, "t"))]
    for measure in (measure_bytes, measure_chars):
        fitted = fit(sections, Limit("l", size, measure))
        assert measure(fitted.text) <= size


def test_empty_rows_show_the_empty_text() -> None:
    empty = Rows("findings", (), title="### Top findings", empty="No findings.")
    assert fit([empty], SUMMARY).text == "### Top findings\nNo findings.\n"


def test_fit_text_keeps_what_fits_and_cuts_the_rest_with_a_note() -> None:
    assert fit_text("## small\n", SUMMARY) == "## small\n"
    cut = fit_text("line\n" * 1000, chars(300))
    assert len(cut) <= 300
    assert cut.startswith("line\nline\n")
    assert cut.endswith("see the report file._\n")
    assert fit_text("x" * 10, chars(0)) == ""


def test_redaction_reaches_every_text_of_every_section() -> None:
    rows = Rows("r", ("| tok |",), title="tok", head="tok", tail="tok", empty="tok")
    done = redacted([Block("b", ("tok", "tok!")), rows], lambda text: text.replace("tok", "***"))
    assert "tok" not in repr(done)
