"""The Dockerfile: one parser (`model`) and one image-history attribution (`history`).

Every stage that names a Dockerfile line (scan annotations, the size table, the
policy's findings, SW017's secrets) gets it from here, so they always agree.
"""

from slipway.dockerfile.model import (
    Dockerfile,
    Instruction,
    Stage,
    Suppression,
    for_target,
    parse_dockerfile,
    substitute,
)

__all__ = [
    "Dockerfile",
    "Instruction",
    "Stage",
    "Suppression",
    "for_target",
    "parse_dockerfile",
    "substitute",
]
