"""Which Dockerfile line added a layer: image history matched to the Dockerfile (pure).

BuildKit records each instruction as ``created_by`` (``COPY src/ ./ # buildkit``,
``RUN |1 A=b /bin/sh -c make # buildkit``) with its build args expanded, and the
``--from``/``--chown`` flags left out. Layers that no instruction of the final stage
explains come from its base image: they are attributed to the final ``FROM`` line,
where a base image bump fixes them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

_CONTINUATION = re.compile(r"\\\s*$")
_VARIABLE = re.compile(r"\\\$\\\{[^}]*\\\}|\\\$[A-Za-z_][A-Za-z0-9_]*")
_FLAG = re.compile(r"^(?:--\S+\s+)+")
_RUN_ARGS = re.compile(r"^RUN \|\d+ (?:\S+=\S* )*")


def instructions(dockerfile: str) -> list[tuple[int, str]]:
    """(first line number, instruction text joined over continuations), comments dropped."""
    found: list[tuple[int, str]] = []
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(dockerfile.splitlines(), start=1):
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if not pending:
            start = number
        if line.startswith("#"):
            continue
        pending.append(_CONTINUATION.sub("", line).strip())
        if not _CONTINUATION.search(line):
            found.append((start, " ".join(p for p in pending if p)))
            pending = []
    if pending:
        found.append((start, " ".join(pending)))
    return found


def _normalise(created_by: str) -> str:
    text = created_by.removesuffix("# buildkit").strip()
    text = _RUN_ARGS.sub("RUN ", text)
    text = text.replace("/bin/sh -c ", "", 1) if text.startswith("RUN ") else text
    return " ".join(text.split())


def _pattern(instruction: str) -> re.Pattern[str]:
    keyword, _, rest = instruction.partition(" ")
    rest = _FLAG.sub("", rest.strip())
    rest = rest.removeprefix("[").removesuffix("]") if keyword.upper() == "RUN" else rest
    escaped = _VARIABLE.sub(".*?", re.escape(" ".join(rest.split())))
    return re.compile(rf"{keyword.upper()}\s+\[?{escaped}\]?", re.IGNORECASE)


def layer_lines(metadata: Mapping[str, Any], dockerfile: str) -> dict[str, int]:
    """DiffID -> Dockerfile line, from a Trivy report's ``Metadata``; empty if unknown."""
    config = metadata.get("ImageConfig") or {}
    history: Sequence[Mapping[str, Any]] = config.get("history") or []
    diff_ids: Sequence[str] = metadata.get("DiffIDs") or []
    steps = instructions(dockerfile)
    froms = [i for i, (_, text) in enumerate(steps) if text.upper().startswith("FROM ")]
    if not froms:
        return {}
    final = steps[froms[-1] :]
    patterns = [(line, _pattern(text)) for line, text in final[1:]]
    layers = [h for h in history if not h.get("empty_layer")]
    if len(layers) != len(diff_ids):
        return {}
    lines: dict[str, int] = {}
    matched_any = False
    for entry, diff_id in zip(layers, diff_ids, strict=True):
        created_by = _normalise(str(entry.get("created_by", "")))
        line = next((n for n, p in patterns if p.fullmatch(created_by)), None)
        if line is not None:
            matched_any = True
            lines[diff_id] = line
        elif not matched_any:
            lines[diff_id] = final[0][0]  # a base image layer: the final FROM
    return lines
