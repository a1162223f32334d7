"""Checks on the built image's config: what the Dockerfile alone cannot show.

A base image may set ``USER`` or ``EXPOSE`` itself; the pushed config (per platform)
is the truth about who the container runs as and which ports it declares.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from slipway.dockerfile import Dockerfile
from slipway.policy import catalog
from slipway.policy.model import PolicyConfig, Source, ToolFinding
from slipway.policy.own_rules import expand_ports


def is_root(user: str) -> bool:
    """True for an unset user, ``root`` or uid 0 (with or without a group)."""
    name = user.split(":", maxsplit=1)[0].strip()
    return name in ("", "root", "0")


def _anchor(dockerfile: Dockerfile, keyword: str, port: int | None = None) -> int:
    """The line of the last ``keyword`` (exposing ``port``) in the final stages, else FROM."""
    indexes = {s.index for s in dockerfile.final_stages()}
    for instruction in reversed(dockerfile.instructions):
        if instruction.stage in indexes and instruction.keyword == keyword:
            words = instruction.body.split()
            if port is None or any(port in expand_ports(word) for word in words):
                return instruction.line
    final = dockerfile.final_stage
    return final.line if final else 0


def check_image_config(
    config: Mapping[str, Any], dockerfile: Dockerfile, policy: PolicyConfig
) -> list[ToolFinding]:
    """SW001 when the image runs as root, SW008 for declared ports ``allowed-ports`` lacks."""
    found: list[ToolFinding] = []
    settings = config.get("config") or {}
    user = str(settings.get("User") or "")
    if is_root(user):
        detail = f"image config User={user or '(unset)'}"
        line = _anchor(dockerfile, "USER")
        found.append(ToolFinding(Source.IMAGE_CONFIG, catalog.ROOT_USER.id, line, detail))
    if policy.allowed_ports is not None:
        for key in sorted(settings.get("ExposedPorts") or {}):
            for port in expand_ports(str(key)):
                if port not in policy.allowed_ports:
                    line = _anchor(dockerfile, "EXPOSE", port)
                    found.append(ToolFinding(Source.IMAGE_CONFIG, catalog.PORT.id, line, str(port)))
    return found
