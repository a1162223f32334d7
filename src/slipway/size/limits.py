"""Size units and the ``max-size`` / ``max-size-increase`` limits (pure)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from slipway.core.numbers import NumberError, parse_decimal

_SIZE = re.compile(r" *([0-9.]{1,40}) *([kmgt]?i?b?) *", re.IGNORECASE | re.ASCII)
_FACTORS = {"": 1, "k": 10**3, "m": 10**6, "g": 10**9, "t": 10**12}
_BINARY = {"k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40}


def parse_size(text: str) -> int:
    """Bytes from ``123``, ``500MB``, ``1.5GiB``, ``800k`` (MB = 10^6, MiB = 2^20)."""
    match = _SIZE.fullmatch(text)
    if not match:
        raise ValueError(f"{text[:40]!r} is not a size")
    unit = match.group(2).lower().rstrip("b")
    if unit == "i":
        raise ValueError(f"{text!r} is not a size")
    factor = _BINARY[unit[0]] if unit.endswith("i") else _FACTORS[unit]
    try:  # ASCII digits, finite
        return int(parse_decimal(match.group(1)) * factor)
    except NumberError:
        raise ValueError(f"{text[:40]!r} is not a size") from None


def format_size(size: int) -> str:
    """``23400000`` -> ``23.4 MB`` (decimal units, as registries show them)."""
    value = float(abs(size))
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            text = f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
            return ("-" if size < 0 else "") + text
        value /= 1000
    return str(size)  # pragma: no cover


def format_delta(delta: int) -> str:
    """``+23.4 MB`` / ``-1.2 kB`` / ``±0 B``."""
    if delta == 0:
        return "±0 B"
    return ("+" if delta > 0 else "") + format_size(delta)


@dataclass(frozen=True)
class SizeLimits:
    """``max-size`` (compressed bytes per platform) and ``max-size-increase`` (bytes or %)."""

    max_size: int | None = None
    max_increase: int | None = None
    max_increase_percent: float | None = None

    @property
    def any(self) -> bool:
        """True when some limit is set."""
        return (
            self.max_size is not None
            or self.max_increase is not None
            or self.max_increase_percent is not None
        )
