"""Typed access to raw inputs: ``INPUT_*`` variables, lists, booleans, choices.

GitHub passes input ``foo-bar`` as ``INPUT_FOO-BAR`` (upper-cased, hyphens kept).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping

from slipway.core.lists import input_list
from slipway.core.numbers import NumberError, parse_decimal
from slipway.errors import InputError
from slipway.inputs.spec import SPECS

TRUE = ("true", "True", "TRUE")
FALSE = ("false", "False", "FALSE")


def default_of(name: str) -> str:
    """Input ``name``'s declared default (slipway.inputs.spec), "" for one the runner fills in
    from an expression (``${{ github.token }}``)."""
    spec = SPECS.get(name)
    default = spec.default if spec is not None else ""
    return "" if "${{" in default else default


def input_env_name(name: str) -> str:
    """The environment variable GitHub sets for input ``name``."""
    return "INPUT_" + name.replace(" ", "_").upper()


def split_list(value: str, *, ignore_comma: bool = False) -> list[str]:
    """The items of a list input (`slipway.core.lists.input_list`): newline and comma
    separated, or with ``ignore_comma`` (the build inputs: ``secrets``, ``outputs``,
    ``cache-to``, ...) one item per line, quotes after the first field kept for buildx."""
    return input_list(value, ignore_comma=ignore_comma, keep_quotes=ignore_comma)


class InputReader:
    """Typed access to the raw input mapping, with errors that name the input."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self._env = env

    @property
    def environment(self) -> Mapping[str, str]:
        """The whole environment (what the runner provides besides the inputs)."""
        return self._env

    def text(self, name: str, default: str | None = None) -> str:
        """The trimmed string value, or ``default`` (the declared one when None) when unset
        or empty."""
        value = self._env.get(input_env_name(name), "").strip()
        return value or (default_of(name) if default is None else default)

    def boolean(self, name: str) -> bool:
        """A YAML 1.2 core-schema boolean, as actions/toolkit's getBooleanInput (the declared
        default when empty)."""
        raw = self.text(name)
        if raw in TRUE:
            return True
        if raw in FALSE:
            return False
        raise InputError(
            name, f"{raw!r} is not a boolean", f"Use `{name}: true` or `{name}: false`."
        )

    def token(self, name: str) -> str:
        """A credential or name that goes into a header or a config file as one word: no
        whitespace or control character in it (the value itself is never shown)."""
        value = self.text(name)
        if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in value):
            raise InputError(
                name,
                "holds whitespace or a control character (a line break?)",
                f"Give `{name}` one value, e.g. `${{{{ secrets.TOKEN }}}}` alone on its line.",
            )
        return value

    def secret(self, name: str) -> str:
        """A password: any text on one line (no line break or control character)."""
        value = self.text(name)
        if any(ord(c) < 32 or ord(c) == 127 for c in value):
            raise InputError(
                name,
                "holds a line break or a control character",
                f"Give `{name}` one value, e.g. `${{{{ secrets.TOKEN }}}}` alone on its line.",
            )
        return value

    def word(self, name: str) -> str:
        """`text` that becomes one word of a command line: it may not start with ``-``."""
        return argv_word(name, self.text(name))

    def items(
        self, name: str, default: str | None = None, *, ignore_comma: bool = False
    ) -> list[str]:
        """A list input (newline, and unless ``ignore_comma`` also comma, separated); a value
        that lists nothing (``,``) is refused rather than read as "not given"."""
        text = self.text(name, default)
        found = split_list(text, ignore_comma=ignore_comma)
        if text and not found:
            raise InputError(
                name, f"{text[:40]!r} lists nothing", f"Leave `{name}` out for its default."
            )
        return found

    def raw(self, name: str) -> str:
        """The untrimmed value (multi-line YAML, secrets)."""
        return self._env.get(input_env_name(name), "")

    def pairs(self, name: str, *, ignore_comma: bool = True) -> tuple[tuple[str, str], ...]:
        """``KEY=VALUE`` items; a missing ``=`` or empty key is an error naming the item."""
        found: list[tuple[str, str]] = []
        for number, item in enumerate(self.items(name, ignore_comma=ignore_comma), start=1):
            key, sep, value = item.partition("=")
            if not sep or not key.strip():
                # The line itself is not shown: in `secrets` it may be a secret value.
                raise InputError(
                    name,
                    f"line {number} is not KEY=VALUE",
                    f"Write one `KEY=VALUE` per line in `{name}`.",
                )
            found.append((key.strip(), value))
        return tuple(found)

    def choice(self, name: str, allowed: tuple[str, ...]) -> str:
        """One value out of ``allowed`` (case-insensitive), with a did-you-mean; the declared
        default when empty."""
        raw = self.text(name)
        for option in allowed:
            if raw.lower() == option.lower():
                return option
        raise InputError(
            name, f"{raw!r} is not one of {', '.join(allowed)}", did_you_mean(raw, allowed)
        )


def argv_word(name: str, value: str) -> str:
    """``value``, refused when a program would read it as an option (a leading ``-``)."""
    if value.startswith("-"):
        raise InputError(
            name,
            f"{value[:40]!r} starts with '-', which the program it is passed to reads as an option",
            "Give a path or name that does not start with '-' (e.g. `./-dir` for a folder).",
        )
    return value


def workspace_path(reader: InputReader, name: str) -> str:
    """A file the run writes, relative to the workspace and inside it."""
    raw = reader.text(name)
    parts = raw.replace("\\", "/").split("/")
    if raw.startswith("/") or ".." in parts:
        raise InputError(
            name,
            f"{raw[:60]!r} is outside the workspace",
            f"Give a path relative to the workspace, e.g. `{name}: out/report.json`.",
        )
    return raw


def did_you_mean(raw: str, allowed: tuple[str, ...] | list[str]) -> str:
    """A hint naming the closest allowed value, or listing them all."""
    close = difflib.get_close_matches(raw, list(allowed), n=1)
    return f"Did you mean {close[0]!r}?" if close else f"Allowed: {', '.join(allowed)}."


_DURATION = re.compile(r"([0-9.]{1,40}) ?([smhd]?)", re.ASCII)
MAX_DURATION = 366 * 86400.0  # longer waits or ages are mistakes, and overflow dates
_UNIT = {"": 1.0, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def duration(reader: InputReader, name: str) -> float:
    """Seconds from ``90``, ``90s``, ``15m``, ``12h`` or ``7d``; the declared default when empty."""
    return parse_duration(name, reader.text(name, default_of(name)))


def parse_duration(name: str, raw: str) -> float:
    """Seconds from ``90``, ``90s``, ``15m``, ``12h`` or ``7d`` (at most a year), else an
    `InputError` naming input ``name``."""
    match = _DURATION.fullmatch(raw.lower())
    try:
        value = parse_decimal(match.group(1)) * _UNIT[match.group(2)] if match else 0.0
    except NumberError:
        value = 0.0
    if value <= 0:
        raise InputError(
            name, f"{raw!r} is not a duration", f"Use seconds or a unit: `{name}: 7d`, `15m`."
        )
    if value > MAX_DURATION:
        raise InputError(name, f"{raw!r} is longer than a year", f"Use at most `{name}: 365d`.")
    return value
