"""Tiny multi-platform images and digest-checked registry reads, for regfront's tests.

A FROM scratch image that only COPYs a text file builds for any platform without QEMU.
Reads use plain ``requests`` and check every manifest and blob against its digest.
"""

from __future__ import annotations

import hashlib
import json
import random
import subprocess
import time
from pathlib import Path
from typing import Any

import requests

from tests.support.builders import oci_builder

MANIFEST_TYPES = (
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
)
ACCEPT = ", ".join(MANIFEST_TYPES)
PLATFORMS = "linux/amd64,linux/arm64"


def build_context(directory: Path) -> Path:
    """A build context: FROM scratch plus one text file per platform, new content each call."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "Dockerfile").write_text(
        "FROM scratch\nARG TARGETARCH\nCOPY hello-${TARGETARCH}.txt /hello.txt\n"
    )
    nonce = f"{time.time_ns()} {random.random()}"  # new blobs every run
    for arch in ("amd64", "arm64"):
        (directory / f"hello-{arch}.txt").write_text(f"{arch} {nonce}\n")
    return directory


def buildx_push(
    ref: str,
    context: Path,
    *,
    provenance: bool = False,
    env: dict[str, str] | None = None,
    builder: str = "",
) -> subprocess.CompletedProcess[str]:
    """``docker buildx build --platform linux/amd64,linux/arm64 --push -t REF CONTEXT``.

    Built with the test builder (tests.support.builders) unless ``builder`` names another;
    the engine's own builder on the containerd image store keeps a local copy under REF, so
    that is removed again.
    """
    builder = builder or oci_builder((env or {}).get("DOCKER_HOST", ""))
    argv = ["docker", "buildx", "build", "--builder", builder, "--platform", PLATFORMS]
    argv += ["--push", "-t", ref]
    argv += [f"--provenance={str(provenance).lower()}", str(context)]
    try:
        return subprocess.run(
            argv, capture_output=True, text=True, timeout=120, env=env, check=False
        )
    finally:
        remove = ["docker", "image", "rm", "--force", ref]
        subprocess.run(remove, capture_output=True, timeout=60, env=env, check=False)


def get_checked(url: str, digest: str, **kwargs: Any) -> bytes:
    """GET a manifest or blob by digest and assert that its content hashes to it."""
    response = requests.get(url, timeout=30, headers={"Accept": ACCEPT}, **kwargs)
    response.raise_for_status()
    assert f"sha256:{hashlib.sha256(response.content).hexdigest()}" == digest, url
    return response.content


def check_image_tree(base: str, repo: str, tag: str, **kwargs: Any) -> tuple[bytes, int]:
    """Read an index and all it references, checking digests: (index bytes, object count).

    ``kwargs`` go to ``requests.get`` (``verify=``, ``auth=``).
    """
    top = requests.get(
        f"{base}/v2/{repo}/manifests/{tag}", timeout=30, headers={"Accept": ACCEPT}, **kwargs
    )
    top.raise_for_status()
    digest = top.headers["Docker-Content-Digest"]
    index = get_checked(f"{base}/v2/{repo}/manifests/{digest}", digest, **kwargs)
    assert index == top.content
    seen = 1
    for entry in json.loads(index)["manifests"]:
        url = f"{base}/v2/{repo}/manifests/{entry['digest']}"
        manifest = json.loads(get_checked(url, entry["digest"], **kwargs))
        for blob in [manifest["config"], *manifest["layers"]]:
            get_checked(f"{base}/v2/{repo}/blobs/{blob['digest']}", blob["digest"], **kwargs)
            seen += 1
        seen += 1
    return index, seen


def upload_blob(base: str, repo: str, data: bytes, **kwargs: Any) -> str:
    """Monolithic blob upload (POST, then PUT with the body); returns the digest.

    Asserts that the upload Location points at ``base`` (the front, not its backend).
    """
    digest = f"sha256:{hashlib.sha256(data).hexdigest()}"
    started = requests.post(f"{base}/v2/{repo}/blobs/uploads/", timeout=10, **kwargs)
    assert started.status_code == 202, started.text
    location = started.headers["Location"]
    assert location.startswith(f"{base}/v2/{repo}/blobs/uploads/"), location
    done = requests.put(location, params={"digest": digest}, data=data, timeout=30, **kwargs)
    assert done.status_code == 201, done.text
    return digest
