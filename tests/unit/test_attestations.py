"""BuildKit's attestations moved out of the index into referrers (slipway.oci.attestations)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from slipway.errors import RegistryError
from slipway.oci.attestations import (
    IN_TOTO_TYPE,
    TITLE,
    Attached,
    artifacts,
    detach,
    kind_of,
    read_statements,
    statement_artifact,
    statements,
    with_subject,
)
from slipway.oci.index import merge_index
from slipway.oci.manifest import OCI_INDEX, OCI_MANIFEST, Manifest, platform_manifests
from slipway.oci.referrers import Subject, sha256

AMD64, ARM64 = "sha256:" + "a" * 64, "sha256:" + "b" * 64
ATT_AMD64, ATT_ARM64 = "sha256:" + "c" * 64, "sha256:" + "d" * 64
PROVENANCE = "https://slsa.dev/provenance/v0.2"
IMAGE = "127.0.0.1:5000/acme/app"
SPDX = "https://spdx.dev/Document"


def image(digest: str, arch: str) -> dict[str, Any]:
    return {
        "mediaType": OCI_MANIFEST,
        "digest": digest,
        "size": 480,
        "platform": {"architecture": arch, "os": "linux"},
    }


def attestation(digest: str, about: str) -> dict[str, Any]:
    """An entry as BuildKit writes it."""
    return {
        "mediaType": OCI_MANIFEST,
        "digest": digest,
        "size": 566,
        "annotations": {
            "vnd.docker.reference.digest": about,
            "vnd.docker.reference.type": "attestation-manifest",
        },
        "platform": {"architecture": "unknown", "os": "unknown"},
    }


def index(*entries: dict[str, Any], **extra: Any) -> Manifest:
    body = json.dumps(
        {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": list(entries), **extra}
    ).encode()
    return Manifest(sha256(body), OCI_INDEX, body)


BUILT = index(
    image(AMD64, "amd64"),
    image(ARM64, "arm64"),
    attestation(ATT_AMD64, AMD64),
    attestation(ATT_ARM64, ARM64),
    annotations={"org.opencontainers.image.vendor": "Acme"},
)


def test_the_published_index_holds_only_the_images() -> None:
    published, attached = detach(BUILT)
    document = published.json()
    assert published.media_type == OCI_INDEX
    assert published.digest == sha256(published.body) != BUILT.digest
    assert document["manifests"] == [image(AMD64, "amd64"), image(ARM64, "arm64")]
    assert document["annotations"] == {"org.opencontainers.image.vendor": "Acme"}
    assert [m.platform for m in platform_manifests(document)] == ["linux/amd64", "linux/arm64"]
    assert "unknown" not in published.body.decode()
    assert attached == (
        Attached(ATT_AMD64, Subject(AMD64, OCI_MANIFEST, 480), "linux/amd64"),
        Attached(ATT_ARM64, Subject(ARM64, OCI_MANIFEST, 480), "linux/arm64"),
    )


def test_an_index_without_attestations_and_a_single_manifest_are_kept_as_they_are() -> None:
    plain = index(image(AMD64, "amd64"))
    assert detach(plain) == (plain, ())
    single = Manifest(AMD64, OCI_MANIFEST, b'{"schemaVersion":2}')
    assert detach(single) == (single, ())


def test_an_attestation_about_no_image_of_the_index_is_dropped() -> None:
    published, attached = detach(index(image(AMD64, "amd64"), attestation(ATT_ARM64, ARM64)))
    assert attached == ()
    assert published.json()["manifests"] == [image(AMD64, "amd64")]


def test_the_statements_of_an_attestation_manifest_provenance_and_sbom() -> None:
    manifest = {
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json"},
        "layers": [
            {
                "mediaType": IN_TOTO_TYPE,
                "digest": "sha256:1",
                "size": 10,
                "annotations": {"in-toto.io/predicate-type": SPDX},
            },
            {
                "mediaType": IN_TOTO_TYPE,
                "digest": "sha256:2",
                "size": 20,
                "annotations": {"in-toto.io/predicate-type": PROVENANCE},
            },
            {"mediaType": "application/octet-stream", "digest": "sha256:3", "size": 1},
        ],
    }
    found = statements(manifest)
    assert [(s.predicate_type, s.digest, s.size) for s in found] == [
        (SPDX, "sha256:1", 10),
        (PROVENANCE, "sha256:2", 20),
    ]
    assert [kind_of(s.predicate_type) for s in found] == ["sbom", "provenance"]
    assert kind_of("https://example.com/custom") == "attestation"


def test_the_artifact_refers_to_the_platforms_manifest_and_carries_the_statement() -> None:
    payload = json.dumps({"_type": "https://in-toto.io/Statement/v0.1"}).encode()
    attached = Attached(ATT_ARM64, Subject(ARM64, OCI_MANIFEST, 480), "linux/arm64")
    piece = statement_artifact(attached, PROVENANCE, payload)
    document = json.loads(piece.body)
    assert piece.subject == ARM64
    assert document["subject"] == {"mediaType": OCI_MANIFEST, "digest": ARM64, "size": 480}
    assert document["artifactType"] == piece.artifact_type == IN_TOTO_TYPE
    assert document["layers"] == [
        {"mediaType": IN_TOTO_TYPE, "digest": sha256(payload), "size": len(payload)}
    ]
    assert document["annotations"] == {
        "in-toto.io/predicate-type": PROVENANCE,
        "org.opencontainers.image.title": "provenance-linux-arm64.intoto.json",
        "dev.slipway.platform": "linux/arm64",
    }
    # no time in it: the same build gives the same artifact, a rerun adds no second referrer
    assert statement_artifact(attached, PROVENANCE, payload) == piece


def test_a_merge_of_parts_with_attestations_publishes_only_the_images() -> None:
    parts = [
        index(image(AMD64, "amd64"), attestation(ATT_AMD64, AMD64)),
        index(image(ARM64, "arm64"), attestation(ATT_ARM64, ARM64)),
    ]
    published, attached = detach(merge_index(parts, {}))
    assert [m.platform for m in platform_manifests(published.json())] == [
        "linux/amd64",
        "linux/arm64",
    ]
    assert len(published.json()["manifests"]) == 2
    assert [a.about.digest for a in attached] == [AMD64, ARM64]


def test_every_statement_read_back_becomes_one_artifact_and_a_wrong_one_is_refused() -> None:
    named = [{"name": "x", "digest": {"sha256": "a" * 64}}]
    provenance = json.dumps({"predicateType": PROVENANCE, "subject": named}).encode()
    sbom = json.dumps({"predicateType": SPDX, "subject": named}).encode()
    manifest = {
        "layers": [
            {
                "mediaType": IN_TOTO_TYPE,
                "digest": sha256(sbom),
                "size": len(sbom),
                "annotations": {"in-toto.io/predicate-type": SPDX},
            },
            {
                "mediaType": IN_TOTO_TYPE,
                "digest": sha256(provenance),
                "size": len(provenance),
                "annotations": {"in-toto.io/predicate-type": PROVENANCE},
            },
        ]
    }
    blobs = {ATT_AMD64: json.dumps(manifest).encode(), sha256(sbom): sbom}
    blobs[sha256(provenance)] = provenance
    _, attached = detach(BUILT)
    pieces = artifacts(read_statements(attached[:1], blobs.__getitem__, blobs.__getitem__, IMAGE))
    assert [(p.annotations[TITLE], payload) for p, payload in pieces] == [
        ("sbom-linux-amd64.intoto.json", sbom),
        ("provenance-linux-amd64.intoto.json", provenance),
    ]
    assert {p.subject for p, _ in pieces} == {AMD64}
    blobs[sha256(provenance)] = b"tampered"
    with pytest.raises(RegistryError, match="read back differs"):
        read_statements(attached[:1], blobs.__getitem__, blobs.__getitem__, IMAGE)


def test_a_statement_without_a_subject_gets_its_platforms_manifest() -> None:
    """BuildKit exports an unnamed image's statements with ``subject: []``."""
    attached = Attached(ATT_ARM64, Subject(ARM64, OCI_MANIFEST, 480), "linux/arm64")
    written = b'{"_type":"https://in-toto.io/Statement/v0.1","subject":[],"predicate":{}}'
    statement = json.loads(with_subject(written, IMAGE, attached))
    assert statement["subject"] == [
        {
            "name": "pkg:docker/127.0.0.1%3A5000/acme/app?platform=linux%2Farm64",
            "digest": {"sha256": "b" * 64},
        }
    ]
    assert statement["predicate"] == {}
    named = b'{"subject":[{"name":"pkg:docker/x","digest":{"sha256":"00"}}]}'
    assert with_subject(named, IMAGE, attached) is named  # kept byte for byte
