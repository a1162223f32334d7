"""Sizes against a baseline image (the base branch's tag): per platform and per layer.

Layers with the same digest are unchanged. Others are paired by the instruction
that made them (so "+23.4 MB, RUN pip install ... line 14" names the line), and what
is left over was added or removed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from slipway.size.limits import SizeLimits, format_delta, format_size
from slipway.size.model import Layer, PlatformSize

OVER_MAX = "{platform} is {size} compressed, over max-size {limit}"
OVER_INCREASE = "{platform} grew by {delta} against {baseline}, over max-size-increase {limit}"


@dataclass(frozen=True)
class LayerDelta:
    """One layer that changed: the current layer, the baseline's, and the difference."""

    current: Layer | None
    baseline: Layer | None

    @property
    def compressed(self) -> int:
        """Compressed bytes gained (negative: saved)."""
        now = self.current.compressed if self.current else 0
        before = self.baseline.compressed if self.baseline else 0
        return now - before

    @property
    def uncompressed(self) -> int | None:
        """Unpacked bytes gained, when both sides were read."""
        now = _unpacked(self.current)
        before = _unpacked(self.baseline)
        return None if now is None or before is None else now - before

    @property
    def line(self) -> int:
        """The Dockerfile line of the current layer (or of the removed one)."""
        layer = self.current or self.baseline
        return layer.line if layer else 0

    def describe(self) -> str:
        """``+23.4 MB, RUN pip install ... line 14`` (untrusted instruction text: escape it)."""
        layer = self.current or self.baseline
        assert layer is not None
        what = layer.instruction[:60] + ("..." if len(layer.instruction) > 60 else "")
        if self.current is None:
            where = " (removed)"
        else:
            where = f" line {layer.line}" if layer.line else f" ({layer.stage})"
        return f"{format_delta(self.compressed)}, {what or 'layer'}{where}"


def _unpacked(layer: Layer | None) -> int | None:
    if layer is None:
        return 0
    return layer.contents.uncompressed if layer.contents else None


@dataclass(frozen=True)
class PlatformDelta:
    """One platform against its baseline."""

    platform: str
    current: PlatformSize
    baseline: PlatformSize
    layers: tuple[LayerDelta, ...]

    @property
    def compressed(self) -> int:
        """Compressed bytes gained."""
        return self.current.compressed - self.baseline.compressed

    @property
    def uncompressed(self) -> int | None:
        """Unpacked bytes gained, when both images were read in full."""
        now, before = self.current.uncompressed, self.baseline.uncompressed
        return None if now is None or before is None else now - before


def compare(current: PlatformSize, baseline: PlatformSize) -> PlatformDelta:
    """The layers that differ between ``current`` and ``baseline``, biggest change first."""
    unchanged = {layer.digest for layer in current.layers} & {b.digest for b in baseline.layers}
    before = [layer for layer in baseline.layers if layer.digest not in unchanged]
    changes: list[LayerDelta] = []
    for layer in current.layers:
        if layer.digest in unchanged:
            continue
        match = next((b for b in before if b.instruction == layer.instruction), None)
        if match is None and layer.line:
            match = next((b for b in before if b.line == layer.line), None)
        if match is not None:
            before.remove(match)
        changes.append(LayerDelta(layer, match))
    changes += [LayerDelta(None, removed) for removed in before]
    changes.sort(key=lambda d: -abs(d.compressed))
    return PlatformDelta(current.platform, current, baseline, tuple(changes))


def size_failures(
    sizes: Mapping[str, PlatformSize],
    deltas: Mapping[str, PlatformDelta],
    limits: SizeLimits,
    baseline_ref: str = "the baseline",
) -> tuple[str, ...]:
    """One reason per platform over ``max-size`` or ``max-size-increase``; empty: passed."""
    reasons: list[str] = []
    for platform, size in sorted(sizes.items()):
        if limits.max_size is not None and size.compressed > limits.max_size:
            reasons.append(
                OVER_MAX.format(
                    platform=platform,
                    size=format_size(size.compressed),
                    limit=format_size(limits.max_size),
                )
            )
        delta = deltas.get(platform)
        if delta is None:
            continue
        grown = delta.compressed
        over_bytes = limits.max_increase is not None and grown > limits.max_increase
        percent = 100.0 * grown / delta.baseline.compressed if delta.baseline.compressed else 0.0
        over_percent = (
            limits.max_increase_percent is not None and percent > limits.max_increase_percent
        )
        if over_bytes or over_percent:
            limit = (
                format_size(limits.max_increase)
                if over_bytes and limits.max_increase is not None
                else f"{limits.max_increase_percent:g}%"
            )
            reasons.append(
                OVER_INCREASE.format(
                    platform=platform,
                    delta=f"{format_delta(grown)} ({percent:+.1f}%)",
                    baseline=baseline_ref,
                    limit=limit,
                )
            )
    return tuple(reasons)
