"""What makes a policy finding the same in two images: its rule and what it is about, never
its line (a line added above an instruction moves every line below it).

- A Dockerfile finding is about the instruction at its line: its keyword and arguments as
  written, continuation lines joined, every run of whitespace read as one space, heredoc
  bodies included. So a finding survives edits elsewhere in the file and any move of its
  instruction; an edit of the instruction itself (another base image in a ``FROM``, one more
  package in the ``RUN``) makes it a new finding: the change touched what the rule faults.
- A finding about the whole file (line 0: no ``HEALTHCHECK``) is its rule alone.
- SW001 (the final stage runs as root) is its rule alone: it is one property of the image,
  whether a ``USER root`` line, the final ``FROM`` of a stage with no ``USER`` or a platform's
  image config says it; a base image bump does not make it new.
- An image-config finding (the built image's config, per platform) is its platform and the
  image property it faults (the port the image declares), not the line it is shown on.
- SW017 (a secret in a layer) is the secret's kind and file, as the scan's own secret is.

A misconfiguration of ``trivy config`` (`policy: none`) is read the same way: its check ID
and the instruction at its line, or its check ID alone when Trivy gives no line (a check of
the whole file).

The identity is kept as a digest of these parts (SHA-256, 128 bits in hex): it is what the
scan report attached to the image carries for a later run to compare with, and the text of
an instruction may hold the very credential a rule found (SW005, SW007), which must not be
published with the image.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterable

from slipway.dockerfile import Dockerfile, Instruction
from slipway.policy import catalog
from slipway.policy.model import Finding, Source
from slipway.scan.findings import Misconfiguration

_WHOLE_IMAGE = frozenset({catalog.ROOT_USER.id})


def instruction_text(instruction: Instruction) -> str:
    """``instruction`` as one line: keyword, arguments and heredoc bodies, whitespace runs
    as one space."""
    return " ".join([instruction.keyword, *instruction.args.split(), *_words(instruction)])


def _words(instruction: Instruction) -> list[str]:
    return [word for body in instruction.heredocs for word in body.split()]


def subject(
    rule_id: str,
    *,
    source: str,
    platform: str | None,
    detail: str,
    instruction: Instruction | None,
) -> str:
    """What a finding of ``rule_id`` is about (see the module's text): ``instruction`` is the
    one at the finding's line (None: line 0, or no instruction there)."""
    if rule_id in _WHOLE_IMAGE:
        return ""
    if source == Source.IMAGE_CONFIG:
        return f"{platform or ''}\0{detail}"
    if rule_id == catalog.SECRET_IN_LAYER.id:
        return detail
    return instruction_text(instruction) if instruction is not None else ""


def fingerprint(rule_id: str, about: str) -> str:
    """The identity of a finding of ``rule_id`` about ``about`` (`subject`), as kept."""
    return hashlib.sha256(f"{rule_id}\0{about}".encode()).hexdigest()[:32]


def identity(finding: Finding) -> str:
    """``finding``'s identity: the one `slipway.policy.evaluate` gave it; for a finding made
    without one, its rule, platform, line and detail (then a moved line makes it new)."""
    if finding.identity:
        return finding.identity
    about = f"{finding.platform or ''}\0{finding.line}\0{finding.detail}"
    return fingerprint(finding.id, about)


def misconfiguration_subject(start_line: int | None, dockerfile: Dockerfile) -> str:
    """What a misconfiguration at ``start_line`` of ``dockerfile`` is about: the instruction
    there (`instruction_text`), or "" (the whole file) when there is no line or instruction."""
    instruction = dockerfile.at_line(start_line) if start_line else None
    return instruction_text(instruction) if instruction is not None else ""


def identify_misconfigurations(
    misconfigurations: Iterable[Misconfiguration], dockerfile: Dockerfile
) -> tuple[Misconfiguration, ...]:
    """``misconfigurations`` of ``dockerfile``, each with its identity: its check ID and the
    instruction at its line (`misconfiguration_subject`)."""
    return tuple(
        dataclasses.replace(
            m, identity=fingerprint(m.id, misconfiguration_subject(m.start_line, dockerfile))
        )
        for m in misconfigurations
    )


def misconfiguration_identity(misconfiguration: Misconfiguration) -> str:
    """``misconfiguration``'s identity: the one `identify_misconfigurations` gave it; for one
    made without, its check ID, file, line and message (then a moved line makes it new)."""
    if misconfiguration.identity:
        return misconfiguration.identity
    m = misconfiguration
    return fingerprint(m.id, f"{m.file}\0{m.start_line}\0{m.message}")
