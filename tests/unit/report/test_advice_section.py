"""The base-image advice as a report section: the table, the note, escaping, fitting."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from slipway.core.severity import Severity
from slipway.report.advice_section import advice_sections
from slipway.report.fit import COMMENT, Block, Limit, fit, measure_chars
from slipway.scan.advice import Advice, BaseImage, Option

C, H, M, L = Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW
DIGEST = "sha256:" + "a" * 64
APP = BaseImage(
    "python:3.11-slim", "docker.io/library/python", "3.11-slim", 3, "FROM python:3.11-slim AS app"
)
HOSTILE = "evil`<script>alert(1)</script>@everyone [x](javascript:alert(1)) **b** | ```"


def option(tag: str, removes: Counter[Severity], adds: Counter[Severity], size: int) -> Option:
    return Option(
        tag,
        f"docker.io/library/python:{tag}",
        DIGEST,
        removes,
        adds,
        size,
        f"FROM python:{tag} AS app",
    )


BEST = option("3.11.9-slim", Counter({C: 2, H: 1}), Counter(), 12_300_000)
NEXT = option("3.11.8-slim", Counter({C: 1}), Counter({L: 2, M: 1}), -4_000_000)


def text_of(advice: list[Advice]) -> list[str]:
    sections = advice_sections(advice)
    assert all(isinstance(s, Block) for s in sections)
    return [v for s in sections if isinstance(s, Block) for v in s.variants]


def test_nothing_without_advice() -> None:
    assert advice_sections([]) == []


def test_the_table_of_options() -> None:
    (full, best) = text_of([Advice(APP, DIGEST, (BEST, NEXT), "1 candidate not scanned: 429")])
    assert full == (
        "### Base image\n\n"
        "`python:3.11-slim` (line 3, `sha256:aaaaaaaaaaaa`): newer tags on its track, by the "
        "findings they remove.\n\n"
        "| FROM line | Removes | Adds | Size |\n"
        "|---|---|---|---|\n"
        "| `FROM python:3.11.9-slim AS app` | 2 CRITICAL, 1 HIGH | none | +12.3 MB |\n"
        "| `FROM python:3.11.8-slim AS app` | 1 CRITICAL | 1 MEDIUM, 2 LOW | -4.0 MB |\n\n"
        "_1 candidate not scanned: 429_"
    )
    assert "3.11.8-slim" not in best
    assert "| `FROM python:3.11.9-slim AS app` |" in best
    assert "_1 more option left out here for space._" in best


@pytest.mark.parametrize(
    ("note", "expected"),
    [
        (
            "no tag on its track: latest",
            "`python:3.11-slim` (line 3, `sha256:aaaaaaaaaaaa`): _no tag on its track: latest_",
        ),
        (
            "",
            (
                "`python:3.11-slim` (line 3, `sha256:aaaaaaaaaaaa`): No newer tag on its track "
                "removes more findings than it adds."
            ),
        ),
    ],
)
def test_the_note_when_there_is_no_option(note: str, expected: str) -> None:
    (full,) = text_of([Advice(APP, DIGEST, (), note)])
    assert full == f"### Base image\n\n{expected}"


def test_every_base_in_one_section() -> None:
    other = BaseImage("alpine:3.20", "docker.io/library/alpine", "3.20", 1, "FROM alpine:3.20")
    (full, best) = text_of([Advice(APP, DIGEST, (BEST, NEXT)), Advice(other, "", ())])
    assert full.count("### Base image") == 1
    assert full.endswith(
        "\n\n`alpine:3.20` (line 1): No newer tag on its track removes more findings than it adds."
    )
    assert best.endswith("than it adds.")


def test_one_option_each_has_one_variant() -> None:
    (full,) = text_of([Advice(APP, DIGEST, (BEST,))])
    assert "| `FROM python:3.11.9-slim AS app` |" in full


def test_hostile_text_is_escaped_as_elsewhere() -> None:
    hostile_base = BaseImage(HOSTILE, "r", HOSTILE, 7, "FROM x")
    hostile_option = Option(HOSTILE, HOSTILE, HOSTILE, Counter({H: 1}), Counter(), 0, HOSTILE)
    (full,) = text_of([Advice(hostile_base, HOSTILE, (hostile_option,), HOSTILE)])
    # Code spans that the text cannot close, and the note as escaped text.
    outside = re.sub(r"`[^`\n]*`", "", full)
    assert "<script>" not in outside
    assert "<" not in outside
    assert "@everyone" not in outside
    assert "**b**" not in outside
    assert "](" not in outside
    rows = [line for line in full.splitlines() if line.startswith("| ")]
    assert len(rows) == 2  # the head and one row: no pipe split a cell, no line break added
    assert all(len(re.findall(r"(?<!\\)\|", row)) == 5 for row in rows)
    assert "```" not in full


def test_a_long_line_is_shortened_in_its_cell() -> None:
    long = option("3.11.9-slim", Counter({C: 1}), Counter(), 0)
    long = Option(long.tag, long.reference, long.digest, long.removes, long.adds, 0, "F" * 500)
    (full,) = text_of([Advice(APP, DIGEST, (long,))])
    assert f"`{'F' * 299}…`" in full


def test_the_fitter_takes_the_best_options_when_all_do_not_fit() -> None:
    sections = advice_sections([Advice(APP, DIGEST, (BEST, NEXT))])
    assert "3.11.8-slim" in fit(sections, COMMENT).text
    (full, best) = text_of([Advice(APP, DIGEST, (BEST, NEXT))])
    small = Limit("small", len(best) + 1, measure_chars)
    fitted = fit(sections, small).text
    assert "3.11.9-slim" in fitted
    assert "3.11.8-slim" not in fitted
    assert len(full) > small.size
