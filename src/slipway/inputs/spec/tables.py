"""The README's input tables, rendered from the declaration (pure): one per section, each row
an input, its default and what it accepts. ``scripts/input-tables`` writes them between the
README's ``<!-- inputs: SECTION -->`` and ``<!-- /inputs -->`` lines; a test keeps them so."""

from __future__ import annotations

import re

from slipway.inputs.spec import INPUTS, Input, Kind, Section

START = "<!-- inputs: {section} -->"
END = "<!-- /inputs -->"
_BLOCK = re.compile(r"<!-- inputs: (?P<section>[a-z ]+) -->\n.*?<!-- /inputs -->", re.DOTALL)
_KIND_NOTE = {
    Kind.BOOLEAN: "`true` or `false`",
    Kind.DURATION: "a duration",
    Kind.NUMBER: "a whole number",
}


def _default(spec: Input) -> str:
    if spec.shown_default:
        return spec.shown_default
    return f"`{spec.default}`" if spec.default else ""


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _accepts(spec: Input) -> str:
    note = _KIND_NOTE.get(spec.kind, "")
    if note and not spec.doc.startswith(("`true`", note)):
        return f"{note}: {spec.doc}"
    return spec.doc


def render_table(section: Section) -> str:
    """The Markdown table of ``section``'s inputs, in their declared order."""
    rows = [
        f"| `{spec.name}` | {_cell(_default(spec))} | {_cell(_accepts(spec))} |"
        for spec in INPUTS
        if spec.section is section
    ]
    return "\n".join(["| input | default | accepts |", "|---|---|---|", *rows])


def render_readme(readme: str) -> str:
    """``readme`` with every marked input table rendered anew."""

    def table(match: re.Match[str]) -> str:
        section = Section(match.group("section"))
        start = START.format(section=section.value)
        return f"{start}\n{render_table(section)}\n{END}"

    return _BLOCK.sub(table, readme)
