"""How deep a YAML text nests its flow collections (pure), checked before PyYAML reads it.

PyYAML's scanner takes time quadratic in the nesting of ``{`` and ``[`` (it re-checks every
open level at each token), up to a second for a few hundred levels, before its composer
gives up on recursion. No document Slipway reads nests that deep: a text nesting deeper
than `MAX_NESTING` is refused before it is parsed.
"""

from __future__ import annotations

MAX_NESTING = 32
_OPEN, _CLOSE = "{[", "}]"


def flow_depth(text: str) -> int:
    """The deepest nesting of flow collections in ``text`` (quoted scalars and comments
    skipped; an unbalanced text counts what it opens)."""
    depth = deepest = 0
    quote = ""
    previous = "\n"
    index, size = 0, len(text)
    while index < size:
        char = text[index]
        if quote:
            if char == quote:
                if quote == "'" and text[index + 1 : index + 2] == "'":  # '' inside '...'
                    index += 1
                else:
                    quote = ""
            elif char == "\\" and quote == '"':
                index += 1
        elif char in "'\"" and (previous in " \t\n,[{:-?"):
            quote = char
        elif char == "#" and previous in " \t\n":
            end = text.find("\n", index)
            index = size if end < 0 else end
            previous = "\n"
            continue
        elif char in _OPEN:
            depth += 1
            deepest = max(deepest, depth)
        elif char in _CLOSE:
            depth = max(0, depth - 1)
        previous = char
        index += 1
    return deepest


def too_deep(text: str) -> bool:
    """True when ``text`` nests deeper than `MAX_NESTING`."""
    return flow_depth(text) > MAX_NESTING
