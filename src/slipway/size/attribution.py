"""Which Dockerfile line made which layer: config history matched to the parsed stages.

BuildKit writes one history entry per instruction of the final stage (and of the
stages it is built FROM), after the base image's own entries; entries without a
layer carry ``empty_layer``. Walking both lists from the end pairs each entry with
its instruction by keyword; whatever is left at the front is the base image.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from slipway.policy.checks import final_stages
from slipway.policy.dockerfile import Dockerfile, Instruction
from slipway.size.model import keyword_of

BASE = "base image"
_LOOKBACK = 3  # instructions BuildKit may leave out of the history (ARG, ONBUILD, ...)


@dataclass(frozen=True)
class Origin:
    """Where one history entry came from."""

    created_by: str
    empty: bool
    line: int  # 0: the base image
    stage: str


def _instructions(dockerfile: Dockerfile) -> list[tuple[Instruction, str]]:
    chain = list(reversed(final_stages(dockerfile)))
    found: list[tuple[Instruction, str]] = []
    for stage in chain:
        label = stage.name or f"stage {stage.index}"
        found += [
            (i, label)
            for i in dockerfile.in_stage(stage.index)
            if i.keyword not in ("FROM", "ONBUILD")
        ]
    return found


def attribute(history: Sequence[Mapping[str, Any]], dockerfile: Dockerfile | None) -> list[Origin]:
    """One `Origin` per history entry, in history order."""
    origins: list[Origin] = []
    remaining = _instructions(dockerfile) if dockerfile else []
    matching = True
    for entry in reversed(history):
        created_by = str(entry.get("created_by", ""))
        empty = bool(entry.get("empty_layer", False))
        line, stage = 0, BASE
        if matching and remaining:
            keyword = keyword_of(created_by)
            for back in range(1, min(_LOOKBACK, len(remaining)) + 1):
                instruction, label = remaining[-back]
                if instruction.keyword == keyword:
                    line, stage = instruction.line, label
                    del remaining[-back:]
                    break
            else:
                matching = False  # an entry no instruction explains: the base starts here
        origins.append(Origin(created_by, empty, line, stage))
    return list(reversed(origins))


def layer_origins(
    config: Mapping[str, Any], layer_count: int, dockerfile: Dockerfile | None
) -> list[Origin]:
    """The origin of each of ``layer_count`` layers (history entries without a layer skipped).

    When the history does not account for every layer (squashed or hand-made images),
    the unexplained layers are reported as base image layers.
    """
    origins = [o for o in attribute(config.get("history") or [], dockerfile) if not o.empty]
    if len(origins) != layer_count:
        origins = [Origin("", False, 0, BASE)] * (layer_count - len(origins)) + origins
        origins = origins[-layer_count:] if layer_count else []
    return origins
