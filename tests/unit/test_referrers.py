"""Evidence as OCI 1.1 artifacts: the manifest's fields, and the referrers tag schema's index."""

from __future__ import annotations

import hashlib
import json

from slipway.oci.referrers import (
    EMPTY_TYPE,
    SCAN_REPORT_TYPE,
    Subject,
    artifact,
    fallback_tag,
    sha256,
    with_referrer,
)

INDEX = Subject("sha256:" + "a" * 64, "application/vnd.oci.image.index.v1+json", 1234)


def test_an_artifact_is_an_image_manifest_with_the_empty_config_and_a_subject() -> None:
    payload = b'{"findings":[]}'
    piece = artifact(INDEX, SCAN_REPORT_TYPE, payload, {"org.opencontainers.image.title": "r"})
    document = json.loads(piece.body)
    assert document["mediaType"] == "application/vnd.oci.image.manifest.v1+json"
    assert document["artifactType"] == SCAN_REPORT_TYPE
    assert document["config"] == {
        "mediaType": EMPTY_TYPE,
        "digest": "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
        "size": 2,
    }
    assert document["layers"] == [
        {
            "mediaType": SCAN_REPORT_TYPE,
            "digest": "sha256:" + hashlib.sha256(payload).hexdigest(),
            "size": len(payload),
        }
    ]
    assert document["subject"] == {
        "mediaType": INDEX.media_type,
        "digest": INDEX.digest,
        "size": 1234,
    }
    assert piece.digest == sha256(piece.body)
    assert piece.subject == INDEX.digest


def test_the_fallback_tag_is_the_digest_with_a_dash() -> None:
    assert fallback_tag("sha256:" + "b" * 64) == "sha256-" + "b" * 64


def test_the_fallback_index_keeps_other_referrers_and_lists_each_once() -> None:
    first = artifact(INDEX, SCAN_REPORT_TYPE, b"1", {}).index_entry()
    second = artifact(INDEX, "application/vnd.cyclonedx+json", b"2", {}).index_entry()
    someone_elses = {
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "digest": "sha256:" + "c" * 64,
        "size": 10,
        "artifactType": "application/vnd.dev.cosign.artifact.sig.v1+json",
    }
    listing = json.loads(with_referrer({"manifests": [someone_elses, first]}, second))
    assert listing["mediaType"] == "application/vnd.oci.image.index.v1+json"
    assert [m["digest"] for m in listing["manifests"]] == [
        someone_elses["digest"],
        first["digest"],
        second["digest"],
    ]
    again = json.loads(with_referrer(listing, second))
    assert [m["digest"] for m in again["manifests"]] == [m["digest"] for m in listing["manifests"]]
    assert json.loads(with_referrer(None, first))["manifests"] == [first]
