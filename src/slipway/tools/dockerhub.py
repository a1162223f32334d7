"""Docker Hub logins through a Docker OIDC connection, as docker/login-action v4.6 buys them
(src/dockerhub.ts): the job's GitHub OIDC token, for the audience of Docker's identity
service, is exchanged there (RFC 8693 token exchange, with the connection's ID) for a Docker
Hub access token, which logs in with the organisation's name as the user.

Docker's side: https://docs.docker.com/enterprise/security/oidc-connections/ (the connection,
its rulesets and the subject claims they match)."""

from __future__ import annotations

from collections.abc import Mapping

from slipway.errors import RegistryError
from slipway.oci.keyless import DOCKER_HUB_TOKEN_LIFETIME
from slipway.runner import cancel
from slipway.tools import oidc
from slipway.tools.oidc import TOKEN_EXCHANGE, Sleep

AUDIENCE = "https://identity.docker.com"  # of the job's OIDC token
IDENTITY_URL = AUDIENCE  # Docker's identity service
ID_TOKEN = "urn:ietf:params:oauth:token-type:id_token"  # noqa: S105 (a token type's name)
TRUST_HINT = (
    "The Docker OIDC connection must let this job in: a ruleset whose subject claims match "
    "its token (sub repo:<owner>/<repo>:ref:refs/heads/<branch>, ...), and `username` must "
    "be the Docker organisation that owns the connection (Docker Home > Settings > OIDC "
    "connections)."
)
CONNECTION_HINT = (
    "Check `dockerhub-oidc-connection-id`: the connection's ID from Docker Home, e.g. "
    "`dockerhub-oidc-connection-id: ${{ vars.DOCKERHUB_OIDC_CONNECTIONID }}`."
)


def dockerhub_login(
    username: str,
    connection_id: str,
    *,
    env: Mapping[str, str],
    expires_in: int = DOCKER_HUB_TOKEN_LIFETIME[1],
    identity: str = "",
    sleep: Sleep = cancel.sleep,
) -> tuple[str, str]:
    """Docker's credentials (``username``, a Docker Hub access token) for the organisation
    ``username``, bought with the job's OIDC token through the connection ``connection_id``
    at Docker's identity service (``identity``, else `IDENTITY_URL`)."""
    jwt = oidc.github_oidc_token(env, AUDIENCE, sleep=sleep)
    url = f"{(identity or IDENTITY_URL).rstrip('/')}/oauth/token"
    form = {
        "grant_type": TOKEN_EXCHANGE,
        "subject_token_type": ID_TOKEN,
        "subject_token": jwt,
        "connection_id": connection_id,
        "expires_in": str(expires_in),
    }
    headers = {"Accept": "application/json"}
    response = oidc.send(
        "Docker's identity service", "POST", url, data=form, headers=headers, sleep=sleep
    )
    if response.status_code != 200:
        detail = oidc.scrub(oidc.oauth_error(response), jwt)
        hint = TRUST_HINT if response.status_code in (401, 403) else CONNECTION_HINT
        message = f"Docker did not exchange this job's OIDC token for {username}: {detail}"
        raise RegistryError(message, hint, status=response.status_code)
    missing = "Docker's identity service answered without an access token"
    return username, oidc.answer_field(response, "access_token", missing)
