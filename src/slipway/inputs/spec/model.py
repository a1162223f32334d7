"""What an input declaration says (pure): its kind, default, what it accepts, the inputs it
needs or cannot go with, and whether it can hold a secret.

The kinds are the value shapes the action reads; each brings its own limits (length, the
characters a value may hold) and its own way to be given on the command line. The checks
derived from a declaration are in `slipway.inputs.declared`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    """The shape of an input's value."""

    BOOLEAN = "boolean"  # true / false, as actions/toolkit's getBooleanInput (YAML 1.2 core)
    CHOICE = "choice"  # one of `choices`, any case
    WORD = "word"  # one word of a command line (a name, a path, a URL): one line, no control
    # character, not starting with '-' (a program would read it as an option)
    LINE = "line"  # one line of text (words separated by spaces)
    TOKEN = "token"  # noqa: S105 (a kind) - a credential or user name used as one word (never shown)
    SECRET = "secret"  # noqa: S105 (a kind) - one line of any text (a password; never shown)
    DURATION = "duration"  # seconds, or 90s / 15m / 12h / 7d
    NUMBER = "number"  # a positive whole number
    LIST = "list"  # items on lines or separated by commas (CSV quoting)
    LINES = "lines"  # one item per line; a double-quoted item may hold commas and line breaks
    PAIRS = "pairs"  # KEY=VALUE per line (quoted as LINES)
    TEXT = "text"  # a document read by its own parser (YAML, TOML, PEM, tag rules)
    ANY = "any"  # any text at all (the separators of list outputs)

    @property
    def single(self) -> bool:
        """One value, never a list: it holds no line break, and the command line takes it once."""
        return self in (
            Kind.BOOLEAN,
            Kind.CHOICE,
            Kind.WORD,
            Kind.LINE,
            Kind.TOKEN,
            Kind.SECRET,
            Kind.DURATION,
            Kind.NUMBER,
        )

    @property
    def max_length(self) -> int:
        """The longest value read (longer is refused before any expression looks at it):
        one value holds a URL or a token at most (a cloud's access token: a few KiB), a
        document what one environment variable can carry (Linux's MAX_ARG_STRLEN, 128 KiB)."""
        if self in (Kind.BOOLEAN, Kind.CHOICE, Kind.DURATION, Kind.NUMBER):
            return 64
        return 16 * 1024 if self.single else 128 * 1024


class Section(StrEnum):
    """Where an input is documented: the README's tables under "Inputs"."""

    METADATA = "metadata"
    BUILD = "build"
    REGISTRY = "registry"
    SCAN = "scan"
    REPORT = "report"
    SIGN = "sign"
    POLICY = "policy and size"
    BAKE = "bake"


GIVEN = "*"  # in a relation: the input is given (not empty), whatever its value


@dataclass(frozen=True)
class Relation:
    """``when`` this input has one of ``values``, the ``other`` input must (``needs``) or
    must not (``conflicts``) have one of ``other_values`` (`GIVEN`: any value).

    Values are compared as the input's kind reads them (booleans as ``true``/``false``,
    choices in lower case); an input not given has its default. The error names ``blame``
    (this input when empty), says ``why`` and how to fix it (``hint``)."""

    other: str
    needs: bool  # False: conflicts
    why: str
    hint: str = ""
    values: tuple[str, ...] = (GIVEN,)
    other_values: tuple[str, ...] = (GIVEN,)
    blame: str = ""


def needs(
    other: str,
    why: str,
    hint: str = "",
    *,
    values: tuple[str, ...] = (GIVEN,),
    other_values: tuple[str, ...] = (GIVEN,),
    blame: str = "",
) -> Relation:
    """A `Relation` that must hold."""
    return Relation(other, True, why, hint, values, other_values, blame)


def conflicts(
    other: str,
    why: str,
    hint: str = "",
    *,
    values: tuple[str, ...] = (GIVEN,),
    other_values: tuple[str, ...] = (GIVEN,),
    blame: str = "",
) -> Relation:
    """A `Relation` that must not hold."""
    return Relation(other, False, why, hint, values, other_values, blame)


@dataclass(frozen=True)
class Input:
    """One input of action.yml, declared.

    ``doc`` is what the README's table says it accepts; ``shown_default`` its default column
    when that is not the literal ``default``. ``sensitive`` is how a secret can be in it: a
    template with ``{secret}`` where one stands (the whole value for `Kind.SECRET`/`Kind.TOKEN`
    inputs, a URL's password, a credential attribute, ...), "" when it holds none; the
    redaction tests plant one there. ``files`` says it names files or folders the action
    reads (inside the workspace or runner temp only)."""

    name: str
    section: Section
    kind: Kind
    doc: str
    default: str = ""
    shown_default: str = ""
    choices: tuple[str, ...] = ()
    relations: tuple[Relation, ...] = ()
    sensitive: str = ""
    files: bool = False
    example: str = ""  # a valid value, for the generated tests (default: `default` or a choice)

    @property
    def option_metavar(self) -> str:
        """How the command line's help names the value."""
        if self.kind is Kind.CHOICE:
            return "{" + ",".join(self.choices) + "}"
        return {Kind.BOOLEAN: "BOOL", Kind.DURATION: "DURATION", Kind.NUMBER: "N"}.get(
            self.kind, "VALUE"
        )
