"""The size stage (step SIZE): measure the pushed image from the registry, compare it with
the baseline tag, gate, hint.

Manifests, configs and layer tarballs are read from the registry (layers streamed,
never pulled); which line made each layer comes from `slipway.dockerfile.history`.
`baseline_reference` decides what to compare with; `analyse_size` returns a
`SizeReport` for the renderers.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from slipway.dockerfile import Dockerfile
from slipway.errors import RegistryError
from slipway.oci.manifest import Manifest, platform_manifests
from slipway.runner import paths
from slipway.size.delta import compare, size_failures
from slipway.size.hints import size_hints
from slipway.size.layers import Tap, read_layer
from slipway.size.limits import SizeLimits
from slipway.size.model import LayerContents, PlatformSize
from slipway.size.report import SizeReport, baseline_reference, build_platform_size
from slipway.stages.registries import client
from slipway.tools.alongside import Alongside
from slipway.tools.layer_store import STORE_DIR, LayerStore
from slipway.tools.registry import RegistryClient

if TYPE_CHECKING:
    from slipway.stages import Run, State

LayerCache = MutableMapping[str, LayerContents | None]


def read_blob_layer(
    client: RegistryClient, repository: str, digest: str, media_type: str
) -> LayerContents | None:
    """Stream one layer from the registry; its bytes must match its digest."""
    with client.open_blob(repository, digest) as response:
        stream = Tap(response.raw, hashed=True)
        contents = read_layer(stream, media_type)
        stream.drain()
        if digest.startswith("sha256:") and stream.digest() != digest:
            raise RegistryError(
                f"the registry sent bytes for layer {digest} of {repository} that do not "
                "match that digest",
                "The registry or a proxy in front of it damaged the layer: check it, then re-run.",
            )
    return contents


def _contents(
    client: RegistryClient, repository: str, manifest: Mapping[str, Any], cache: LayerCache
) -> dict[str, LayerContents | None]:
    for descriptor in manifest.get("layers") or []:
        digest = str(descriptor["digest"])
        if digest not in cache:
            media_type = str(descriptor.get("mediaType", ""))
            cache[digest] = read_blob_layer(client, repository, digest, media_type)
    return {str(d["digest"]): cache[str(d["digest"])] for d in manifest.get("layers") or []}


def measure_manifest(
    client: RegistryClient,
    repository: str,
    platform: str,
    manifest: Manifest,
    dockerfile: Dockerfile | None,
    *,
    cache: LayerCache | None = None,
    read_layers: bool = True,
) -> PlatformSize:
    """One platform image: sizes, origins and (when ``read_layers``) contents."""
    document = manifest.json()
    config = client.get_blob_json(repository, str(document["config"]["digest"]))
    contents = (
        _contents(client, repository, document, {} if cache is None else cache)
        if read_layers
        else None
    )
    return build_platform_size(
        platform, manifest.digest, document, config, dockerfile, contents=contents
    )


def measure_image(
    client: RegistryClient,
    repository: str,
    reference: str,
    dockerfile: Dockerfile | None,
    *,
    cache: LayerCache | None = None,
    read_layers: bool = True,
) -> dict[str, PlatformSize]:
    """Every platform of ``repository:reference`` (an index or a single manifest)."""
    top = client.get_manifest(repository, reference)
    shared: LayerCache = {} if cache is None else cache
    if not top.is_index:
        size = measure_manifest(
            client, repository, "default", top, dockerfile, cache=shared, read_layers=read_layers
        )
        return {_platform_of(client, repository, top) or "default": size}
    sizes: dict[str, PlatformSize] = {}
    for entry in platform_manifests(top.json()):
        manifest = client.get_manifest(repository, entry.digest)
        sizes[entry.platform] = measure_manifest(
            client,
            repository,
            entry.platform,
            manifest,
            dockerfile,
            cache=shared,
            read_layers=read_layers,
        )
    return sizes


def _platform_of(client: RegistryClient, repository: str, manifest: Manifest) -> str:
    config = client.get_blob_json(repository, str(manifest.json()["config"]["digest"]))
    parts = (config.get("os"), config.get("architecture"), config.get("variant"))
    return "/".join(str(p) for p in parts if p)


def measure_baseline(
    client: RegistryClient,
    repository: str,
    reference: str,
    dockerfile: Dockerfile | None,
    *,
    cache: LayerCache | None = None,
) -> dict[str, PlatformSize]:
    """The baseline's sizes, or {} when the reference does not exist (first build)."""
    try:
        return measure_image(client, repository, reference, dockerfile, cache=cache)
    except RegistryError as error:
        if error.status == 404:
            return {}
        raise


NO_BASELINE = (
    "No size baseline: {ref} does not exist in {repository} yet (the first build of the "
    "base branch creates it); sizes are shown without a delta."
)


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


def measure_size(run: Run, digest: str, dockerfile: Dockerfile | None) -> SizeReport:
    """The pushed image's sizes against its baseline, from the registry (streams layers not
    seen before: it runs alongside the scan)."""
    plan, context = run.plan, run.context
    registry = client(run, run.plan.images[0])
    # Layer contents are kept with the scan results: both are worth keeping between runs.
    cache_dir = run.plan.scan.cache_dir or str(paths.trivy_cache_dir(run.runner.env))
    layers = LayerStore(Path(cache_dir) / STORE_DIR)
    report = analyse_size(
        registry,
        run.plan.images[0].repository,
        digest,
        dockerfile,
        baseline_ref=baseline_reference(
            plan.policy.size_baseline, context.event_name, context.base_ref
        ),
        limits=plan.policy.limits,
        cache=layers,
    )
    layers.prune()
    return report


def start(run: Run, state: State) -> None:
    """Step SIZE: the size analysis streams the pushed layers from the registry on a thread,
    while Trivy scans; the policy step collects it."""
    digest, dockerfile = state.digest, run.dockerfile
    state.sizing = Alongside(run.runner, lambda _: measure_size(run, digest, dockerfile))
