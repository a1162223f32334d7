"""Keyless logins beyond AWS against local stand-ins that validate every request as the
providers document them (tests.support.keyless_standins), with GitHub's OIDC token service
standing in too: Google STS (and IAM Credentials' impersonation), Entra ID then the
registry's ACR token exchange, Docker's identity service. Each login's credentials are
Docker's user and the token the stand-in issued; the registries stage buys them before
anything is built and masks each password at once; refusals name the provider's reason and
the fix, never a token. No Docker, no registry: nothing here pushes.

Run without Docker on PATH when the engines are busy: the session fixture of tests/conftest.py
then leaves them alone."""

from __future__ import annotations

import io
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from slipway.errors import RegistryError
from slipway.inputs import read_inputs
from slipway.oci.keyless import AZURE_CLOUDS
from slipway.runner.workflow import Workflow
from slipway.stages.registries import buy_logins
from slipway.tools import azure, dockerhub, gcp
from slipway.tools.registry_http import Connection, RegistrySession
from tests.support.keyless_standins import (
    AcrStandin,
    DockerIdentityStandin,
    EntraStandin,
    GoogleStandin,
)
from tests.support.oidc_standin import OidcStandin

pytestmark = [pytest.mark.integration, pytest.mark.no_engine]

PROVIDER = GoogleStandin.provider
SERVICE_ACCOUNT = "ci-push@my-project.iam.gserviceaccount.com"
APP, TENANT = EntraStandin.client_id, EntraStandin.tenant
CONNECTION = DockerIdentityStandin.connection_id
NO_WAIT: dict[str, Any] = {"sleep": lambda _: None}


@pytest.fixture
def github() -> Iterator[OidcStandin]:
    with OidcStandin() as standin:
        yield standin


def audiences(github: OidcStandin) -> list[str]:
    return [r.path.partition("audience=")[2] for r in github.requests]


# Google


def test_google_federated_token_logs_in_directly(github: OidcStandin) -> None:
    with GoogleStandin() as google:
        login = gcp.gcp_login(PROVIDER, env={**github.env, **google.env}, **NO_WAIT)
    assert login == ("oauth2accesstoken", google.issued[0])
    assert audiences(github) == [
        f"https%3A%2F%2Fiam.googleapis.com%2F{PROVIDER.replace('/', '%2F')}"
    ]
    (sts,) = google.requests
    assert (sts.method, sts.path) == ("POST", "/v1/token")


def test_google_service_account_is_impersonated(github: OidcStandin) -> None:
    with GoogleStandin() as google:
        env = {**github.env, **google.env}
        login = gcp.gcp_login(PROVIDER, SERVICE_ACCOUNT, env=env, **NO_WAIT)
    federated, impersonated = google.issued
    assert login == ("oauth2accesstoken", impersonated)
    generate = google.requests[1]
    assert generate.path == f"/v1/projects/-/serviceAccounts/{SERVICE_ACCOUNT}:generateAccessToken"
    assert generate.headers["Authorization"] == f"Bearer {federated}"


def test_google_refusals_name_the_reason_without_a_token(github: OidcStandin) -> None:
    other = PROVIDER.replace("providers/repo", "providers/other")
    with GoogleStandin(condition="repo:another-org/") as google:
        env = {**github.env, **google.env}
        with pytest.raises(RegistryError, match=r"invalid_grant: .*attribute condition") as caught:
            gcp.gcp_login(PROVIDER, env=env, **NO_WAIT)
        with pytest.raises(RegistryError, match="invalid_target") as unknown:
            gcp.gcp_login(other, env=env, **NO_WAIT)
    with GoogleStandin() as google:
        env = {**github.env, **google.env}
        with pytest.raises(RegistryError, match="PERMISSION_DENIED") as denied:
            gcp.gcp_login(PROVIDER, "nobody@my-project.iam.gserviceaccount.com", env=env, **NO_WAIT)
    assert "attribute condition" in caught.value.hint
    assert "gcp-workload-identity-provider" in unknown.value.hint
    assert "roles/iam.workloadIdentityUser" in denied.value.hint
    assert (caught.value.status, denied.value.status) == (400, 403)
    for error in (caught.value, unknown.value, denied.value):
        text = f"{error} {error.hint}"
        assert all(token not in text for token in google.issued)
        assert "eyJ" not in text  # no JWT


# Azure


@pytest.fixture
def entra() -> Iterator[EntraStandin]:
    with EntraStandin() as standin:
        yield standin


def test_entra_then_acr_exchange(github: OidcStandin, entra: EntraStandin) -> None:
    with AcrStandin(entra=entra, service="127.0.0.1") as acr:
        token = azure.azure_token(
            TENANT, APP, cloud=AZURE_CLOUDS["io"], env={**github.env, **entra.env}, **NO_WAIT
        )
        session = RegistrySession(Connection(acr.url.removeprefix("http://"), loopback=True))
        login = azure.acr_login(session, TENANT, token)
    assert token == entra.issued[0]
    assert login == ("00000000-0000-0000-0000-000000000000", acr.issued[0])
    assert audiences(github) == ["api%3A%2F%2FAzureADTokenExchange"]
    (sign_in,) = entra.requests
    assert sign_in.path == f"/{TENANT}/oauth2/v2.0/token"
    assert b"scope=https%3A%2F%2Fmanagement.azure.com%2F.default" in sign_in.body


@pytest.mark.parametrize(
    ("standin", "code", "hint"),
    [
        ({"tenant": "00000000-1111-2222-3333-444444444444"}, "AADSTS90002", "azure-tenant-id"),
        ({"client_id": "99999999-2222-3333-4444-555555555555"}, "AADSTS700016", "azure-client-id"),
        (
            {"subject": "repo:octo-org/hello:environment:prod"},
            "AADSTS70021",
            "federated credential",
        ),
    ],
)
def test_entra_refusals_name_the_code_and_the_fix(
    github: OidcStandin, standin: dict[str, str], code: str, hint: str
) -> None:
    with EntraStandin(**standin) as entra, pytest.raises(RegistryError, match=code) as caught:
        azure.azure_token(
            TENANT, APP, cloud=AZURE_CLOUDS["io"], env={**github.env, **entra.env}, **NO_WAIT
        )
    assert hint in caught.value.hint
    assert "eyJ" not in f"{caught.value} {caught.value.hint}"


def test_acr_refuses_a_token_entra_did_not_issue(entra: EntraStandin) -> None:
    with AcrStandin(entra=entra, service="127.0.0.1") as acr:
        session = RegistrySession(Connection(acr.url.removeprefix("http://"), loopback=True))
        with pytest.raises(RegistryError, match="refused to exchange") as caught:
            azure.acr_login(session, TENANT, "not-an-entra-token")
    assert "AcrPush" in caught.value.hint
    assert "not-an-entra-token" not in str(caught.value)


# Docker Hub


def test_docker_hub_token_through_the_connection(github: OidcStandin) -> None:
    with DockerIdentityStandin() as docker:
        login = dockerhub.dockerhub_login(
            "octo-org", CONNECTION, env=github.env, expires_in=900, identity=docker.url, **NO_WAIT
        )
    assert login == ("octo-org", docker.issued[0])
    assert audiences(github) == ["https%3A%2F%2Fidentity.docker.com"]
    (exchange,) = docker.requests
    assert b"expires_in=900" in exchange.body
    assert b"connection_id=" + CONNECTION.encode() in exchange.body


@pytest.mark.parametrize(
    ("standin", "status"),
    [
        ({"connection_id": "1b5e7f3a-6c1d-4e8f-9a2b-3c4d5e6f7a8b"}, 401),
        ({"subject": "repo:octo-org/other:ref:refs/heads/main"}, 403),
    ],
)
def test_docker_refusals_say_what_the_connection_needs(
    github: OidcStandin, standin: dict[str, str], status: int
) -> None:
    with DockerIdentityStandin(**standin) as docker, pytest.raises(RegistryError) as caught:
        dockerhub.dockerhub_login(
            "octo-org", CONNECTION, env=github.env, identity=docker.url, **NO_WAIT
        )
    assert caught.value.status == status
    assert "ruleset" in caught.value.hint
    assert "eyJ" not in f"{caught.value} {caught.value.hint}"


def test_no_id_token_permission_is_named_before_any_exchange() -> None:
    with DockerIdentityStandin() as docker, GoogleStandin() as google:
        with pytest.raises(RegistryError, match="ACTIONS_ID_TOKEN_REQUEST_URL is unset") as hub:
            dockerhub.dockerhub_login("o", CONNECTION, env={}, identity=docker.url, **NO_WAIT)
        with pytest.raises(RegistryError, match="`id-token: write`") as google_error:
            gcp.gcp_login(PROVIDER, env=google.env, **NO_WAIT)
        assert docker.requests == google.requests == []
    for error in (hub.value, google_error.value):
        assert "id-token: write" in error.hint


# The registries stage: every login bought at once, each password masked


ACR_HOST = "slipwaystandin.azurecr.io"


@pytest.fixture
def acr_resolves_here(monkeypatch: pytest.MonkeyPatch) -> None:
    """``slipwaystandin.azurecr.io`` resolves to 127.0.0.1 in this process (the test's own
    name service: the registry is reached as any other, through its host name)."""
    real = socket.getaddrinfo

    def resolve(host: Any, *args: Any, **kwargs: Any) -> Any:
        return real("127.0.0.1" if host == ACR_HOST else host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)


@pytest.mark.usefixtures("acr_resolves_here")
def test_the_stage_buys_every_keyless_login_and_masks_it(
    github: OidcStandin, entra: EntraStandin, monkeypatch: pytest.MonkeyPatch
) -> None:
    with (
        GoogleStandin() as google,
        AcrStandin(entra=entra, service=ACR_HOST) as acr,
        DockerIdentityStandin() as docker,
    ):
        monkeypatch.setattr(dockerhub, "IDENTITY_URL", docker.url)
        acr_registry = f"{ACR_HOST}:{acr.url.rpartition(':')[2]}"
        env = {
            **github.env,
            **google.env,
            **entra.env,
            "INPUT_IMAGES": f"europe-docker.pkg.dev/p/r/app\n{acr_registry}/team/app\n"
            "us-docker.pkg.dev/p/r/app",
            "INPUT_REGISTRY-AUTH": "- registry: docker.io\n  username: octo-org",
            "INPUT_INSECURE-REGISTRIES": acr_registry,
            "INPUT_GCP-WORKLOAD-IDENTITY-PROVIDER": PROVIDER,
            "INPUT_GCP-SERVICE-ACCOUNT": SERVICE_ACCOUNT,
            "INPUT_AZURE-CLIENT-ID": APP,
            "INPUT_AZURE-TENANT-ID": TENANT,
            "INPUT_DOCKERHUB-OIDC-CONNECTION-ID": CONNECTION,
        }
        inputs = read_inputs(env)
        log = io.StringIO()
        bought = buy_logins(inputs, env, Workflow(env, log))
    logins = {c.registry: (c.username, c.password) for c in bought}
    google_token = google.issued[-1]  # the service account's
    assert logins == {
        "docker.io": ("octo-org", docker.issued[0]),
        "europe-docker.pkg.dev": ("oauth2accesstoken", google_token),
        acr_registry: ("00000000-0000-0000-0000-000000000000", acr.issued[0]),
        "us-docker.pkg.dev": ("oauth2accesstoken", google_token),
    }
    assert len(google.issued) == 2  # one federated token, one impersonation: for both hosts
    lines = log.getvalue().splitlines()
    masked = [
        line.removeprefix("::add-mask::") for line in lines if line.startswith("::add-mask::")
    ]
    assert set(masked) == {docker.issued[0], google_token, acr.issued[0]}
    for secret in (*docker.issued, *google.issued, *acr.issued, *entra.issued):
        assert all(secret not in line for line in lines if not line.startswith("::add-mask::"))
    for registry, (_, password) in logins.items():  # masked before it is said to be used
        said = next(i for i, line in enumerate(lines) if f"logged in to {registry}" in line)
        assert f"::add-mask::{password}" in lines[:said]
    assert all("eyJ" not in line for line in lines)  # no OIDC token, no Entra token
