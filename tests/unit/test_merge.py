"""Merging split-build parts into one index (pure)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

from slipway.errors import InputError
from slipway.inputs import read_inputs
from slipway.oci.index import MergeError, merge_index
from slipway.oci.manifest import OCI_INDEX, OCI_MANIFEST, Manifest, platform_manifests


def index(*entries: dict[str, Any]) -> Manifest:
    body = json.dumps(
        {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": list(entries)}
    ).encode()
    return Manifest("sha256:" + hashlib.sha256(body).hexdigest(), OCI_INDEX, body)


def image(arch: str, digest: str) -> dict[str, Any]:
    return {
        "mediaType": OCI_MANIFEST,
        "digest": digest,
        "size": 1,
        "platform": {"os": "linux", "architecture": arch},
    }


def attestation(of: str, digest: str) -> dict[str, Any]:
    return {
        "mediaType": OCI_MANIFEST,
        "digest": digest,
        "size": 1,
        "platform": {"os": "unknown", "architecture": "unknown"},
        "annotations": {
            "vnd.docker.reference.type": "attestation-manifest",
            "vnd.docker.reference.digest": of,
        },
    }


def test_merge_keeps_images_and_attestations_and_sets_annotations() -> None:
    amd = index(image("amd64", "sha256:a1"), attestation("sha256:a1", "sha256:a2"))
    arm = index(image("arm64", "sha256:b1"), attestation("sha256:b1", "sha256:b2"))
    merged = merge_index([amd, arm], {"org.opencontainers.image.version": "1.0"})
    document = merged.json()
    assert [m["digest"] for m in document["manifests"]] == [
        "sha256:a1",
        "sha256:a2",
        "sha256:b1",
        "sha256:b2",
    ]
    assert document["annotations"] == {"org.opencontainers.image.version": "1.0"}
    assert [m.platform for m in platform_manifests(document)] == ["linux/amd64", "linux/arm64"]
    assert merged.digest == "sha256:" + hashlib.sha256(merged.body).hexdigest()


def test_same_part_twice_is_harmless() -> None:
    amd = index(image("amd64", "sha256:a1"))
    assert len(merge_index([amd, amd], {}).json()["manifests"]) == 1


def test_conflicting_platforms_are_refused() -> None:
    with pytest.raises(MergeError, match="two sources carry linux/amd64"):
        merge_index([index(image("amd64", "sha256:a1")), index(image("amd64", "sha256:c1"))], {})


def test_single_manifest_is_refused() -> None:
    single = Manifest("sha256:x", OCI_MANIFEST, b"{}")
    with pytest.raises(MergeError, match="not an index"):
        merge_index([single], {})


@pytest.mark.parametrize(
    ("given", "name", "message"),
    [
        (
            {"INPUT_MERGE-DIGESTS": "sha256:abc", "INPUT_PUSH": "true"},
            "merge-digests",
            "entry 1 is not",
        ),
        ({"INPUT_MERGE-DIGESTS": "sha256:" + "a" * 64}, "push", "needs push: true"),
        ({"INPUT_PUSH-BY-DIGEST": "true"}, "push", "needs push: true"),
        (
            {
                "INPUT_MERGE-DIGESTS": "sha256:" + "a" * 64,
                "INPUT_PUSH": "true",
                "INPUT_PUSH-BY-DIGEST": "true",
            },
            "merge-digests",
            "cannot be combined",
        ),
    ],
)
def test_invalid_split_inputs(given: dict[str, str], name: str, message: str) -> None:
    with pytest.raises(InputError, match=message) as caught:
        read_inputs({"INPUT_IMAGES": "127.0.0.1:5000/app", **given})
    assert caught.value.name == name
