"""Untrusted text in Markdown: no HTML, no links, no pings, bounded."""

from __future__ import annotations

import pytest

from slipway.report.markdown import ZWSP, code, link, text


@pytest.mark.parametrize(
    ("value", "forbidden"),
    [
        ("<img src=x onerror=alert(1)>", "<img"),
        ("@everyone look", "@everyone"),
        ("see #123", "#123"),
        ("[click](javascript:alert(1))", "](javascript"),
        ("a\r\nb", "\n"),
    ],
)
def test_text_neutralises(value: str, forbidden: str) -> None:
    assert forbidden not in text(value)


def test_mention_broken_with_zero_width_space() -> None:
    assert text("@octocat") == "@" + ZWSP + "octocat"


def test_text_is_capped() -> None:
    assert len(text("x" * 100_000, limit=200)) == 200


def test_code_cannot_be_closed_early() -> None:
    assert code("a`b|c") == "`a'b\\|c`"


def test_link_only_https() -> None:
    assert link("CVE-1", "https://example.test/CVE-1") == "[CVE\\-1](https://example.test/CVE-1)"
    assert "(" not in link("x", "javascript:alert(1)")
    assert link("x", "https://e.test/a)b") == "x"


def test_pipes_cannot_split_a_table_cell() -> None:
    escaped = text("| cell | break")
    assert escaped.count("|") == escaped.count("\\|") == 2


def test_a_url_with_a_pipe_cannot_split_a_table_cell() -> None:
    row = f"| HIGH | {link('CVE-1', 'https://e.test/a|b')} | x |"
    assert row.count("|") - row.count("\\|") == 4  # the row's own four, nothing from the URL
    assert "https://e.test/a%7Cb" in row


def test_dollar_signs_do_not_start_math() -> None:
    assert text("costs $5 to $x$") == "costs \\$5 to \\$x\\$"


@pytest.mark.parametrize("control", ["\u202e", "\u2066", "\u200f", "\u0007", "\u009b"])
def test_bidi_and_control_characters_are_dropped(control: str) -> None:
    assert control not in text(f"invoice{control}fdp.exe")
    assert control not in code(f"v1{control}.0")
    assert link("x", f"https://e.test/{control}a") == "x"
