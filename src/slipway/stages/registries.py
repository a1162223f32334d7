"""The registries stage: logins checked and stored, the push allowed, one client per image.

A login is checked with ``GET /v2/`` (what ``docker login`` does) and written to the
run's private Docker config, never to the daemon or the job's own config.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from slipway.inputs import Inputs, credential_for
from slipway.refs import ImageName
from slipway.tools import docker
from slipway.tools.registry import RegistryClient, client_for

if TYPE_CHECKING:
    from slipway.stages import Run


def client(inputs: Inputs, image: ImageName) -> RegistryClient:
    """The registry client for ``image``, with its login and the run's retry budget."""
    credential = credential_for(inputs.credentials, image.registry)
    return client_for(
        image,
        credential.username if credential else "",
        credential.password if credential else "",
        retry_budget=inputs.registry_timeout,
        insecure_registries=inputs.insecure_registries,
        ca_bundle=inputs.trust.bundle if inputs.trust else "",
    )


def login(inputs: Inputs, config: Path) -> None:
    """Check every login with its registry, then store them all in ``config``."""
    for credential in inputs.credentials:
        client(inputs, ImageName(credential.registry, "_")).check_login()
    docker.write_credentials(config, inputs.credentials)


def preflight(run: Run) -> None:
    """Fail in seconds, not after the build, when a registry refuses the push."""
    for image in run.plan.images:
        client(run.inputs, image).check_push(image.repository)
        run.workflow.info(f"push to {image} allowed")
