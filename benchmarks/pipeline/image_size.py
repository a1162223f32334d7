"""The action image's compressed size per layer, read from its manifest in the registry,
each layer named by what put it there (the config's history), the tools apart from
Slipway's own: the goal is Slipway and its dependencies (the venv, the entry point)
within 25 MB on top of its tools (the python base, docker CLI, buildx, git, Trivy)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests

GOAL_MB = 25.0
MANIFESTS = (
    "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json, "
    "application/vnd.docker.distribution.manifest.v2+json"
)
# What a layer's history entry copies, and what that is (the Dockerfile's final stage).
KINDS = (
    ("/opt/slipway/entrypoint.py", "Slipway: entry point", True),
    ("/opt/slipway", "Slipway: venv (slipway + its dependencies)", True),
    ("docker-buildx", "tool: buildx", False),
    ("/usr/local/bin/docker", "tool: docker CLI", False),
    ("/usr/bin/git", "tool: git", False),
    ("/usr/local/bin/trivy", "tool: Trivy", False),
)


@dataclass(frozen=True)
class Layer:
    """One layer: its digest, compressed bytes, what it is, whether it is Slipway's own."""

    digest: str
    size: int
    what: str
    ours: bool


def _get(url: str, accept: str = MANIFESTS) -> Any:
    response = requests.get(url, headers={"Accept": accept}, timeout=30)
    response.raise_for_status()
    return response.json()


def _manifest(registry: str, repository: str, reference: str) -> dict[str, Any]:
    """The linux/amd64 image manifest of ``reference`` (an index is resolved)."""
    found: dict[str, Any] = _get(f"http://{registry}/v2/{repository}/manifests/{reference}")
    if "manifests" in found:
        amd64 = next(
            m["digest"]
            for m in found["manifests"]
            if m.get("platform", {}).get("architecture") == "amd64"
        )
        found = _get(f"http://{registry}/v2/{repository}/manifests/{amd64}")
    return found


def action_layers(image: str, base: str) -> list[Layer]:
    """The layers of ``image`` (``REGISTRY/REPO@sha256:...``); those of ``base`` (the python
    base image's reference in the same registry) are named as the base."""
    registry, _, rest = image.partition("/")
    repository, _, digest = rest.partition("@")
    repository = repository.split(":")[0]
    manifest = _manifest(registry, repository, digest)
    config = _get(f"http://{registry}/v2/{repository}/blobs/{manifest['config']['digest']}", "*/*")
    steps = [h.get("created_by", "") for h in config.get("history", []) if not h.get("empty_layer")]
    base_registry, _, base_rest = base.partition("/")
    base_repository, _, base_tag = base_rest.rpartition(":")
    base_layers = {
        layer["digest"] for layer in _manifest(base_registry, base_repository, base_tag)["layers"]
    }
    layers = []
    for index, layer in enumerate(manifest["layers"]):
        step = steps[index] if index < len(steps) else ""
        what, ours = "other", False
        if layer["digest"] in base_layers:
            what = "tool: python base (Debian bookworm + Python 3.11)"
        else:
            what, ours = next(((w, o) for mark, w, o in KINDS if mark in step), (step[:50], False))
        layers.append(Layer(layer["digest"], int(layer["size"]), what, ours))
    return layers


def report_layers(image: str, base: str) -> tuple[float, bool]:
    """Print the layer table; return Slipway's own MB and whether the goal is met."""
    layers = action_layers(image, base)
    print(f"\naction image {image}\ncompressed size per layer (linux/amd64):")
    print(f"  {'layer':19} {'MB':>7}  what")
    for layer in layers:
        print(f"  {layer.digest[7:19]:19} {layer.size / 1e6:7.2f}  {layer.what}")
    tools = sum(layer.size for layer in layers if not layer.ours) / 1e6
    ours = sum(layer.size for layer in layers if layer.ours) / 1e6
    met = ours <= GOAL_MB
    print(f"  {'tools':19} {tools:7.2f}")
    print(f"  {'Slipway + deps':19} {ours:7.2f}  goal <= {GOAL_MB:.0f} MB: {mark(met)}")
    print(f"  {'total':19} {tools + ours:7.2f}")
    return ours, met


def mark(met: bool) -> str:
    """How a goal is shown."""
    return "met" if met else "NOT MET"
