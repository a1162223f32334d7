"""Emulated artifact attestations: storing a Sigstore bundle for a repository (what
``actions/attest`` and Slipway's ``github-attestations`` do) and listing those about a
subject digest (what ``gh attestation verify`` asks).

Storing needs ``attestations: write`` (the token's ``scopes``, checked by the server before
the handler runs). The bundle must carry a DSSE envelope of an in-toto statement, as GitHub
wants: its subjects' digests are what the list finds it by.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from .routes import ApiError, Call, Reply, route
from .state import Attestation

BUNDLE_MEDIA_TYPE = "application/vnd.dev.sigstore.bundle"  # v0.1 ... v0.3, +json or ;version=
IN_TOTO = "application/vnd.in-toto+json"
STATEMENT_TYPES = ("https://in-toto.io/Statement/v1", "https://in-toto.io/Statement/v0.1")
# gh's --predicate-type shorthands as the API reads them (the docs: provenance, sbom, release)
PREDICATE_ALIASES = {
    "provenance": ("https://slsa.dev/provenance/",),
    "sbom": ("https://spdx.dev/Document", "https://cyclonedx.org/bom"),
    "release": ("https://in-toto.io/attestation/release",),
}
MAX_PER_PAGE = 100


class BadBundle(ValueError):
    """The bundle is not one GitHub stores: why."""


def statement_of(bundle: Any) -> dict[str, Any]:
    """The in-toto statement inside ``bundle``'s DSSE envelope (pure), or :class:`BadBundle`."""
    if not isinstance(bundle, dict):
        raise BadBundle("the bundle is not an object")
    media = bundle.get("mediaType")
    if not isinstance(media, str) or not media.startswith(BUNDLE_MEDIA_TYPE):
        raise BadBundle(f"mediaType {media!r} is not a Sigstore bundle's")
    envelope = bundle.get("dsseEnvelope")
    if not isinstance(envelope, dict) or envelope.get("payloadType") != IN_TOTO:
        raise BadBundle("the bundle has no DSSE envelope of an in-toto statement")
    if not envelope.get("signatures"):
        raise BadBundle("the DSSE envelope has no signature")
    try:
        statement = json.loads(base64.b64decode(str(envelope.get("payload", "")), validate=True))
    except (binascii.Error, ValueError) as exc:
        raise BadBundle(f"the DSSE payload is not base64 JSON ({exc})") from exc
    if not isinstance(statement, dict) or statement.get("_type") not in STATEMENT_TYPES:
        raise BadBundle("the DSSE payload is not an in-toto statement")
    if not isinstance(statement.get("predicateType"), str):
        raise BadBundle("the statement has no predicateType")
    if not subject_digests(statement):
        raise BadBundle("the statement has no subject with a sha256 digest")
    return statement


def subject_digests(statement: dict[str, Any]) -> list[str]:
    """The statement's subjects' digests as the API names them, ``sha256:<hex>`` (pure)."""
    found = []
    for subject in statement.get("subject") or []:
        digest = subject.get("digest") if isinstance(subject, dict) else None
        value = digest.get("sha256") if isinstance(digest, dict) else None
        if isinstance(value, str) and value:
            found.append(f"sha256:{value.lower()}")
    return found


def predicate_matches(wanted: str, predicate_type: str) -> bool:
    """Whether ``predicate_type`` is what the list's ``predicate_type`` asks for: a shorthand
    (:data:`PREDICATE_ALIASES`) or the type itself (pure)."""
    prefixes = PREDICATE_ALIASES.get(wanted)
    if prefixes is not None:
        return predicate_type.startswith(prefixes)
    return predicate_type == wanted


@route("POST", "/repos/{owner}/{repo}/attestations", scope="attestations")
def create_attestation(call: Call) -> Reply:
    """POST a bundle: stored with its statement's subjects, answered with its id."""
    repo = call.repo()
    bundle = call.body["bundle"]
    try:
        statement = statement_of(bundle)
    except BadBundle as exc:
        raise ApiError(
            422,
            "Validation Failed",
            errors=[
                {
                    "resource": "Attestation",
                    "code": "invalid",
                    "field": "bundle",
                    "message": str(exc),
                }
            ],
        ) from None
    record = Attestation(
        call.state.next_id(),
        repo.owner,
        repo.name,
        dict(bundle),
        subject_digests(statement),
        statement["predicateType"],
        call.state.now(),
    )
    call.state.attestations[record.id] = record
    return Reply(201, {"id": record.id})


@route("GET", "/repos/{owner}/{repo}/attestations/{subject_digest}")
def list_attestations(call: Call) -> Reply:
    """GET the bundles about a subject digest, oldest first (``predicate_type`` filters);
    none is GitHub's 404."""
    repo = call.repo()
    digest = call.params["subject_digest"].lower()
    wanted = call.arg("predicate_type") or ""
    found = [
        a
        for a in call.state.attestations.values()
        if (a.owner, a.repo) == (repo.owner, repo.name)
        and digest in a.subjects
        and (not wanted or predicate_matches(wanted, a.predicate_type))
    ]
    if not found:
        raise ApiError(404, "Not Found")
    per_page = min(max(int(call.arg("per_page") or 30), 1), MAX_PER_PAGE)
    items = [
        {"bundle": a.bundle, "repository_id": repo.id, "initiator": "user"}
        for a in found[:per_page]
    ]
    return Reply(200, {"attestations": items})
