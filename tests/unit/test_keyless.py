"""Keyless logins beyond AWS, what is read before anything runs: which hosts each provider
sells logins for, the inputs refused by name with the fix, which logins are bought, and
the endpoints (the exchanges themselves: tests/integration/test_keyless_login.py)."""

from __future__ import annotations

import pytest
import requests

from slipway.errors import InputError
from slipway.inputs import Credential, read_inputs
from slipway.oci.keyless import AZURE_CLOUDS, Keyless, azure_cloud, keyless_kind
from slipway.tools import azure, gcp, oidc

PROVIDER = "projects/123456789012/locations/global/workloadIdentityPools/github/providers/my-repo"
APP, TENANT = "11111111-2222-3333-4444-555555555555", "66666666-7777-8888-9999-000000000000"
CONNECTION = "0b5e7f3a-6c1d-4e8f-9a2b-3c4d5e6f7a8b"


@pytest.mark.parametrize(
    ("host", "kind"),
    [
        ("europe-docker.pkg.dev", Keyless.GCP),
        ("us-central1-docker.pkg.dev", Keyless.GCP),
        ("gcr.io", Keyless.GCP),
        ("eu.gcr.io", Keyless.GCP),
        ("myregistry.azurecr.io", Keyless.AZURE),
        ("myregistry-abcdef.azurecr.io", Keyless.AZURE),
        ("myregistry.azurecr.cn", Keyless.AZURE),
        ("MyRegistry.azurecr.io:443", Keyless.AZURE),
        ("docker.io", Keyless.DOCKER_HUB),
        ("registry-1.docker.io", Keyless.DOCKER_HUB),
        ("dhi.io", Keyless.DOCKER_HUB),
        ("ghcr.io", None),
        ("docker.pkg.dev", None),
        ("europe-docker.pkg.dev.evil.example", None),
        ("evil-gcr.io", None),
        ("abc.azurecr.io", None),  # names have 5 characters at least
        ("myregistry.azurecr.io.evil.example", None),
        ("123456789012.dkr.ecr.eu-west-1.amazonaws.com", None),  # ECR's: slipway.oci.ecr
    ],
)
def test_hosts(host: str, kind: Keyless | None) -> None:
    assert keyless_kind(host) is kind


def test_each_azure_cloud_has_its_authority_and_scope() -> None:
    assert azure_cloud("r1234.azurecr.io") == AZURE_CLOUDS["io"]
    assert azure_cloud("r1234.azurecr.us") == AZURE_CLOUDS["us"]
    assert AZURE_CLOUDS["io"].scope == "https://management.azure.com/.default"
    assert AZURE_CLOUDS["cn"].authority == "https://login.chinacloudapi.cn"


def env(**inputs: str) -> dict[str, str]:
    return {f"INPUT_{name.replace('_', '-').upper()}": value for name, value in inputs.items()}


def logins(**inputs: str) -> dict[str, Credential]:
    return {c.registry: c for c in read_inputs(env(**inputs)).credentials}


def test_google_images_get_a_login_bought_with_the_provider() -> None:
    found = logins(
        images="europe-docker.pkg.dev/p/r/app\ngcr.io/p/app\nghcr.io/o/app",
        gcp_workload_identity_provider="//iam.googleapis.com/" + PROVIDER,
        gcp_service_account="ci-push@my-project.iam.gserviceaccount.com",
    )
    assert {r: c.keyless for r, c in found.items()} == {
        "europe-docker.pkg.dev": Keyless.GCP,
        "gcr.io": Keyless.GCP,
    }
    identities = read_inputs(
        env(images="gcr.io/p/app", gcp_workload_identity_provider=PROVIDER)
    ).identities
    assert identities.gcp is not None
    assert identities.gcp.provider == PROVIDER  # the prefix //iam.googleapis.com/ dropped


def test_a_login_given_a_password_is_not_bought() -> None:
    found = logins(
        images="myregistry.azurecr.io/team/app\nother12345.azurecr.io/team/app",
        registry_auth="- registry: myregistry.azurecr.io\n  username: sp\n  password: secret",
        azure_client_id=APP,
        azure_tenant_id=TENANT,
    )
    assert found["myregistry.azurecr.io"].keyless is None
    assert found["myregistry.azurecr.io"].password == "secret"
    assert found["other12345.azurecr.io"].keyless is Keyless.AZURE


def test_docker_hub_needs_the_organisation_as_username() -> None:
    found = logins(
        images="docker.io/octo-org/app",
        username="octo-org",
        dockerhub_oidc_connection_id=CONNECTION.upper(),
    )
    assert found["docker.io"] == Credential("docker.io", "octo-org", keyless=Keyless.DOCKER_HUB)
    inputs = read_inputs(
        env(
            images="ghcr.io/o/app",
            registry_auth="- registry: dhi.io\n  username: octo-org",
            dockerhub_oidc_connection_id=CONNECTION,
            dockerhub_oidc_expires_in="15m",
        )
    )
    assert inputs.identities.dockerhub is not None
    assert (inputs.identities.dockerhub.connection_id, inputs.identities.dockerhub.expires_in) == (
        CONNECTION,
        900,
    )
    assert inputs.credentials[0].keyless is Keyless.DOCKER_HUB


@pytest.mark.parametrize(
    ("inputs", "blame", "fix"),
    [
        (
            {
                "gcp_workload_identity_provider": "projects/my-project/locations/global/"
                "workloadIdentityPools/github/providers/repo"
            },
            "gcp-workload-identity-provider",
            "gcloud iam workload-identity-pools providers describe",
        ),
        (
            {"gcp_workload_identity_provider": PROVIDER, "images": "ghcr.io/o/app"},
            "gcp-workload-identity-provider",
            "europe-docker.pkg.dev",
        ),
        (
            {"gcp_workload_identity_provider": PROVIDER, "gcp_service_account": "ci@my-project"},
            "gcp-service-account",
            "iam.gserviceaccount.com",
        ),
        ({"azure_client_id": "my-app", "azure_tenant_id": TENANT}, "azure-client-id", "UUID"),
        ({"azure_client_id": APP, "azure_tenant_id": "contoso"}, "azure-tenant-id", "UUID"),
        ({"azure_client_id": APP}, "azure-client-id", "Set both"),
        (
            {"azure_client_id": APP, "azure_tenant_id": TENANT, "images": "ghcr.io/o/app"},
            "azure-client-id",
            "azurecr.io",
        ),
        (
            {
                "dockerhub_oidc_connection_id": "conn-1",
                "username": "o",
                "images": "docker.io/o/app",
            },
            "dockerhub-oidc-connection-id",
            "DOCKERHUB_OIDC",
        ),
        (
            {"dockerhub_oidc_connection_id": CONNECTION, "images": "docker.io/o/app"},
            "dockerhub-oidc-connection-id",
            "username: my-org",
        ),
        (
            {
                "dockerhub_oidc_connection_id": CONNECTION,
                "username": "o",
                "images": "docker.io/o/a",
                "dockerhub_oidc_expires_in": "2h",
            },
            "dockerhub-oidc-expires-in",
            "`5m` to `60m`",
        ),
        (
            {"username": "o", "images": "docker.io/o/app"},
            "username",
            "username alone, with `dockerhub-oidc-connection-id`",
        ),
        (
            {"registry_auth": "- registry: europe-docker.pkg.dev"},
            "registry-auth",
            "or neither, with `gcp-workload-identity-provider`",
        ),
    ],
)
def test_bad_values_are_refused_by_name_with_the_fix(
    inputs: dict[str, str], blame: str, fix: str
) -> None:
    given = {"images": "europe-docker.pkg.dev/p/r/app", **inputs}
    with pytest.raises(InputError) as caught:
        read_inputs(env(**given))
    assert caught.value.name == blame, caught.value.message
    said = f"{caught.value.message}\n{caught.value.hint}"
    assert fix in said, said


def test_endpoints_follow_the_sdks_variables() -> None:
    assert gcp.endpoint({}, "STS") == "https://sts.googleapis.com/"
    assert gcp.endpoint({"CLOUDSDK_API_ENDPOINT_OVERRIDES_STS": "http://h:1"}, "STS") == (
        "http://h:1/"
    )
    assert gcp.endpoint({}, "IAMCREDENTIALS") == "https://iamcredentials.googleapis.com/"
    assert azure.authority({}, AZURE_CLOUDS["io"]) == "https://login.microsoftonline.com"
    assert azure.authority({"AZURE_AUTHORITY_HOST": "http://h:2/"}, AZURE_CLOUDS["io"]) == (
        "http://h:2"
    )
    assert gcp.github_audience(PROVIDER) == f"https://iam.googleapis.com/{PROVIDER}"


def response(status: int, body: bytes) -> requests.Response:
    answer = requests.Response()
    answer.status_code, answer._content = status, body
    return answer


@pytest.mark.parametrize(
    ("body", "said"),
    [
        (b'{"error": "invalid_grant", "error_description": "rejected"}', "invalid_grant: rejected"),
        (
            b'{"error": {"code": 403, "message": "denied", "status": "PERMISSION_DENIED"}}',
            "PERMISSION_DENIED: denied",
        ),
        (b'{"message": "unknown connection"}', "unknown connection"),
        (b"<html>busy</html>", "HTTP 401"),
    ],
)
def test_token_services_errors_are_read_in_each_shape(body: bytes, said: str) -> None:
    assert oidc.oauth_error(response(401, body)) == said


def test_transient_answers_are_retried_with_the_one_policy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    answers = [response(429, b"{}"), response(503, b"{}"), response(200, b'{"value": "a.b.c"}')]
    monkeypatch.setattr("slipway.tools.oidc.requests.request", lambda *a, **k: answers.pop(0))
    waits: list[float] = []
    github = {"ACTIONS_ID_TOKEN_REQUEST_URL": "https://t/x", "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "t"}
    assert oidc.github_oidc_token(github, "aud", sleep=waits.append) == "a.b.c"
    assert waits == [1.0, 2.0]
