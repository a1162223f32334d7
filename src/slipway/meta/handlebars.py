"""The slice of Handlebars that metadata-action templates use.

metadata-action compiles ``value``, ``prefix``, ``suffix``, ``enable``, ``pattern``,
labels and annotations with Handlebars against an object of functions (``branch``,
``date`` ...) or of values (a parsed semver). Reproduced here: ``{{name}}``,
``{{name 'param' key='value'}}``, ``{{{raw}}}`` / ``{{& raw}}`` (no HTML escaping),
``\\{{`` (a literal ``{{``), ``{{! comments }}`` and ``~`` whitespace control. A
missing name renders as the empty string, and ``{{ }}`` output is HTML-escaped as
Handlebars does (``&`` -> ``&amp;``). Block helpers and partials raise `TemplateError`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

Value = str | int | bool | None
Helper = Callable[[list[Value], dict[str, Value]], str]
Scope = Mapping[str, "Helper | Value | list[str] | list[int | str]"]

_ESCAPES = {
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
    '"': "&quot;",
    "'": "&#x27;",
    "`": "&#x60;",
    "=": "&#x3D;",
}
_MUSTACHE = re.compile(r"(\\*)(\{\{\{?)(~?)((?:(?!\}\}).)*?)(~?)(\}\}\}?)", re.DOTALL)
_ARG = re.compile(
    r"""\s*(?:(?P<key>[^\s='"]+)=)?(?:'(?P<sq>[^']*)'|"(?P<dq>[^"]*)"|(?P<word>[^\s'"]+))""",
    re.DOTALL,
)
_NUMBER = re.compile(r"-?[0-9]{1,30}(?:\.[0-9]{1,30})?", re.ASCII)  # fullmatch
_KEYWORDS: dict[str, Value] = {"true": True, "false": False, "null": None, "undefined": None}

UNSUPPORTED = "Handlebars {what} are not supported in {template!r}; use plain {{{{expressions}}}}"
UNCLOSED = "'{{{{' is not closed in {template!r}"
BAD_ARGUMENTS = "cannot read the arguments of {{{{{body}}}}} in {template!r}"
NOT_A_HELPER = "{name!r} takes no arguments, in {template!r}"


class TemplateError(ValueError):
    """The template is not valid (or not supported) Handlebars."""


@dataclass(frozen=True)
class PathExpression:
    """A bare word argument: a lookup in the template's data, which holds none here."""

    path: str


Argument = Value | PathExpression


@dataclass(frozen=True)
class Mustache:
    """One ``{{...}}`` expression."""

    name: str
    params: list[Argument] = field(default_factory=list)
    hash: dict[str, Argument] = field(default_factory=dict)
    escape: bool = True


def escape_html(text: str) -> str:
    """Handlebars' ``escapeExpression``."""
    return "".join(_ESCAPES.get(char, char) for char in text)


def js_string(value: object) -> str:
    """JavaScript's ``String(value)`` for the values templates produce."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ",".join(js_string(item) for item in value)
    return str(value)


def _literal(match: re.Match[str]) -> Argument:
    if match.group("sq") is not None:
        return match.group("sq")
    if match.group("dq") is not None:
        return match.group("dq")
    word = match.group("word")
    if _NUMBER.fullmatch(word):
        return int(word) if "." not in word else word
    if word in _KEYWORDS:
        return _KEYWORDS[word]
    return PathExpression(word)


def parse_mustache(body: str, template: str) -> Mustache:
    """Parse the inside of ``{{ }}`` (without braces) into a `Mustache`."""
    text = body.strip()
    escape = True
    if text.startswith("&"):
        text, escape = text[1:].strip(), False
    if not text or text[0] in "#/^>" or text == "else":
        raise TemplateError(UNSUPPORTED.format(what="blocks and partials", template=template))
    name, _, rest = text.partition(" ")
    params: list[Argument] = []
    hash_args: dict[str, Argument] = {}
    position = 0
    rest = rest.strip()
    while position < len(rest):
        found = _ARG.match(rest, position)
        if not found or found.end() == position:
            raise TemplateError(BAD_ARGUMENTS.format(body=body, template=template))
        if found.group("key"):
            hash_args[found.group("key")] = _literal(found)
        else:
            params.append(_literal(found))
        position = found.end()
    return Mustache(name, params, hash_args, escape)


def _value(argument: Argument) -> Value:
    # Paths resolve against the template data; metadata-action's holds only helpers -> undefined.
    return None if isinstance(argument, PathExpression) else argument


def _evaluate(mustache: Mustache, scope: Scope, template: str) -> str:
    target = scope.get(mustache.name)
    params = [_value(p) for p in mustache.params]
    hash_args = {key: _value(v) for key, v in mustache.hash.items()}
    if callable(target):
        return js_string(target(params, hash_args))
    if params or hash_args:
        raise TemplateError(NOT_A_HELPER.format(name=mustache.name, template=template))
    return js_string(target)


def render(template: str, scope: Scope) -> str:
    """Render ``template`` against ``scope`` (functions are helpers, others values)."""
    out: list[str] = []
    position = 0
    # No expression ends after the last "}}": searching there would try every "{{" of the rest
    # against all that follows it (quadratic: 32 KiB of "{{" took 48 s); the tail check below
    # reports an unclosed one.
    end = template.rfind("}}")
    for found in _MUSTACHE.finditer(template, 0, end + 3 if end >= 0 else 0):
        backslashes, opening, strip_left, body, strip_right, _closing = found.groups()
        # Handlebars drops one backslash before {{: odd counts escape it, even keep it live.
        text = template[position : found.start()] + backslashes[:-1]
        if len(backslashes) % 2:  # \{{ is a literal {{
            out.append(text + found.group(0)[len(backslashes) :])
            position = found.end()
            continue
        out.append(text.rstrip() if strip_left else text)
        if body.lstrip().startswith("!"):
            expression = ""
        else:
            mustache = parse_mustache(body, template)
            raw = len(opening) == 3 or not mustache.escape
            expression = _evaluate(mustache, scope, template)
            expression = expression if raw else escape_html(expression)
        out.append(expression)
        position = found.end()
        if strip_right:
            remainder = template[position:]
            position += len(remainder) - len(remainder.lstrip())
    tail = template[position:]
    if "{{" in tail.replace("\\{{", ""):
        raise TemplateError(UNCLOSED.format(template=template))
    out.append(tail)
    return "".join(out)


def is_raw_statement(pattern: str) -> bool:
    """metadata-action's ``isRawStatement``: the whole pattern is one ``{{raw}}``."""
    found = _MUSTACHE.fullmatch(pattern)
    if not found or found.group(1) or found.group(4).lstrip().startswith("!"):
        return False
    try:
        return parse_mustache(found.group(4), pattern).name == "raw"
    except TemplateError:
        return False


class _AnyHelper(Mapping[str, "Helper | Value"]):
    """A scope in which every name is a helper taking anything: for `check_template`."""

    def __getitem__(self, name: str) -> Helper:
        return lambda _params, _hash: ""

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


def check_template(template: str) -> None:
    """Raise `TemplateError` for what no event could render (an unclosed ``{{``, a block,
    bad arguments): checked when the input is read, not on the first event it applies to."""
    render(template, _AnyHelper())
