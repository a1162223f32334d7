"""The registries stage: logins checked and stored, the push allowed; the run's one client
per registry (`client`), which every stage asks for.

A login is checked with ``GET /v2/`` (what ``docker login`` does) and written to the
run's private Docker config, never to the daemon or the job's own config.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from slipway.buildx.builders import EngineFacts
from slipway.inputs import Access, Credential, Inputs, access_for, credential_for
from slipway.oci.ecr import ecr_registry
from slipway.oci.refs import DOCKER_HUB, ImageName
from slipway.runner.workflow import Workflow
from slipway.tools import aws, docker, trust
from slipway.tools.registry import RegistryClient, RegistryClients, connection_for
from slipway.tools.registry_http import Connection

if TYPE_CHECKING:
    from slipway.stages import Run, State


def access(inputs: Inputs, env: Mapping[str, str], workflow: Workflow, work: Path) -> Access:
    """How the run reaches registries and GitHub, settled once: the trust files written
    from `registry-ca` (in ``work``), each ECR login bought."""
    written = (
        trust.write_trust(trust.load_ca(inputs.registry_ca), work) if inputs.registry_ca else None
    )
    return access_for(inputs, buy_ecr_logins(inputs, env, workflow), written)


def connection(
    access: Access,
    image: ImageName,
    *,
    retry_budget: float | None = None,
    insecure: tuple[str, ...] = (),
) -> Connection:
    """How the run reaches the registry of ``image``: its login, the run's trust, and
    `registry-timeout` as the retry budget (or ``retry_budget``); plain HTTP where
    `insecure-registries` (and ``insecure``) allow it."""
    credential = credential_for(access.credentials, image.registry)
    return connection_for(
        image,
        credential.username if credential else "",
        credential.password if credential else "",
        retry_budget=access.registry_timeout if retry_budget is None else retry_budget,
        insecure_registries=(*access.insecure_registries, *insecure),
        ca_bundle=access.trust.bundle if access.trust else "",
    )


def client(run: Run, image: ImageName) -> RegistryClient:
    """The run's client for the registry of ``image``, with its login: one per registry for
    the whole run, so its session, bearer tokens and retry budget are the run's."""
    return run.registry_clients.client(connection(run.access, image))


def pull_sources(
    run: Run, image: ImageName, engine: EngineFacts | None, *, budget: float
) -> list[tuple[ImageName, RegistryClient]]:
    """Where the builder pulls ``image`` from, in order: Docker Hub through the engine's
    mirrors first, then the image's own registry. Each client has the run's login for its
    host and a retry ``budget`` of its own (a lookup that may give up early, unlike a push)."""
    hosts = [image.registry]
    if image.registry == DOCKER_HUB and engine is not None:
        hosts = [m.split("://", 1)[-1].rstrip("/") for m in engine.mirrors] + hosts
    insecure = engine.insecure_registries if engine else ()
    found = []
    for host in hosts:
        name = ImageName(host, image.repository)
        reach = connection(run.access, name, retry_budget=budget, insecure=insecure)
        found.append((name, RegistryClient(reach)))
    return found


def buy_ecr_logins(
    inputs: Inputs, env: Mapping[str, str], workflow: Workflow
) -> tuple[Credential, ...]:
    """The logins of ``inputs``, each Amazon ECR login bought from ECR's API (masked at once): with the
    entry's AWS key, else `aws-role-to-assume` through GitHub's OIDC token, else the keys an
    earlier configure-aws-credentials step left in the environment."""
    if not any(c.ecr for c in inputs.credentials):
        return inputs.credentials
    bought = []
    for credential in inputs.credentials:
        if not credential.ecr:
            bought.append(credential)
            continue
        registry = ecr_registry(credential.registry)
        assert registry is not None  # an ECR login is to an ECR host (inputs/registry.py)
        keys = dict(env)
        role = inputs.aws_role_to_assume
        if credential.username:  # login-action's ECR form: the entry is an AWS access key
            keys.update(AWS_ACCESS_KEY_ID=credential.username,
                        AWS_SECRET_ACCESS_KEY=credential.password, AWS_SESSION_TOKEN="")  # fmt: skip
            role = ""
        username, password = aws.ecr_login(registry, env=keys, role_to_assume=role)
        workflow.mask(password)
        workflow.info(f"logged in to {credential.registry} with ECR's authorization token")
        bought.append(Credential(credential.registry, username, password))
    return tuple(bought)


def login(access: Access, config: Path, clients: RegistryClients) -> None:
    """Check every login with its registry (with the run's ``clients``), then store them
    all in ``config``."""
    for credential in access.credentials:
        clients.client(connection(access, ImageName(credential.registry, "_"))).check_login()
    docker.write_credentials(config, access.credentials)


def preflight(run: Run, state: State) -> None:
    """Step PREFLIGHT: fail in seconds, not after the build, when a registry refuses the push."""
    del state
    for image in run.plan.images:
        client(run, image).check_push(image.repository)
        run.workflow.info(f"push to {image} allowed")
