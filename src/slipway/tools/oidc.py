"""The job's GitHub OIDC token, and the one way keyless logins ask a cloud's token service
for something (`send`: a timeout, the retries of `slipway.tools.retry`, a `RegistryError`
that names the service and never a secret). Amazon's APIs (slipway.tools.aws), Google's
(slipway.tools.gcp), Entra ID's (slipway.tools.azure) and Docker's (slipway.tools.dockerhub)
all go through it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests

from slipway.errors import RegistryError
from slipway.runner import cancel
from slipway.tools import retry
from slipway.tools.retry import EVERY_FAILURE, TRANSIENT_STATUS, Policy, Retries

TIMEOUT = 30.0  # seconds, every request
Sleep = Callable[[float], None]
# The token services of Google, Microsoft and Docker: three attempts on 408, 429, 5xx or
# any failure to get an answer, waiting as long as a Retry-After asks up to 30 s
# (login-action waits out Docker's 429s the same way); a login is a handful of requests.
POLICY = Policy(
    statuses=TRANSIENT_STATUS,
    failures=EVERY_FAILURE,
    attempts=3,
    backoff=1.0,
    retry_after_cap=30.0,
)
TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"  # noqa: S105 (RFC 8693's grant)
PERMISSIONS_HINT = "Let the job ask GitHub for its OIDC token:\npermissions:\n  id-token: write"


def host_of(url: str) -> str:
    """The host (and port) of ``url``, as a message names it."""
    return urlsplit(url).netloc.rpartition("@")[2].lower()


def send(
    what: str,
    method: str,
    url: str,
    *,
    sleep: Sleep,
    policy: Policy = POLICY,
    **kwargs: Any,
) -> requests.Response:
    """One request with a timeout, retried as ``policy`` says; the last answer."""
    retries = Retries(policy, sleep=sleep)
    try:
        return retry.send(retries, lambda: requests.request(method, url, timeout=TIMEOUT, **kwargs))
    except requests.RequestException as error:
        reason = f"cannot reach {host_of(url)} ({type(error).__name__})"
        raise RegistryError(f"{what}: {reason}") from None


def scrub(text: str, *secrets: str) -> str:
    """``text`` without any of ``secrets``."""
    for secret in filter(None, secrets):
        text = text.replace(secret, "***")
    return text


def json_body(response: requests.Response) -> dict[str, Any]:
    """The answer's JSON object, or {} when it is not one."""
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def answer_field(response: requests.Response, field: str, missing: str) -> str:
    """The answer's JSON string ``field``, or a `RegistryError` saying ``missing`` when it is
    absent, empty or not a string (what every token service here answers with)."""
    value = json_body(response).get(field)
    if not isinstance(value, str) or not value:
        raise RegistryError(missing)
    return value


def oauth_error(response: requests.Response) -> str:
    """What an OAuth 2.0 token service said went wrong (RFC 6749 section 5.2: ``error`` and
    ``error_description``; Google's APIs nest ``error.status`` and ``error.message``;
    Docker's answer ``message``), else the HTTP status. Never more than 300 characters."""
    body = json_body(response)
    error = body.get("error")
    if isinstance(error, dict):  # Google's APIs: {"error": {"code", "message", "status"}}
        parts = [error.get("status"), error.get("message")]
    else:
        parts = [error, body.get("error_description") or body.get("message")]
    detail = ": ".join(str(part).strip() for part in parts if part)
    return (detail or f"HTTP {response.status_code}")[:300]


def github_oidc_token(env: Mapping[str, str], audience: str, *, sleep: Sleep = cancel.sleep) -> str:
    """The job's OIDC token (a JWT) for ``audience``, from GitHub's token service (``sleep``
    waits between retries, as in every function here)."""
    url, token = (env.get(f"ACTIONS_ID_TOKEN_REQUEST_{name}", "") for name in ("URL", "TOKEN"))
    if not (url and token):
        unset = "ACTIONS_ID_TOKEN_REQUEST_" + ("TOKEN" if url else "URL")
        message = f"no OIDC token for this job ({unset} is unset): it needs `id-token: write`"
        raise RegistryError(message, PERMISSIONS_HINT)
    url += ("&" if "?" in url else "?") + urlencode({"audience": audience})
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    response = send("GitHub's OIDC token service", "GET", url, headers=headers, sleep=sleep)
    if response.status_code != 200:
        status = response.status_code
        message = f"GitHub refused the OIDC token for audience {audience} (HTTP {status})"
        raise RegistryError(message, PERMISSIONS_HINT, status=status)
    return answer_field(response, "value", "GitHub's OIDC token service answered without a token")
