"""Google Artifact Registry (and Container Registry) logins through Workload Identity
Federation, without Google's SDK: the job's GitHub OIDC token goes to Google's Security Token
Service (a token exchange for the workload identity provider), whose federated access token
logs in directly or, with a service account, buys that account's access token from the IAM
Service Account Credentials API. Docker's user for either is ``oauth2accesstoken``.

The documentation followed:
https://cloud.google.com/iam/docs/reference/sts/rest/v1/TopLevel/token,
https://cloud.google.com/iam/docs/reference/credentials/rest/v1/projects.serviceAccounts/generateAccessToken,
https://cloud.google.com/artifact-registry/docs/docker/authentication#token.

Endpoints follow gcloud's ``api_endpoint_overrides`` properties, as its environment variables
name them: CLOUDSDK_API_ENDPOINT_OVERRIDES_STS and _IAMCREDENTIALS (the API's root URL)."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import quote

from slipway.errors import RegistryError
from slipway.runner import cancel
from slipway.tools import oidc
from slipway.tools.oidc import TOKEN_EXCHANGE, Sleep

USERNAME = "oauth2accesstoken"
CLOUD_PLATFORM = "https://www.googleapis.com/auth/cloud-platform"
ACCESS_TOKEN = "urn:ietf:params:oauth:token-type:access_token"  # noqa: S105 (a type's name)
JWT = "urn:ietf:params:oauth:token-type:jwt"
ENDPOINTS = {
    "STS": "https://sts.googleapis.com/",
    "IAMCREDENTIALS": "https://iamcredentials.googleapis.com/",
}
PROVIDER_HINT = (
    "The provider must accept this job's token: issuer https://token.actions.githubusercontent"
    ".com, its attribute condition (e.g. assertion.repository_owner == '<owner>') and the "
    "default audience https://iam.googleapis.com/<the provider's name>. Check "
    "`gcp-workload-identity-provider`: projects/<number>/locations/global/"
    "workloadIdentityPools/<pool>/providers/<provider>."
)


def endpoint(env: Mapping[str, str], api: str) -> str:
    """The root URL of Google's ``api`` (STS, IAMCREDENTIALS), overridden as gcloud's
    CLOUDSDK_API_ENDPOINT_OVERRIDES_<API> says; with a trailing slash."""
    return (env.get(f"CLOUDSDK_API_ENDPOINT_OVERRIDES_{api}") or ENDPOINTS[api]).rstrip("/") + "/"


def github_audience(provider: str) -> str:
    """The audience a provider accepts when it names none: its name as an https URL."""
    return f"https://iam.googleapis.com/{provider}"


def federated_token(
    provider: str, jwt: str, *, env: Mapping[str, str], sleep: Sleep = cancel.sleep
) -> str:
    """STS ``v1/token``: the job's OIDC token ``jwt`` exchanged for a federated access token
    of the workload identity ``provider`` (``projects/<n>/locations/global/...``)."""
    url = endpoint(env, "STS") + "v1/token"
    body = {
        "grantType": TOKEN_EXCHANGE,
        "audience": f"//iam.googleapis.com/{provider}",
        "scope": CLOUD_PLATFORM,
        "requestedTokenType": ACCESS_TOKEN,
        "subjectToken": jwt,
        "subjectTokenType": JWT,
    }
    response = oidc.send("Google STS", "POST", url, json=body, sleep=sleep)
    if response.status_code != 200:
        detail = oidc.scrub(oidc.oauth_error(response), jwt)
        message = f"Google STS did not exchange this job's OIDC token for {provider}: {detail}"
        raise RegistryError(message, PROVIDER_HINT, status=response.status_code)
    return oidc.answer_field(
        response, "access_token", "Google STS answered without an access token"
    )


def service_account_token(
    email: str, federated: str, *, env: Mapping[str, str], sleep: Sleep = cancel.sleep
) -> str:
    """IAM Credentials ``generateAccessToken``: the service account ``email``'s access token,
    bought with the ``federated`` token (which needs roles/iam.workloadIdentityUser on it)."""
    name = quote(f"projects/-/serviceAccounts/{email}", safe="/@")
    url = endpoint(env, "IAMCREDENTIALS") + f"v1/{name}:generateAccessToken"
    headers = {"Authorization": f"Bearer {federated}"}
    body = {"scope": [CLOUD_PLATFORM], "lifetime": "3600s"}
    response = oidc.send(
        "Google IAM Credentials", "POST", url, json=body, headers=headers, sleep=sleep
    )
    if response.status_code != 200:
        detail = oidc.scrub(oidc.oauth_error(response), federated)
        hint = (
            f"Let the pool's identities for this repository impersonate {email}: grant "
            "roles/iam.workloadIdentityUser on it to principalSet://iam.googleapis.com/"
            "projects/<number>/locations/global/workloadIdentityPools/<pool>/"
            "attribute.repository/<owner>/<repo>."
        )
        message = f"Google IAM Credentials refused an access token for {email}: {detail}"
        raise RegistryError(message, hint, status=response.status_code)
    return oidc.answer_field(
        response, "accessToken", f"Google IAM Credentials answered for {email} without a token"
    )


def gcp_login(
    provider: str,
    service_account: str = "",
    *,
    env: Mapping[str, str],
    sleep: Sleep = cancel.sleep,
) -> tuple[str, str]:
    """Docker's credentials for Artifact Registry: (``oauth2accesstoken``, the federated
    token, or ``service_account``'s when given)."""
    jwt = oidc.github_oidc_token(env, github_audience(provider), sleep=sleep)
    token = federated_token(provider, jwt, env=env, sleep=sleep)
    if service_account:
        token = service_account_token(service_account, token, env=env, sleep=sleep)
    return USERNAME, token
