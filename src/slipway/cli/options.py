"""One option per input, derived from the inputs' declaration (slipway.inputs.spec): the same
name, a boolean takes no value or one, a list may be given several times, every other kind
once; the help is action.yml's description. The option's value becomes the input's value,
so every check of the action applies."""

from __future__ import annotations

import argparse
import difflib
import functools
from importlib import resources
from typing import Any

import yaml

from slipway.errors import InputError
from slipway.inputs.spec import INPUTS, SPECS, Kind

SHOWN_WORD = 12  # a stray word this short is shown (a mistyped command), a longer one not
EPILOG = """\
Every input of the action is an option of the same name; an option given twice is a list
(one item per line, as in a workflow's `with:`). Boolean inputs take no value (`--push`) or
one (`--push false`). Without GITHUB_ACTIONS=true the GitHub context comes from the git
checkout in the current folder.
"""


@functools.cache
def action_inputs() -> dict[str, dict[str, Any]]:
    """action.yml's inputs (name -> description, default), in its order."""
    text = resources.files("slipway").joinpath("action.yml").read_text(encoding="utf-8")
    inputs: dict[str, dict[str, Any]] = yaml.safe_load(text)["inputs"]
    return inputs


def parser() -> argparse.ArgumentParser:
    """``slipway [run] [--INPUT VALUE ...] [--workflow FILE --step ID] [--dry-run]``."""
    made = argparse.ArgumentParser(
        prog="slipway",
        usage="slipway [run] [--INPUT VALUE ...] [--workflow FILE --step ID] [--dry-run]",
        allow_abbrev=False,
        description="Build, push, scan and report a container image, as the Slipway action "
        "does in a workflow.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    made.add_argument(
        "--workflow", metavar="FILE", help="take the inputs from a workflow file's step"
    )
    made.add_argument("--step", metavar="ID", help="the `id:` of that step")
    made.add_argument("--dry-run", action="store_true", help="print the plan; run nothing")
    made.add_argument("--verbose", action="store_true", help="show debug lines")
    made.add_argument("--version", action="store_true", help="print the version")
    group = made.add_argument_group("inputs (action.yml)")
    described = action_inputs()
    for spec in INPUTS:
        more: dict[str, Any] = {"nargs": "?", "const": "true"} if spec.kind is Kind.BOOLEAN else {}
        shown = f" (default: {spec.default})" if spec.default else ""
        description = str(described.get(spec.name, {}).get("description", ""))
        group.add_argument(
            f"--{spec.name}",
            dest=f"input:{spec.name}",
            action="append",
            metavar=spec.option_metavar,
            help=f"{description}{shown}".replace("%", "%%"),
            **more,
        )
    return made


def given_inputs(args: argparse.Namespace) -> dict[str, str]:
    """The inputs given as options (name -> value; a list's repeated options joined by lines);
    an input of one value given twice is an `InputError` (which one would win?)."""
    found: dict[str, str] = {}
    for key, values in vars(args).items():
        if key.startswith("input:") and values is not None:
            name = key.removeprefix("input:")
            if len(values) > 1 and SPECS[name].kind.single:
                raise InputError(
                    f"--{name}",
                    "is given more than once; it takes one value",
                    f"Give --{name} once.",
                )
            found[name] = "\n".join(values)
    return found


def unknown_option_message(unknown: list[str]) -> str:
    """What to say about words argparse did not take: the first, with the closest option."""
    word = unknown[0]
    if not word.startswith("--"):  # a longer word may be a value pasted in the wrong place
        shown = repr(word) if len(word) <= SHOWN_WORD else "a word"
        return f"slipway: {shown} is not an option (inputs are --NAME VALUE; see --help)\n"
    option = word.split("=")[0][:60]  # never what follows '=': it may be a password
    names = [f"--{spec.name}" for spec in INPUTS]
    close = difflib.get_close_matches(option, names, n=1)
    hint = f"; did you mean {close[0]}?" if close else "; see --help"
    return f"slipway: unknown option {option}{hint}\n"
