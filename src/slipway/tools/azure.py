"""Azure Container Registry logins through a federated credential, without Azure's SDK or
CLI: the job's GitHub OIDC token (audience ``api://AzureADTokenExchange``) is the client
assertion of an app registration's client credentials grant at Entra ID, and the access
token Entra ID returns is exchanged at the registry's ``/oauth2/exchange`` for an ACR refresh
token, Docker's password for the user ``00000000-0000-0000-0000-000000000000``.

The documentation followed:
https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-client-creds-grant-flow#third-case-access-token-request-with-a-federated-credential,
https://learn.microsoft.com/en-us/entra/workload-id/workload-identity-federation-create-trust,
https://github.com/Azure/acr/blob/main/docs/AAD-OAuth.md.

Entra ID's host follows azure-identity's AZURE_AUTHORITY_HOST variable; the exchange goes to
the registry as the run reaches it (its trust, `insecure-registries`, `registry-timeout`)."""

from __future__ import annotations

from collections.abc import Mapping

from slipway.errors import RegistryError
from slipway.oci.keyless import AzureCloud
from slipway.runner import cancel
from slipway.tools import oidc
from slipway.tools.oidc import Sleep
from slipway.tools.registry_http import RegistrySession

AUDIENCE = "api://AzureADTokenExchange"  # a federated credential's audience
USERNAME = "00000000-0000-0000-0000-000000000000"  # ACR's user for a refresh token
JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
FEDERATION_HINT = (
    "The app registration (or managed identity) needs a federated credential for this job: "
    "issuer https://token.actions.githubusercontent.com, audience api://AzureADTokenExchange, "
    "subject repo:<owner>/<repo>:ref:refs/heads/<branch> (or :environment:<name>, "
    ":pull_request)."
)
IDS_HINT = "Check `azure-client-id` (the app's client ID) and `azure-tenant-id` (its tenant)."
# Entra ID's codes for an unknown tenant, application or client (AADSTS90002, 700016, ...)
_UNKNOWN = ("AADSTS90002", "AADSTS700016", "AADSTS900023", "AADSTS700038")


def authority(env: Mapping[str, str], cloud: AzureCloud) -> str:
    """Entra ID's host: AZURE_AUTHORITY_HOST (as azure-identity reads it), else the cloud's."""
    return (env.get("AZURE_AUTHORITY_HOST") or cloud.authority).rstrip("/")


def entra_token(
    tenant: str,
    client_id: str,
    jwt: str,
    *,
    cloud: AzureCloud,
    env: Mapping[str, str],
    sleep: Sleep = cancel.sleep,
) -> str:
    """Entra ID's access token for the app ``client_id`` (in ``tenant``) to the cloud's
    resource manager, with the job's OIDC token ``jwt`` as the client assertion."""
    url = f"{authority(env, cloud)}/{tenant}/oauth2/v2.0/token"
    form = {
        "client_id": client_id,
        "scope": cloud.scope,
        "grant_type": "client_credentials",
        "client_assertion_type": JWT_BEARER,
        "client_assertion": jwt,
    }
    response = oidc.send("Entra ID", "POST", url, data=form, sleep=sleep)
    if response.status_code != 200:
        detail = oidc.scrub(oidc.oauth_error(response), jwt)
        hint = IDS_HINT if any(code in detail for code in _UNKNOWN) else FEDERATION_HINT
        message = f"Entra ID did not sign in app {client_id} with this job's OIDC token: {detail}"
        raise RegistryError(message, hint, status=response.status_code)
    return oidc.answer_field(response, "access_token", "Entra ID answered without an access token")


def acr_refresh_token(session: RegistrySession, tenant: str, aad_token: str) -> str:
    """The registry's ``/oauth2/exchange``: an ACR refresh token for Entra ID's ``aad_token``
    (with ``session``: the run's way to that registry)."""
    registry = session.registry
    service = registry.rpartition(":")[0] if ":" in registry else registry  # no port
    form = {
        "grant_type": "access_token",
        "service": service,
        "tenant": tenant,
        "access_token": aad_token,
    }
    response = session.unauthenticated("POST", "/oauth2/exchange", data=form)
    if response.status_code != 200:
        detail = oidc.scrub(oidc.oauth_error(response), aad_token)
        hint = (
            "Give the app a role on the registry that lets it push (AcrPush), and let the "
            "registry take Entra ID tokens (authentication-as-arm enabled)."
        )
        message = f"{registry} refused to exchange Entra ID's token: {detail}"
        raise RegistryError(message, hint, status=response.status_code)
    return oidc.answer_field(
        response, "refresh_token", f"{registry} answered the exchange without a refresh token"
    )


def azure_token(
    tenant: str,
    client_id: str,
    *,
    cloud: AzureCloud,
    env: Mapping[str, str],
    sleep: Sleep = cancel.sleep,
) -> str:
    """Entra ID's access token for the app, bought with the job's OIDC token."""
    jwt = oidc.github_oidc_token(env, AUDIENCE, sleep=sleep)
    return entra_token(tenant, client_id, jwt, cloud=cloud, env=env, sleep=sleep)


def acr_login(session: RegistrySession, tenant: str, aad_token: str) -> tuple[str, str]:
    """Docker's credentials for the registry of ``session``."""
    return USERNAME, acr_refresh_token(session, tenant, aad_token)
