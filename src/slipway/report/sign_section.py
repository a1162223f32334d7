"""The report's "Signed" section (pure): what was signed about each image and the exact
commands that verify it, or why nothing was signed.

The commands hold a workflow ref (a branch name: attacker-chosen text), already quoted for
the shell (`slipway.sign.verify`); here they go into a fenced code block whose fence is
longer than any run of backticks in them, so no text of theirs becomes Markdown or HTML."""

from __future__ import annotations

import re
from collections.abc import Sequence

from slipway.report.fit import Block, Section
from slipway.report.markdown import code, text
from slipway.sign.statement import COSIGN_SIGN_PREDICATE, CYCLONEDX_PREDICATE, VSA_PREDICATE
from slipway.sign.verify import PUBLIC_KEY_FILE, TRUSTED_ROOT_FILE, Signed

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
NAMES = {
    COSIGN_SIGN_PREDICATE: "the image",
    VSA_PREDICATE: "the gate's verdict (SLSA VSA)",
    CYCLONEDX_PREDICATE: "the SBOM (CycloneDX)",
}


def code_block(lines: Sequence[str]) -> str:
    """``lines`` as a fenced code block that nothing in them can close."""
    body = "\n".join(_CONTROL.sub("", line.replace("\n", " ")) for line in lines)
    longest = max((len(run) for run in re.findall(r"`+", body)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}sh\n{body}\n{fence}"


def _what(predicate_type: str) -> str:
    if predicate_type.startswith("https://slsa.dev/provenance/"):
        return f"the build's provenance ({code(predicate_type)})"
    return NAMES.get(predicate_type, code(predicate_type))


def sign_sections(signed: Sequence[Signed], not_signed: str) -> list[Section]:
    """The section, when the run signed or says why it did not."""
    if not signed:
        return (
            [Block("signing", (f"### Not signed\n\n{text(not_signed, 400)}",))]
            if not_signed
            else []
        )
    parts = ["### Signed", ""]
    for entry in signed:
        kinds = list(dict.fromkeys(_what(kind) for kind in entry.predicate_types))
        parts.append(f"{code(entry.reference, 400)}: {', '.join(kinds)}. Verify with:")
        parts += ["", code_block(entry.commands), ""]
    commands = "\n".join(c for entry in signed for c in entry.commands)
    if PUBLIC_KEY_FILE in commands:
        parts.append(f"`{PUBLIC_KEY_FILE}` is the public half of `sign-key`.")
    if TRUSTED_ROOT_FILE in commands:
        parts.append(f"`{TRUSTED_ROOT_FILE}` is your Sigstore instance's trusted root.")
    short = (
        f"### Signed\n\n{len(signed)} image(s); the commands are in the `verify-commands` output."
    )
    return [Block("signing", ("\n".join(parts).rstrip(), short))]
