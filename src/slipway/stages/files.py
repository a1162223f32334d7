"""Every file and folder an input names exists, checked before anything runs: a missing
``trivyignores`` entry must not be found after the build and the push.

The checks are `slipway.runner.validation.check_files` (what the action may read, and where);
this is the pipeline's call of them."""

from __future__ import annotations

from pathlib import Path

from slipway.core.plan import Plan
from slipway.errors import InputError
from slipway.inputs import Inputs
from slipway.runner.validation import RELATIVE_HINT
from slipway.runner.validation import check_files as check_input_files

__all__ = ["RELATIVE_HINT", "check_files", "read_text"]


def check_files(inputs: Inputs, plan: Plan) -> None:
    """Raise `InputError` naming the first input whose file or folder is missing, unreadable
    or outside the workspace and runner temp (``plan``: kept for the callers)."""
    del plan
    check_input_files(inputs)


def read_text(name: str, path: str) -> str:
    """The text of the file ``path`` that input ``name`` names."""
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        raise InputError(name, f"{path!r} cannot be read as text", RELATIVE_HINT) from None
