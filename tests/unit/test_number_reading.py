"""The class stays closed: no number in Slipway's own code is read with ``str.isdigit()``
(true for ``²``, which ``int()`` refuses) or ``\\d`` (every script's digits), but with
slipway.core.numbers. A line may still ask ``isdigit()`` next to ``isascii()``, or say why it is
no number read (``number-safe:``). The adapters' parsers of program output (tools/) are
the programs' own format and stay out of this."""

from __future__ import annotations

import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "slipway"
DIGIT_TESTS = re.compile(r"\.(isdigit|isdecimal|isnumeric)\(\)")
REGEX_DIGIT = re.compile(r"""r["'][^"'\n]*\\d""")


def sources() -> list[Path]:
    return [
        p for p in sorted(SRC.rglob("*.py")) if "tools" not in p.parts and p.name != "numbers.py"
    ]


def test_no_number_is_read_with_isdigit() -> None:
    found = [
        f"{path.relative_to(SRC)}:{number}: {line.strip()}"
        for path in sources()
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if DIGIT_TESTS.search(line) and "isascii()" not in line and "number-safe:" not in line
    ]
    assert found == [], "read numbers with slipway.core.numbers (parse_int, is_int, ...)"


def test_no_expression_takes_every_scripts_digits() -> None:
    found = [
        f"{path.relative_to(SRC)}:{number}: {line.strip()}"
        for path in sources()
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if REGEX_DIGIT.search(line)
    ]
    assert found == [], r"write [0-9] (or re.ASCII): \d matches every script's digits"
