"""BuildKit's attestations moved out of the index into referrers (pure): what
``attestation-storage: referrers`` publishes.

BuildKit stores each platform's provenance (and SBOM) as one more manifest of the index, with
the platform ``unknown/unknown`` and the annotations ``vnd.docker.reference.type:
attestation-manifest`` and ``vnd.docker.reference.digest: <the platform's manifest>``; its
layers are in-toto statements (``application/vnd.in-toto+json``, annotated with
``in-toto.io/predicate-type``). GHCR's package page and many tools list those entries as
``unknown/unknown`` images, which is why users turn provenance off (open-telemetry-operator
#4551). Here the index loses those entries, and each statement becomes an OCI 1.1 artifact
whose ``subject`` is the platform's image manifest (the statement's own subject): the image
BuildKit's reference digest names, so ``oras discover IMAGE@<platform digest>`` lists it, as
it lists the platform's CycloneDX SBOM that ``attach`` pushes.

BuildKit names a statement's subject only for an image exported under a name; Slipway builds
into an OCI layout unnamed (it tags after the gate), so the statements come with ``subject:
[]``, which in-toto does not allow. `with_subject` gives such a statement its platform's
manifest as the subject (``pkg:docker/<image>?platform=...``, as BuildKit names it, without a
tag); a statement that names its subject is kept byte for byte. The artifact carries no time:
the same build gives the same artifact, so a rerun adds no second referrer.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from slipway.errors import RegistryError
from slipway.oci.manifest import OCI_MANIFEST, Manifest
from slipway.oci.referrers import Artifact, Subject, artifact, sha256

REFERENCE_TYPE = "vnd.docker.reference.type"
REFERENCE_DIGEST = "vnd.docker.reference.digest"
PREDICATE_TYPE = "in-toto.io/predicate-type"
IN_TOTO_TYPE = "application/vnd.in-toto+json"
TITLE = "org.opencontainers.image.title"
PLATFORM = "dev.slipway.platform"
STORAGES = ("index", "referrers")
Reader = Callable[[str], bytes]  # bytes by digest (a manifest or a blob)


@dataclass(frozen=True)
class Attached:
    """An attestation manifest the index held, and the image manifest it is about."""

    digest: str  # the attestation manifest's
    about: Subject  # the platform's image manifest
    platform: str  # os/arch[/variant] of that manifest, "" when the index does not list it


@dataclass(frozen=True)
class Statement:
    """One in-toto statement of an attestation manifest: its layer's digest and size."""

    predicate_type: str
    digest: str
    size: int


@dataclass(frozen=True)
class Detached:
    """One statement read out of an attestation manifest: what it is about, its predicate type,
    and its bytes (given a subject by `with_subject` when BuildKit wrote none)."""

    attached: Attached
    predicate_type: str
    payload: bytes


def _is_attestation(entry: Mapping[str, Any]) -> bool:
    notes = entry.get("annotations") or {}
    return bool(notes.get(REFERENCE_TYPE) == "attestation-manifest")


def _platform(entry: Mapping[str, Any]) -> str:
    platform = entry.get("platform") or {}
    parts = (platform.get("os"), platform.get("architecture"), platform.get("variant"))
    return "/".join(str(p) for p in parts if p)


def detach(index: Manifest) -> tuple[Manifest, tuple[Attached, ...]]:
    """``index`` without its attestation manifests, and what they were about; ``index`` itself
    (and nothing) when it holds none, or is a single image manifest."""
    if not index.is_index:
        return index, ()
    document = index.json()
    entries = [e for e in document.get("manifests") or [] if isinstance(e, dict)]
    attestations = [e for e in entries if _is_attestation(e)]
    if not attestations:
        return index, ()
    images = {str(e["digest"]): e for e in entries if not _is_attestation(e)}
    found = []
    for entry in attestations:
        about = str((entry.get("annotations") or {}).get(REFERENCE_DIGEST, ""))
        image = images.get(about)
        if image is None:  # about nothing the index publishes: dropped with its entry
            continue
        subject = Subject(about, str(image.get("mediaType") or OCI_MANIFEST), int(image["size"]))
        found.append(Attached(str(entry["digest"]), subject, _platform(image)))
    kept = {**document, "manifests": [e for e in entries if not _is_attestation(e)]}
    body = json.dumps(kept, separators=(",", ":")).encode()
    return Manifest(sha256(body), index.media_type, body), tuple(found)


def statements(manifest: Mapping[str, Any]) -> list[Statement]:
    """The in-toto statements of an attestation manifest (provenance, SBOM), in its order."""
    found = []
    for layer in manifest.get("layers") or []:
        notes = layer.get("annotations") or {}
        if layer.get("mediaType") == IN_TOTO_TYPE and notes.get(PREDICATE_TYPE):
            found.append(
                Statement(str(notes[PREDICATE_TYPE]), str(layer["digest"]), int(layer["size"]))
            )
    return found


def read_statements(
    attached: tuple[Attached, ...], manifest: Reader, blob: Reader, image: str
) -> tuple[Detached, ...]:
    """Every statement of every attestation manifest, checked against its digest; a statement
    without a subject gets its platform's manifest in ``image`` (`with_subject`). ``manifest``
    and ``blob`` read by digest: the OCI layout, or the registry."""
    found = []
    for entry in attached:
        for statement in statements(json.loads(manifest(entry.digest))):
            written = blob(statement.digest)
            if sha256(written) != statement.digest:
                raise RegistryError(f"the statement {statement.digest} read back differs")
            found.append(
                Detached(entry, statement.predicate_type, with_subject(written, image, entry))
            )
    return tuple(found)


def kind_of(predicate_type: str) -> str:
    """A short name of a predicate type, for titles and the log."""
    if predicate_type.startswith("https://slsa.dev/provenance/"):
        return "provenance"
    if predicate_type.startswith("https://spdx.dev/"):
        return "sbom"
    return "attestation"


def with_subject(payload: bytes, image: str, attached: Attached) -> bytes:
    """The statement ``payload`` about the platform's manifest: its own subject when it names
    one, else ``image`` (``registry/repository``) on that platform, by digest."""
    statement = json.loads(payload)
    if not isinstance(statement, dict) or statement.get("subject"):
        return payload
    algorithm, _, encoded = attached.about.digest.partition(":")
    name = f"pkg:docker/{quote(image, safe='/')}"
    if attached.platform:
        name += f"?platform={quote(attached.platform, safe='')}"
    statement["subject"] = [{"name": name, "digest": {algorithm: encoded}}]
    return json.dumps(statement, separators=(",", ":")).encode()


def statement_artifact(attached: Attached, predicate_type: str, payload: bytes) -> Artifact:
    """The artifact that stores one statement as a referrer of the platform's manifest:
    artifact type ``application/vnd.in-toto+json``, its predicate type annotated as BuildKit
    annotates the layer."""
    name = attached.platform.replace("/", "-") or "image"
    notes = {
        PREDICATE_TYPE: predicate_type,
        TITLE: f"{kind_of(predicate_type)}-{name}.intoto.json",
        **({PLATFORM: attached.platform} if attached.platform else {}),
    }
    return artifact(attached.about, IN_TOTO_TYPE, payload, notes)


def artifacts(detached: tuple[Detached, ...]) -> list[tuple[Artifact, bytes]]:
    """(artifact, statement) for each statement, as `statement_artifact` stores it."""
    return [
        (statement_artifact(d.attached, d.predicate_type, d.payload), d.payload) for d in detached
    ]
