"""``attestation-storage: referrers``: BuildKit's attestations stored as referrers of each
platform's manifest instead of inside the index (`slipway.oci.attestations`), for the push
from the OCI layout and for a split build's merge.

The index published (pushed by digest, scanned, gated, tagged, the ``digest`` output) is the
one without them; its statements are pushed before any step after, so before any tag moves.
A registry that refuses them fails the push: the user asked for the provenance to be
published with the image, and an image without it would be tagged otherwise.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from slipway.errors import RegistryError
from slipway.oci.attestations import (
    TITLE,
    Detached,
    artifacts,
)
from slipway.stages.registries import client
from slipway.tools.registry import push_artifact

if TYPE_CHECKING:
    from slipway.stages import Run

REFUSED_HINT = (
    "Use `attestation-storage: index` (BuildKit's attestations inside the index) for a "
    "registry that takes no OCI 1.1 artifacts with a `subject`."
)


def as_referrers(run: Run) -> bool:
    """True when the run stores BuildKit's attestations as referrers."""
    return run.plan.build.attestation_storage == "referrers"


def store(run: Run, detached: tuple[Detached, ...]) -> None:
    """Push every statement to every image, as a referrer of its platform's manifest."""
    pieces = artifacts(detached)
    for image in run.plan.images if pieces else ():
        registry = client(run, image)
        for piece, payload in pieces:
            title = piece.annotations[TITLE]
            try:
                how = push_artifact(registry, image.repository, piece, payload, run.work)
            except RegistryError as error:
                raise RegistryError(
                    f"could not store {title} as a referrer of {image}@{piece.subject}: "
                    f"{error.message}",
                    REFUSED_HINT,
                    status=error.status,
                ) from None
            run.workflow.info(
                f"stored {title} as a referrer of {image}@{piece.subject}: {piece.digest} "
                f"(listed by the {how})"
            )
