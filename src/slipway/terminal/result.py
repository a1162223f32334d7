"""The last lines of a run on a terminal: the files written, the image, what the exit code means."""

from __future__ import annotations

import json
from collections.abc import Mapping

from slipway.errors import ExitCode
from slipway.terminal.style import PLAIN, Span, lines_of, width

Line = list[Span]

MEANINGS = {
    ExitCode.OK: "Success: every stage finished and nothing failed the gate.",
    ExitCode.GATE_FAILED: (
        "The security gate failed: the scan or the checks found what fail-on does not allow."
    ),
    ExitCode.INPUT: "An input is missing or malformed: nothing was built.",
    ExitCode.TOOL: "An external program (docker, buildx, Trivy, hadolint) is missing or failed.",
    ExitCode.REGISTRY: "The registry refused the request or could not be reached.",
    ExitCode.BUILD: "The image did not build (docker buildx build failed).",
    ExitCode.SCAN: "Trivy could not scan the image (an error of the scan, not a finding).",
    ExitCode.INTERNAL: "Slipway itself failed: please report it to the maintainers.",
}
INTERRUPTED = 130  # what `python -m slipway` returns on Ctrl-C


def meaning(exit_code: int) -> str:
    """One sentence on what ``exit_code`` means."""
    if exit_code == INTERRUPTED:
        return "Interrupted (Ctrl-C)."
    try:
        return MEANINGS[ExitCode(exit_code)]
    except ValueError:
        return "Not an exit code Slipway sets itself."


def format_duration(seconds: float) -> str:
    """``12.3 s`` under a minute, ``2 min 05 s`` from there."""
    if seconds < 59.95:  # 59.96 would print as 60.0 s
        return f"{max(seconds, 0.0):.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s"


def _files(outputs: Mapping[str, str]) -> list[tuple[str, str]]:
    rows = [(name, value) for name, value in outputs.items() if name.endswith("-file") and value]
    sboms = outputs.get("sbom-files", "")
    try:
        parsed = json.loads(sboms) if sboms else {}
    except ValueError:
        parsed = sboms
    if isinstance(parsed, dict):
        rows += [(f"sbom {platform}", str(path)) for platform, path in sorted(parsed.items())]
    elif parsed:
        rows.append(("sbom-files", str(parsed)))
    return rows


def result_lines(outputs: Mapping[str, str], exit_code: int) -> list[Line]:
    """The files written (outputs named ``*-file``, and ``sbom-files``), the digest and the
    tags when set, then the exit code and its meaning; keys aligned in one column."""
    rows = _files(outputs)
    if outputs.get("digest"):
        rows.append(("digest", outputs["digest"]))
    tags = [tag for tag in lines_of(outputs.get("tags", "")) if tag.strip()]
    rows += [("tags" if n == 0 else "", tag) for n, tag in enumerate(tags)]
    verdict: Line = [(f"exit {exit_code}", ("bold", "green" if exit_code == 0 else "red"))]
    keys = [key for key, _ in rows] + [f"exit {exit_code}"]
    column = max(width(key) for key in keys) + 2
    lines: list[Line] = []
    for key, value in rows:
        lines.append([(key, ("bold",)), (" " * (column - width(key)), PLAIN), (value, PLAIN)])
    pad = " " * (column - width(keys[-1]))
    lines.append([*verdict, (pad, PLAIN), (meaning(exit_code), PLAIN)])
    return lines
