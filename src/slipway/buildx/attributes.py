"""buildx's CSV attribute lists (``--output``, ``--cache-to``, ``--secret``, ...), read and
written the way buildx does (pure).

buildx reads each value as one CSV record (Go's ``encoding/csv`` rules: fields split on
``,``; a field that starts with ``"`` is quoted, ``""`` inside it is a quote, and it may hold
commas and newlines; a quote inside an unquoted field is an error), then splits every field
at its first ``=`` into a key, compared case-insensitively, and a value, in any order.
"""

from __future__ import annotations

from collections.abc import Iterable

from slipway.core.lists import CsvError  # the one CSV error (a value buildx would not read)


def fields(text: str) -> list[str]:
    """The fields of one CSV record."""
    out: list[str] = []
    i, n = 0, len(text)
    while True:
        if i < n and text[i] == '"':
            i += 1
            value: list[str] = []
            while True:
                end = text.find('"', i)
                if end < 0:
                    raise CsvError('a quoted field has no closing "')
                value.append(text[i:end])
                i = end + 1
                if i < n and text[i] == '"':  # "" is a quote
                    value.append('"')
                    i += 1
                    continue
                break
            if i < n and text[i] != ",":
                raise CsvError(f'unexpected {text[i]!r} after a closing "')
            out.append("".join(value))
        else:
            end = text.find(",", i)
            end = n if end < 0 else end
            field = text[i:end]
            if '"' in field:
                raise CsvError(f'a bare " in the unquoted field {field[:40]!r}')
            out.append(field)
            i = end
        if i >= n:
            return out
        i += 1  # the comma


def attributes(text: str) -> list[tuple[str, str]]:
    """``key=value`` pairs of one value, keys lower-cased; a field without ``=`` has value ""."""
    pairs = []
    for field in fields(text):
        key, _, value = field.partition("=")
        pairs.append((key.strip().lower(), value))
    return pairs


def quote(field: str) -> str:
    """One field as buildx's CSV reader will read it back."""
    if any(c in field for c in ',"\n\r') or field[:1].isspace():
        return '"' + field.replace('"', '""') + '"'
    return field


def render(pairs: Iterable[tuple[str, str]]) -> str:
    """``key=value`` pairs as one CSV value (the inverse of :func:`attributes`)."""
    return ",".join(quote(f"{key}={value}") for key, value in pairs)


_GO_TRUE = ("1", "t", "T", "TRUE", "true", "True")
_GO_FALSE = ("0", "f", "F", "FALSE", "false", "False")


def parse_bool(text: str) -> bool:
    """Go's ``strconv.ParseBool``, which buildx uses for attributes such as ``push=``."""
    if text in _GO_TRUE:
        return True
    if text in _GO_FALSE:
        return False
    raise CsvError(f"{text!r} is not a boolean")


def value_of(pairs: Iterable[tuple[str, str]], key: str) -> str | None:
    """The value buildx takes for ``key`` (keys lower-cased; the last one wins)."""
    found = [value for name, value in pairs if name == key]
    return found[-1] if found else None
