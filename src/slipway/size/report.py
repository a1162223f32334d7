"""What the size stage found: sizes per platform, the baseline delta, failures, hints;
and which tag a run compares with (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from slipway.dockerfile import Dockerfile
from slipway.dockerfile.history import layer_origins
from slipway.meta.tags import clean_tag
from slipway.size.delta import PlatformDelta
from slipway.size.hints import Hint
from slipway.size.model import Layer, LayerContents, PlatformSize


@dataclass(frozen=True)
class SizeReport:
    """Sizes per platform, the delta against the baseline, gate failures and hints."""

    sizes: Mapping[str, PlatformSize]
    baseline_ref: str = ""
    baseline: Mapping[str, PlatformSize] = field(default_factory=dict)
    deltas: Mapping[str, PlatformDelta] = field(default_factory=dict)
    failures: tuple[str, ...] = ()
    hints: tuple[Hint, ...] = ()
    notes: tuple[str, ...] = ()


def baseline_reference(size_baseline: str, event_name: str, base_ref: str) -> str:
    """The tag to compare with: ``size-baseline``, else a pull request's base branch tag.

    The base branch's tag is the one the default tags give it (metadata-action's
    ``type=ref,event=branch``: the branch name, sanitised). Other events: no baseline.
    """
    if size_baseline:
        return size_baseline
    if event_name.startswith("pull_request") and base_ref:
        return clean_tag(base_ref)
    return ""


def build_platform_size(
    platform: str,
    manifest_digest: str,
    manifest: Mapping[str, Any],
    config: Mapping[str, Any],
    dockerfile: Dockerfile | None,
    *,
    contents: Mapping[str, LayerContents | None] | None = None,
) -> PlatformSize:
    """The pure part: manifest + config (+ layer contents by digest) -> `PlatformSize`."""
    descriptors = list(manifest.get("layers") or [])
    origins = layer_origins(config, len(descriptors), dockerfile)
    layers = tuple(
        Layer(
            str(d.get("digest", "")),
            str(d.get("mediaType", "")),
            int(d.get("size", 0)),
            origin.created_by,
            origin.line,
            origin.stage,
            (contents or {}).get(str(d.get("digest", ""))),
        )
        for d, origin in zip(descriptors, origins, strict=True)
    )
    final = dockerfile.final_stage if dockerfile else None
    return PlatformSize(platform, manifest_digest, layers, final.base if final else "")
