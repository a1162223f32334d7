"""The registries stage: logins checked and stored, the push allowed; the run's one client
per registry (`client`), which every stage asks for.

A login is checked with ``GET /v2/`` (what ``docker login`` does) and written to the
run's private Docker config, never to the daemon or the job's own config.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from slipway.buildx.builders import EngineFacts
from slipway.inputs import Access, Credential, Inputs, TrustFiles, access_for, credential_for
from slipway.oci.ecr import ecr_registry
from slipway.oci.keyless import Keyless, azure_cloud
from slipway.oci.refs import DOCKER_HUB, ImageName
from slipway.runner.workflow import Workflow
from slipway.tools import aws, azure, docker, dockerhub, gcp, trust
from slipway.tools.registry import RegistryClient, RegistryClients, connection_for
from slipway.tools.registry_http import Connection, RegistrySession

if TYPE_CHECKING:
    from slipway.stages import Run, State


def access(inputs: Inputs, env: Mapping[str, str], workflow: Workflow, work: Path) -> Access:
    """How the run reaches registries and GitHub, settled once: the trust files written
    from `registry-ca` (in ``work``), each ECR and keyless login bought."""
    written = (
        trust.write_trust(trust.load_ca(inputs.registry_ca), work) if inputs.registry_ca else None
    )
    return access_for(inputs, buy_logins(inputs, env, workflow, written), written)


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


def buy_logins(
    inputs: Inputs, env: Mapping[str, str], workflow: Workflow, written: TrustFiles | None = None
) -> tuple[Credential, ...]:
    """The logins of ``inputs``, each one bought (before anything is built) and its password
    masked at once: Amazon ECR's from ECR's API, the others' with the job's GitHub OIDC
    token (Google STS, Entra ID and the registry, Docker's identity service). An Azure
    registry is reached as the run reaches it (``written``: the trust from `registry-ca`)."""
    if not any(c.ecr or c.keyless for c in inputs.credentials):
        return inputs.credentials
    bought: list[Credential] = []
    keyless = _KeylessLogins(inputs, env, written)
    for credential in inputs.credentials:
        if credential.ecr:
            username, password = _ecr_login(inputs, credential, env)
            how = "ECR's authorization token"
        elif credential.keyless is not None:
            username, password = keyless.login(credential)
            how = KEYLESS_HOW[credential.keyless]
        else:
            bought.append(credential)
            continue
        workflow.mask(password)
        workflow.info(f"logged in to {credential.registry} with {how}")
        bought.append(Credential(credential.registry, username, password))
    return tuple(bought)


KEYLESS_HOW = {
    Keyless.GCP: "an access token from Google STS",
    Keyless.AZURE: "an ACR refresh token for Entra ID's token",
    Keyless.DOCKER_HUB: "a Docker Hub token through the OIDC connection",
}


def _ecr_login(inputs: Inputs, credential: Credential, env: Mapping[str, str]) -> tuple[str, str]:
    """An ECR login: with the entry's AWS key, else `aws-role-to-assume` through GitHub's
    OIDC token, else the keys an earlier configure-aws-credentials step left in the
    environment."""
    registry = ecr_registry(credential.registry)
    assert registry is not None  # an ECR login is to an ECR host (inputs/registry.py)
    keys = dict(env)
    role = inputs.aws_role_to_assume
    if credential.username:  # login-action's ECR form: the entry is an AWS access key
        keys.update(
            AWS_ACCESS_KEY_ID=credential.username,
            AWS_SECRET_ACCESS_KEY=credential.password,
            AWS_SESSION_TOKEN="",
        )
        role = ""
    return aws.ecr_login(registry, env=keys, role_to_assume=role)


class _KeylessLogins:
    """The keyless logins of one run: Google's access token, Entra ID's and Docker's, each
    bought once for every registry that takes it (an ACR refresh token is per registry)."""

    def __init__(self, inputs: Inputs, env: Mapping[str, str], written: TrustFiles | None) -> None:
        self._inputs = inputs
        self._env = env
        self._written = written
        self._bought: dict[tuple[str, ...], tuple[str, str]] = {}

    def _once(self, key: tuple[str, ...], buy: Callable[[], tuple[str, str]]) -> tuple[str, str]:
        if key not in self._bought:
            self._bought[key] = buy()
        return self._bought[key]

    def login(self, credential: Credential) -> tuple[str, str]:
        """Docker's credentials for ``credential``'s registry."""
        identities, env = self._inputs.identities, self._env
        if credential.keyless is Keyless.GCP:
            google = identities.gcp
            assert google is not None  # a GCP login needs the provider (inputs/registry.py)
            return self._once(
                ("gcp",), lambda: gcp.gcp_login(google.provider, google.service_account, env=env)
            )
        if credential.keyless is Keyless.AZURE:
            return self._acr_login(credential.registry)
        hub = identities.dockerhub
        assert hub is not None  # a Docker Hub OIDC login needs the connection
        return self._once(
            ("dockerhub", credential.username),
            lambda: dockerhub.dockerhub_login(
                credential.username, hub.connection_id, env=env, expires_in=hub.expires_in
            ),
        )

    def _acr_login(self, registry: str) -> tuple[str, str]:
        """Entra ID's token (once per cloud), exchanged at ``registry``, reached as the run
        reaches it."""
        app, cloud = self._inputs.identities.azure, azure_cloud(registry)
        assert app is not None  # an Azure login needs the app (inputs/registry.py)
        assert cloud is not None  # and an ACR host (slipway.oci.keyless)
        _, token = self._once(
            ("azure", cloud.authority),
            lambda: (
                "",
                azure.azure_token(app.tenant_id, app.client_id, cloud=cloud, env=self._env),
            ),
        )
        reach = connection_for(
            ImageName(registry, "_"),
            retry_budget=self._inputs.registry_timeout,
            insecure_registries=self._inputs.insecure_registries,
            ca_bundle=self._written.bundle if self._written else "",
        )
        return azure.acr_login(RegistrySession(reach), app.tenant_id, token)


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
