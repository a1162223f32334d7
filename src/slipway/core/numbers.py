"""The one reader of numbers in text (pure): ASCII digits, a bounded length, a range.

Python's own readers are too lenient for values that arrive from a user or a program:
``str.isdigit()`` is true for ``²`` and ``\u0665`` (Arabic-Indic five), ``int()`` takes
``\u0665``, ``1_000`` and ``' 7 '``
but not ``²`` (so a check with one and a read with the other crashes), ``float()`` takes
``nan``, ``inf`` and ``1e999``, ``\\d`` in a regular expression matches every script's
digits, and ``int()`` of 5,000 digits raises. Every number Slipway reads from an input, an
environment variable, a file or a header goes through here instead, and fails with a
`NumberError` (a ValueError) saying why.
"""

from __future__ import annotations

import math
import re

MAX_DIGITS = 30  # more is never a count, port, size, epoch or duration Slipway takes
_INTEGER = re.compile(r"[0-9]{1,30}", re.ASCII)
_SIGNED = re.compile(r"-?[0-9]{1,30}", re.ASCII)
_DECIMAL = re.compile(r"[0-9]{1,30}(?:\.[0-9]{1,30})?", re.ASCII)
# JavaScript's Number() for what metadata-action reads with it (tag `priority=`): decimal with
# an exponent, or hex; surrounding whitespace; "" is 0. ASCII only, as JavaScript's.
_JS_NUMBER = re.compile(
    r"[+-]?(?:[0-9]{1,30}\.?[0-9]{0,30}(?:[eE][+-]?[0-9]{1,4})?|\.[0-9]{1,30}(?:[eE][+-]?[0-9]{1,4})?)"
    r"|0[xX][0-9a-fA-F]{1,30}",
    re.ASCII,
)
_JS_SPACE = " \t\n\r\v\f\u00a0\ufeff"


class NumberError(ValueError):
    """Text that is not a number in range; the message says which and why."""


def _in_range(value: float, low: float | None, high: float | None, text: str) -> None:
    if low is not None and value < low:
        raise NumberError(f"{text[:40]!r} is below {low:g}")
    if high is not None and value > high:
        raise NumberError(f"{text[:40]!r} is above {high:g}")


def parse_int(
    text: str, *, low: int | None = 0, high: int | None = None, signed: bool = False
) -> int:
    """The integer ``text`` spells with ASCII digits (``-`` first only when ``signed``), within
    [``low``, ``high``]; no spaces, signs, underscores or other scripts' digits."""
    pattern = _SIGNED if signed else _INTEGER
    if not pattern.fullmatch(text):
        raise NumberError(f"{text[:40]!r} is not a whole number (digits 0-9)")
    value = int(text)
    _in_range(value, low, high, text)
    return value


def is_int(text: str, *, low: int | None = 0, high: int | None = None) -> bool:
    """True when `parse_int` would read ``text``."""
    try:
        parse_int(text, low=low, high=high)
    except NumberError:
        return False
    return True


def parse_decimal(text: str, *, low: float | None = 0.0, high: float | None = None) -> float:
    """``12`` or ``1.5`` (ASCII digits, no sign, no exponent), finite, within range."""
    if not _DECIMAL.fullmatch(text):
        raise NumberError(f"{text[:40]!r} is not a number (digits 0-9, one optional '.')")
    value = float(text)
    _in_range(value, low, high, text)
    return value


def parse_js_number(text: str) -> float:
    """``text`` as JavaScript's ``Number()`` reads it, or NumberError where that gives NaN;
    a finite result (an overflow to infinity is refused too)."""
    body = text.strip(_JS_SPACE)
    if not body:
        return 0.0
    if not _JS_NUMBER.fullmatch(body):
        raise NumberError(f"{text[:40]!r} is not a number")
    value = float(int(body, 16)) if body[:2].lower() == "0x" else float(body)
    if not math.isfinite(value):
        raise NumberError(f"{text[:40]!r} is too large")
    return value
