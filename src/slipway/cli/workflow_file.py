"""A workflow step's ``with:`` block as inputs: the step the workflow runs, run here.

``${{ }}`` expressions naming the push's context (``github.sha``, ``github.ref_name``, ...)
are evaluated from the local checkout; any other (secrets, vars, matrix, steps, functions)
cannot be known here: its input is left out and reported, never guessed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from slipway.errors import InputError

_EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}", re.DOTALL)
STEP_HINT = "Give the `id:` of a step that `uses:` Slipway, e.g. --workflow {path} --step image."


@dataclass(frozen=True)
class StepInputs:
    """The step's inputs, and those left out (name -> the expression that could not be read)."""

    inputs: dict[str, str]
    left_out: dict[str, str]


def _steps(document: Any) -> list[Mapping[str, Any]]:
    jobs = document.get("jobs") if isinstance(document, Mapping) else None
    found: list[Mapping[str, Any]] = []
    for job in (jobs or {}).values():
        steps = job.get("steps") if isinstance(job, Mapping) else None
        found += [s for s in steps or [] if isinstance(s, Mapping)]
    return found


def find_step(path: Path, step_id: str) -> Mapping[str, Any]:
    """The step of workflow ``path`` whose ``id`` is ``step_id``; it must use Slipway."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError, yaml.YAMLError) as error:  # a 5,000-digit number
        reason = (
            str(error)[:200] if not isinstance(error, RecursionError) else "it nests too deeply"
        )
        raise InputError("--workflow", f"cannot read {str(path)[:80]!r}: {reason}") from None
    steps = _steps(document)
    matching = [s for s in steps if str(s.get("id", "")) == step_id]
    ids = ", ".join(str(s["id"]) for s in steps if "id" in s) or "none"
    if not matching:
        raise InputError(
            "--step", f"no step has id {step_id!r} (ids: {ids[:200]})", STEP_HINT.format(path=path)
        )
    step = matching[0]
    if "slipway" not in str(step.get("uses", "")).lower():
        raise InputError(
            "--step", f"step {step_id!r} does not use Slipway", STEP_HINT.format(path=path)
        )
    return step


def evaluate(value: str, context: Mapping[str, str]) -> str | None:
    """``value`` with each ``${{ github.X }}`` replaced; None when any other is in it."""
    missing = False

    def replace(match: re.Match[str]) -> str:
        nonlocal missing
        name = match.group(1)
        if name in context:
            return context[name]
        missing = True
        return ""

    done = _EXPRESSION.sub(replace, value)
    return None if missing else done


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"  # YAML's true is the string "true" to the runner
    return "" if value is None else str(value)


def step_inputs(path: Path, step_id: str, context: Mapping[str, str]) -> StepInputs:
    """The step's ``with:`` block, evaluated against ``context`` (``github.sha`` -> value)."""
    block = find_step(path, step_id).get("with") or {}
    if not isinstance(block, Mapping):
        raise InputError("--step", f"step {step_id!r}: `with:` is not a mapping")
    inputs: dict[str, str] = {}
    left_out: dict[str, str] = {}
    for name, raw in block.items():
        text = _text(raw)
        found = evaluate(text, context)
        if found is None:
            left_out[str(name)] = text
        else:
            inputs[str(name)] = found
    return StepInputs(inputs, left_out)


def expression_context(env: Mapping[str, str]) -> dict[str, str]:
    """The ``github.*`` names a push's ``GITHUB_*`` variables answer."""
    names = (
        "sha",
        "ref",
        "ref_name",
        "ref_type",
        "repository",
        "repository_owner",
        "event_name",
        "actor",
        "server_url",
        "api_url",
        "workspace",
    )
    return {
        f"github.{n}": env[f"GITHUB_{n.upper()}"] for n in names if f"GITHUB_{n.upper()}" in env
    }
