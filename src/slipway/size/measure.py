"""Measure a pushed image from the registry: manifests, configs and streamed layers.

No ``docker pull``: the manifest gives compressed sizes, the config's history gives
the instruction behind each layer, and each layer tarball is read once as a stream
for its unpacked size and largest files (``cache`` shares layers between platforms
and the baseline, so a base layer is read once per run).
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from typing import Any

from slipway.dockerfile import Dockerfile
from slipway.dockerfile.history import layer_origins
from slipway.errors import RegistryError
from slipway.size.layers import Tap, read_layer
from slipway.size.model import Layer, LayerContents, PlatformSize
from slipway.tools.registry import Manifest, RegistryClient, platform_manifests

LayerCache = MutableMapping[str, LayerContents | None]


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
            client, repository, entry.platform, manifest, dockerfile,
            cache=shared, read_layers=read_layers,
        )  # fmt: skip
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
