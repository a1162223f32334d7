"""List inputs and CSV records, parsed the way docker/metadata-action parses them.

Two stages, as in metadata-action: a list input (``tags``, ``labels``, ...) is first
split into entries by ``getInputList(name, {ignoreComma: true, comment: '#'})``
(lenient CSV: a field that *starts* with ``"`` is unquoted, quotes elsewhere are kept,
the fields of a line are joined back with ``,``); then each ``tags``/``flavor``/
``images`` entry is parsed again as one strict CSV record (csv-parse defaults: a quote
inside an unquoted field, or text after a closing quote, is an error).
"""

from __future__ import annotations

QUOTE = '"'
DELIMITER = ","
COMMENT = "#"

UNCLOSED_QUOTE = "a quoted field is not closed: {line}"
INVALID_OPENING_QUOTE = "a quote appears inside the unquoted field {field!r}: {line}"
INVALID_CLOSING_QUOTE = "text follows the closing quote of field {field!r}: {line}"


class CsvError(ValueError):
    """A record is not valid CSV (the caller names the input)."""


def _split(line: str, *, strict: bool) -> list[str]:
    """Split one line into fields; ``strict`` mirrors csv-parse without relax_quotes."""
    fields: list[str] = []
    index, size = 0, len(line)
    while True:
        if index < size and line[index] == QUOTE:
            value, index = _quoted(line, index + 1, strict=strict)
        else:
            end = line.find(DELIMITER, index)
            end = size if end < 0 else end
            value = line[index:end]
            if strict and QUOTE in value:
                raise CsvError(INVALID_OPENING_QUOTE.format(field=value, line=line))
            index = end
        fields.append(value)
        if index >= size:
            return fields
        index += 1  # skip the delimiter


def _quoted(line: str, index: int, *, strict: bool) -> tuple[str, int]:
    """Read a quoted field starting after its opening quote; return it and the next index."""
    chars: list[str] = []
    size = len(line)
    while index < size:
        char = line[index]
        if char != QUOTE:
            chars.append(char)
            index += 1
            continue
        if index + 1 < size and line[index + 1] == QUOTE:  # "" is an escaped quote
            chars.append(QUOTE)
            index += 2
            continue
        index += 1
        if index < size and line[index] != DELIMITER:
            if strict:
                raise CsvError(INVALID_CLOSING_QUOTE.format(field="".join(chars), line=line))
            end = line.find(DELIMITER, index)
            end = size if end < 0 else end
            chars.append(QUOTE + line[index:end])
            index = end
        return "".join(chars), index
    if strict:
        raise CsvError(UNCLOSED_QUOTE.format(line=line))
    return QUOTE + "".join(chars), size


def get_list(raw: str) -> list[str]:
    """Entries of a list input: one per line, ``#`` comment lines and blanks dropped.

    Mirrors actions-toolkit ``Util.getInputList`` with ``ignoreComma``, ``comment: '#'``
    and (v6) ``commentNoInfix``: ``#`` only starts a comment at the start of a line.
    """
    entries: list[str] = []
    for line in raw.splitlines():
        if not line or line.lstrip().startswith(COMMENT):
            continue
        entry = DELIMITER.join(_split(line, strict=False)).strip()
        if entry:
            entries.append(entry)
    return entries


def parse_record(entry: str) -> list[str]:
    """Fields of one entry, parsed as a strict CSV record (raises `CsvError`)."""
    return _split(entry, strict=True)
