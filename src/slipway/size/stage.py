"""The size stage: measure the pushed image, compare with the baseline tag, gate, hint.

`baseline_reference` (pure) decides what to compare with; `analyse_size` reads the
registry (through `slipway.size.measure`) and returns a `SizeReport` for the renderers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from slipway.dockerfile import Dockerfile
from slipway.meta.tags import clean_tag
from slipway.size.delta import PlatformDelta, compare, size_failures
from slipway.size.hints import Hint, size_hints
from slipway.size.limits import SizeLimits
from slipway.size.measure import LayerCache, measure_baseline, measure_image
from slipway.size.model import PlatformSize
from slipway.tools.registry import RegistryClient

NO_BASELINE = (
    "No size baseline: {ref} does not exist in {repository} yet (the first build of the "
    "base branch creates it); sizes are shown without a delta."
)


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


def analyse_size(
    client: RegistryClient,
    repository: str,
    reference: str,
    dockerfile: Dockerfile | None,
    *,
    baseline_ref: str = "",
    limits: SizeLimits | None = None,
    cache: LayerCache | None = None,
) -> SizeReport:
    """Measure ``repository@reference`` and compare it with ``baseline_ref`` (a tag)."""
    shared: LayerCache = {} if cache is None else cache
    sizes = measure_image(client, repository, reference, dockerfile, cache=shared)
    limits = limits or SizeLimits()
    baseline: dict[str, PlatformSize] = {}
    notes: list[str] = []
    if baseline_ref:
        # The baseline was built from the base branch's Dockerfile, which may differ; its
        # layers are matched by instruction text, and removed ones are named without a line.
        baseline = measure_baseline(client, repository, baseline_ref, dockerfile, cache=shared)
        if not baseline:
            notes.append(NO_BASELINE.format(ref=baseline_ref, repository=repository))
    deltas = {p: compare(s, baseline[p]) for p, s in sizes.items() if p in baseline}
    return SizeReport(
        sizes,
        baseline_ref,
        baseline,
        deltas,
        size_failures(sizes, deltas, limits, baseline_ref or "the baseline"),
        tuple(size_hints(sizes.values())),
        tuple(notes),
    )
