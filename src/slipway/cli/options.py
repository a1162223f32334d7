"""One option per input of action.yml, with the same name and the same parsing (the option's
value becomes the input's value, so every check of the action applies)."""

from __future__ import annotations

import argparse
import difflib
import functools
from importlib import resources
from typing import Any

import yaml

BOOLEAN_DEFAULTS = ("true", "false")
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
    for name, spec in action_inputs().items():
        default = str(spec.get("default", ""))
        more: dict[str, Any] = (
            {"nargs": "?", "const": "true"} if default in BOOLEAN_DEFAULTS else {}
        )
        shown = f" (default: {default})" if default else ""
        group.add_argument(
            f"--{name}",
            dest=f"input:{name}",
            action="append",
            metavar="VALUE",
            help=f"{spec.get('description', '')}{shown}".replace("%", "%%"),
            **more,
        )
    return made


def given_inputs(args: argparse.Namespace) -> dict[str, str]:
    """The inputs given as options (name -> value; repeated options joined by lines)."""
    found: dict[str, str] = {}
    for key, values in vars(args).items():
        if key.startswith("input:") and values is not None:
            found[key.removeprefix("input:")] = "\n".join(values)
    return found


def unknown_option_message(unknown: list[str]) -> str:
    """What to say about words argparse did not take: the first, with the closest option."""
    word = unknown[0]
    if not word.startswith("--"):
        return f"slipway: {word!r} is not an option (inputs are --NAME VALUE; see --help)\n"
    names = [f"--{name}" for name in action_inputs()]
    close = difflib.get_close_matches(word.split("=")[0], names, n=1)
    hint = f"; did you mean {close[0]}?" if close else "; see --help"
    return f"slipway: unknown option {word}{hint}\n"
