"""Go's string and path functions that BuildKit's ignore files pass through (pure).

``.dockerignore`` lines go through Go's ``strings.TrimSpace`` and ``path/filepath.Clean``, and
patterns are checked with ``filepath.Match``'s syntax rules (moby/patternmatcher,
``ignorefile.ReadAll`` and ``New``). Python's nearest functions differ: ``str.strip`` also strips
U+001C-U+001F, ``posixpath.normpath`` keeps a leading ``//``, ``fnmatch`` has other classes.
These are ports of Go's behaviour (Go 1.22+, Unix separators).
"""

from __future__ import annotations

# unicode.IsSpace: the Latin-1 spaces plus the White_Space property (Go's strings.TrimSpace).
GO_SPACE = (
    "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
    "\u200a\u2028\u2029\u202f\u205f\u3000"
)


def trim_space(text: str) -> str:
    """Go's ``strings.TrimSpace``."""
    return text.strip(GO_SPACE)


def clean(path: str) -> str:
    """Go's ``filepath.Clean`` on Unix: one slash between names, no ``.``, each ``..`` eats
    the name before it, ``..`` at the root dropped, ``"."`` for nothing."""
    rooted = path.startswith("/")
    names: list[str] = []
    for name in path.split("/"):
        if name in ("", "."):
            continue
        if name == "..":
            if names and names[-1] != "..":
                names.pop()
            elif not rooted:
                names.append("..")
            continue
        names.append(name)
    joined = "/".join(names)
    if rooted:
        return "/" + joined
    return joined or "."


def _class_char_end(pattern: str, index: int) -> int:
    """Where one class character (``getEsc``) ends, or -1 where Go reports ErrBadPattern:
    nothing left, an unescaped ``-`` or ``]``, a trailing ``\\``, or nothing after it."""
    if index >= len(pattern) or pattern[index] in "-]":
        return -1
    if pattern[index] == "\\":
        index += 1
        if index >= len(pattern):
            return -1
    index += 1
    return index if index < len(pattern) else -1


def match_syntax_error(pattern: str) -> bool:
    """Whether ``filepath.Match(pattern, ...)`` returns ``ErrBadPattern``.

    Since Go 1.16 Match checks the whole pattern before answering (match.go: ``matchChunk``
    keeps parsing after a failed match, and a failed match checks the rest), so the answer does
    not depend on the name; patternmatcher's ``New`` asks it with ``"."``. A class is ``[``,
    an optional ``^``, one or more characters or ``lo-hi`` ranges (``\\`` escapes; an unescaped
    ``-`` or ``]`` cannot be one), then ``]``; a ``\\`` must have a character after it.
    """
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            if index + 1 >= len(pattern):
                return True
            index += 2
        elif char == "[":
            index += 1
            if pattern.startswith("^", index):
                index += 1
            ranges = 0
            while not (pattern.startswith("]", index) and ranges > 0):
                index = _class_char_end(pattern, index)
                if index < 0:
                    return True
                if pattern[index] == "-":
                    index = _class_char_end(pattern, index + 1)
                    if index < 0:
                        return True
                ranges += 1
            index += 1
        else:
            index += 1
    return False
