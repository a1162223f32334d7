"""Which Dockerfile line made which layer: the image config's history matched to the stages.

The one attribution: the scan's annotations, the size table and the policy's secret
findings all ask it, so a layer is never put on two different lines.

BuildKit writes one history entry per instruction of the final stage (and of the
stages it is built FROM), after the base image's own entries; entries without a
layer carry ``empty_layer``. The text BuildKit records is not the Dockerfile's: build
args are expanded (``RUN |1 V=2 /bin/sh -c make 2``), ``--from``/``--chown`` are left
out, a heredoc is recorded as its body. So entries are paired with instructions by
keyword, walking both lists from the end; whatever is left at the front, once an
entry matches no instruction, is the base image's.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from slipway.dockerfile.model import Dockerfile, Instruction

BASE = "base image"
_LOOKBACK = 3  # instructions BuildKit may leave out of the history (ONBUILD triggers, ...)


@dataclass(frozen=True)
class Origin:
    """Where one history entry came from."""

    created_by: str
    empty: bool
    line: int  # 0: the base image
    stage: str

    @property
    def from_base(self) -> bool:
        """True for the base image's entries."""
        return self.line == 0


_ARGS_USED = re.compile(r"\|([0-9]{1,9}) ", re.ASCII)  # a count; more digits are no count


def clean_created_by(created_by: str) -> str:
    """``RUN |1 TOKEN=x /bin/sh -c pip install x # buildkit`` -> ``RUN pip install x``.

    The build args BuildKit records in front of a RUN (``|N K=V ...``, in every form: shell,
    exec, another SHELL) are dropped: their values must not reach a report."""
    text = created_by.strip().removesuffix("# buildkit").strip()
    text = text.replace("/bin/sh -c #(nop) ", "").strip()
    if text.startswith("/bin/sh -c "):
        text = "RUN " + text.removeprefix("/bin/sh -c ")
    if text.startswith("RUN "):
        rest = text.removeprefix("RUN ")
        used = _ARGS_USED.match(rest)
        if used:
            words = rest[used.end() :].split(" ")
            count = int(used.group(1))
            while count and words and "=" in words[0]:
                words, count = words[1:], count - 1
            rest = " ".join(words)
        text = "RUN " + rest.removeprefix("/bin/sh -c ")
    return text


def keyword_of(created_by: str) -> str:
    """The instruction keyword a history entry records (RUN, COPY, ...)."""
    word = clean_created_by(created_by).split(" ", 1)[0].upper()
    return word if word.isalpha() else "RUN"


def _instructions(dockerfile: Dockerfile) -> list[tuple[Instruction, str]]:
    found: list[tuple[Instruction, str]] = []
    for stage in reversed(dockerfile.final_stages()):
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


def layer_lines(
    config: Mapping[str, Any], diff_ids: Sequence[str], dockerfile: Dockerfile | None
) -> dict[str, int]:
    """DiffID -> the line to change for what that layer holds: the instruction that made
    it, or for a base image layer the ``FROM`` that names the base image (the final
    stage's, or that of the stage it is built from): a base bump fixes those.

    Empty when nothing is known: no Dockerfile, no stage, or no history at all.
    """
    chain = dockerfile.final_stages() if dockerfile else []
    if not chain or not config.get("history"):
        return {}
    base_line = chain[-1].line
    origins = layer_origins(config, len(diff_ids), dockerfile)
    return {d: o.line or base_line for d, o in zip(diff_ids, origins, strict=True)}
