"""The one reader of list inputs, and the one CSV error (pure).

docker/actions-toolkit reads every list input of the docker/* actions through one function,
``Util.getInputList`` (csv-parse with ``relaxQuotes``, ``relaxColumnCount``,
``skipEmptyLines`` and, for metadata-action, ``comment: '#'`` with ``commentNoInfix``). Slipway
does the same here, for its own inputs (`slipway.inputs.reader`) and for metadata-action's
(`slipway.meta`):

- records end at a newline (``\\n``, ``\\r\\n`` or ``\\r``), except inside a quoted field;
- a field that starts with ``"`` is quoted: ``""`` inside it is a quote, and it may hold commas
  and newlines; a quote anywhere else is kept as text (relaxed quotes);
- text after a closing quote is kept, with the quote; a quote never closed is text up to the
  end of its line;
- with ``ignore_comma`` a record is one item, its fields joined back with ``,``; else every
  field is an item;
- items are trimmed; blank ones are dropped.

One difference from the toolkit, on purpose (``keep_quotes``, the build inputs): a quoted field
after the first keeps its quotes, so ``type=local,"dest=/a,b"`` reaches buildx's own CSV
reading whole, where the toolkit hands buildx ``dest=/a`` and ``b``.

`parse_record` reads one entry again as a strict record, as metadata-action does for each
``tags``/``flavor``/``images`` entry (csv-parse defaults).
"""

from __future__ import annotations

from dataclasses import dataclass

QUOTE = '"'
DELIMITER = ","
NEWLINE = "\n"

UNCLOSED_QUOTE = "a quoted field is not closed: {line}"
INVALID_OPENING_QUOTE = "a quote appears inside the unquoted field {field!r}: {line}"
INVALID_CLOSING_QUOTE = "text follows the closing quote of field {field!r}: {line}"


class CsvError(ValueError):
    """A value is not the CSV its reader expects (the caller names the input)."""


@dataclass(frozen=True)
class _Field:
    value: str
    raw: str  # as written, quotes included


def _records(text: str, *, comment: str | None, skip_initial_space: bool) -> list[list[_Field]]:
    """The records of ``text``, relaxed: nothing is refused."""
    text = text.replace("\r\n", NEWLINE).replace("\r", NEWLINE)
    records: list[list[_Field]] = []
    index, size = 0, len(text)
    while index < size:
        line_end = text.find(NEWLINE, index)
        line_end = size if line_end < 0 else line_end
        if comment and text[index:line_end].lstrip().startswith(comment):
            index = line_end + 1
            continue
        fields: list[_Field] = []
        while True:
            start = index
            if skip_initial_space:
                while index < size and text[index] == " ":
                    index += 1
            if index < size and text[index] == QUOTE:
                field, index = _quoted(text, index)
            else:
                end = index
                while end < size and text[end] not in (DELIMITER, NEWLINE):
                    end += 1
                field = _Field(text[index:end], text[start:end])
                index = end
            fields.append(field)
            if index >= size or text[index] == NEWLINE:
                index += 1
                break
            index += 1  # the delimiter
        if any(f.raw.strip() for f in fields):
            records.append(fields)
    return records


def _quoted(text: str, start: int) -> tuple[_Field, int]:
    """The quoted field opening at ``start``, and the index after it."""
    chars: list[str] = []
    index, size = start + 1, len(text)
    while index < size:
        char = text[index]
        if char != QUOTE:
            chars.append(char)
            index += 1
        elif index + 1 < size and text[index + 1] == QUOTE:  # "" is a quote
            chars.append(QUOTE)
            index += 2
        else:
            index += 1
            end = index
            while end < size and text[end] not in (DELIMITER, NEWLINE):
                end += 1
            tail = text[index:end]  # text after the closing quote: kept, with the quote
            value = "".join(chars) + (QUOTE + tail if tail else "")
            return _Field(value, text[start:end]), end
    # Never closed: the quote is text, and the field ends at the end of its line.
    end = text.find(NEWLINE, start)
    end = size if end < 0 else end
    return _Field(text[start:end], text[start:end]), end


def input_list(
    text: str,
    *,
    ignore_comma: bool = False,
    comment: str | None = None,
    keep_quotes: bool = False,
) -> list[str]:
    """The items of a list input, read as the toolkit's ``getInputList`` reads them."""
    items: list[str] = []
    for fields in _records(text, comment=comment, skip_initial_space=not ignore_comma):
        if ignore_comma:
            parts = [fields[0].value] + [f.raw if keep_quotes else f.value for f in fields[1:]]
            items.append(DELIMITER.join(parts))
        else:
            items.extend(f.value for f in fields)
    return [item.strip() for item in items if item.strip()]


def parse_record(entry: str) -> list[str]:
    """Fields of one entry, parsed as a strict CSV record (raises `CsvError`)."""
    fields: list[str] = []
    index, size = 0, len(entry)
    while True:
        if index < size and entry[index] == QUOTE:
            value, index = _strict_quoted(entry, index + 1)
        else:
            end = entry.find(DELIMITER, index)
            end = size if end < 0 else end
            value = entry[index:end]
            if QUOTE in value:
                raise CsvError(INVALID_OPENING_QUOTE.format(field=value, line=entry))
            index = end
        fields.append(value)
        if index >= size:
            return fields
        index += 1  # the delimiter


def _strict_quoted(entry: str, index: int) -> tuple[str, int]:
    chars: list[str] = []
    size = len(entry)
    while index < size:
        char = entry[index]
        if char != QUOTE:
            chars.append(char)
            index += 1
            continue
        if index + 1 < size and entry[index + 1] == QUOTE:
            chars.append(QUOTE)
            index += 2
            continue
        index += 1
        if index < size and entry[index] != DELIMITER:
            raise CsvError(INVALID_CLOSING_QUOTE.format(field="".join(chars), line=entry))
        return "".join(chars), index
    raise CsvError(UNCLOSED_QUOTE.format(line=entry))


def metadata_list(text: str) -> list[str]:
    """A list input of metadata-action (``tags``, ``labels``, ...): ``ignoreComma``, ``#``
    comment lines (``commentNoInfix``: ``#`` inside an entry is text)."""
    return input_list(text, ignore_comma=True, comment="#")
