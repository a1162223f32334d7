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
