"""Amazon ECR logins without the AWS SDK, as docker/login-action does them: AWS credentials
(the job's environment, or a role assumed with GitHub's OIDC token: slipway.tools.oidc) buy
an authorization token from ECR's API, which is Docker's ("AWS", password). Requests are signed here with
AWS Signature Version 4; endpoints follow the SDKs' AWS_ENDPOINT_URL variables."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, unquote, urlsplit
from xml.etree import ElementTree

import requests

from slipway.errors import RegistryError
from slipway.oci.ecr import EcrRegistry
from slipway.runner import cancel
from slipway.tools import oidc, retry
from slipway.tools.retry import EVERY_FAILURE, SERVER_ERRORS, Policy

TIMEOUT = oidc.TIMEOUT  # seconds, every request
# Three attempts per request, on 5xx or any failure to get an answer (the SDKs' standard
# mode retries those too); no budget beyond the attempts: a login is a handful of requests.
POLICY = Policy(
    statuses=SERVER_ERRORS, failures=EVERY_FAILURE, attempts=3, backoff=1.0, retry_after_cap=10.0
)
RETRY_DELAYS = tuple(retry.backoff(POLICY, n) for n in range(1, POLICY.attempts))
Sleep = oidc.Sleep
STS_AUDIENCE = "sts.amazonaws.com"
_PARTITION_SUFFIX = {"cn": "amazonaws.com.cn", "eusc": "amazonaws.eu"}  # by region prefix
_SERVICE = {  # the signing name and target of each kind of registry
    False: ("ecr", "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken"),
    True: ("ecr-public", "SpencerFrontendService.GetAuthorizationToken"),
}
CREDENTIALS_HINT = "Run aws-actions/configure-aws-credentials first, or set `aws-role-to-assume`."
PERMISSIONS_HINT = oidc.PERMISSIONS_HINT
TRUST_HINT = (
    "The role's trust policy must allow sts:AssumeRoleWithWebIdentity to the federated principal "
    "token.actions.githubusercontent.com for this repository: aud sts.amazonaws.com, sub "
    "repo:<owner>/<repo>:* (and the account must have that OIDC identity provider)."
)
ROLE_HINT = "Check `aws-role-to-assume`: an IAM role ARN, arn:aws:iam::<account>:role/<name>."


@dataclass(frozen=True)
class AwsCredentials:
    """An AWS access key, with the session token of temporary credentials."""

    access_key_id: str
    secret_access_key: str = field(repr=False)
    session_token: str = field(default="", repr=False)


def credentials_from_env(env: Mapping[str, str]) -> AwsCredentials | None:
    """The keys aws-actions/configure-aws-credentials leaves in the environment, if any."""
    key_id = env.get("AWS_ACCESS_KEY_ID", "")
    secret = env.get("AWS_SECRET_ACCESS_KEY", "")
    if not key_id and not secret:
        return None
    if not (key_id and secret):
        missing = "AWS_SECRET_ACCESS_KEY" if key_id else "AWS_ACCESS_KEY_ID"
        raise RegistryError(f"AWS credentials in the environment lack {missing}", CREDENTIALS_HINT)
    return AwsCredentials(key_id, secret, env.get("AWS_SESSION_TOKEN", ""))


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def _canonical_query(query: str) -> str:
    pairs = (pair.partition("=")[::2] for pair in query.split("&") if pair)
    encoded = sorted(tuple(quote(unquote(part), safe="-_.~") for part in pair) for pair in pairs)
    return "&".join(f"{key}={value}" for key, value in encoded)


def _host(url: str) -> str:
    parts = urlsplit(url)  # as HTTP clients send it: no user info, no default port
    default = {"http": ":80", "https": ":443"}.get(parts.scheme, "")
    return parts.netloc.rpartition("@")[2].lower().removesuffix(default)


@dataclass(frozen=True)
class Signer:
    """Signs requests to one service in one region with AWS Signature Version 4."""

    credentials: AwsCredentials
    region: str
    service: str
    at: datetime | None = None  # the signing time, else now

    def sign(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes
    ) -> dict[str, str]:
        """``headers`` (all signed) plus Host, X-Amz-Date, the session token, Authorization."""
        stamp = (self.at or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
        added = {"Host": _host(url), "X-Amz-Date": stamp}
        if self.credentials.session_token:
            added["X-Amz-Security-Token"] = self.credentials.session_token
        signed = {name.lower(): " ".join(value.split()) for name, value in headers.items()}
        signed |= {name.lower(): value for name, value in added.items()}
        names = ";".join(sorted(signed))
        parts = urlsplit(url)
        lines = "".join(f"{name}:{signed[name]}\n" for name in sorted(signed))
        path, query = quote(parts.path or "/", safe="/~"), _canonical_query(parts.query)
        canonical = f"{method.upper()}\n{path}\n{query}\n{lines}\n{names}\n"
        canonical += hashlib.sha256(body).hexdigest()
        scope = f"{stamp[:8]}/{self.region}/{self.service}/aws4_request"
        digest = hashlib.sha256(canonical.encode()).hexdigest()
        key = f"AWS4{self.credentials.secret_access_key}".encode()
        for part in scope.split("/"):
            key = _hmac(key, part)
        signature = _hmac(key, f"AWS4-HMAC-SHA256\n{stamp}\n{scope}\n{digest}").hex()
        added["Authorization"] = (
            f"AWS4-HMAC-SHA256 Credential={self.credentials.access_key_id}/{scope}, "
            f"SignedHeaders={names}, Signature={signature}"
        )
        return {**headers, **added}


def _endpoint(env: Mapping[str, str], service_id: str, name: str, region: str) -> str:
    """AWS_ENDPOINT_URL_<SERVICE>, then AWS_ENDPOINT_URL (as the SDKs read them), else AWS's."""
    suffix = _PARTITION_SUFFIX.get(region.partition("-")[0], "amazonaws.com")
    default = f"https://{name}.{region}.{suffix}"
    if env.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "").lower() == "true":
        return default
    return env.get(f"AWS_ENDPOINT_URL_{service_id}") or env.get("AWS_ENDPOINT_URL") or default


def _send(what: str, method: str, url: str, *, sleep: Sleep, **kwargs: Any) -> requests.Response:
    """One request with a timeout, retried as `POLICY` says; the last answer."""
    return oidc.send(what, method, url, sleep=sleep, policy=POLICY, **kwargs)


_scrub = oidc.scrub


def _xml_fields(text: str, *names: str) -> list[str] | None:
    """The text of the first element of each name (in any namespace); None if not XML."""
    try:  # AWS's answer, over TLS; expat bounds entity expansion, loads no external entity
        root = ElementTree.fromstring(text)  # noqa: S314
    except ElementTree.ParseError:
        return None
    found = {e.tag.rpartition("}")[2]: (e.text or "").strip() for e in reversed([*root.iter()])}
    return [found.get(name, "") for name in names]


def _aws_error(response: requests.Response) -> str:
    """``Code: Message`` from AWS's JSON or XML error body, else the HTTP status."""
    try:
        body = response.json()
    except ValueError:
        code, message = _xml_fields(response.text, "Code", "Message") or ("", "")
    else:
        body = body if isinstance(body, dict) else {}
        code = str(body.get("__type") or response.headers.get("x-amzn-ErrorType", ""))
        code = code.partition(":")[0].rpartition("#")[2]
        message = str(body.get("message") or body.get("Message") or "")
    detail = ": ".join(part for part in (code, message) if part)
    return detail or f"HTTP {response.status_code}"


def github_oidc_token(
    env: Mapping[str, str], audience: str = STS_AUDIENCE, *, sleep: Sleep = cancel.sleep
) -> str:
    """The job's OIDC token for AWS STS (slipway.tools.oidc)."""
    return oidc.github_oidc_token(env, audience, sleep=sleep)


def assume_role_with_web_identity(
    role_arn: str,
    web_identity_token: str,
    *,
    region: str,
    env: Mapping[str, str],
    session_name: str = "slipway",
    duration_seconds: int = 3600,
    sleep: Sleep = cancel.sleep,
) -> AwsCredentials:
    """STS AssumeRoleWithWebIdentity (unsigned: the token is the proof) -> temporary credentials."""
    url = _endpoint(env, "STS", "sts", region)
    form = {
        "Action": "AssumeRoleWithWebIdentity",
        "Version": "2011-06-15",
        "RoleArn": role_arn,
        "RoleSessionName": session_name,
        "WebIdentityToken": web_identity_token,
        "DurationSeconds": str(duration_seconds),
    }
    response = _send(f"AWS STS for role {role_arn}", "POST", url, data=form, sleep=sleep)
    names = ("AccessKeyId", "SecretAccessKey", "SessionToken")
    fields = _xml_fields(response.text, *names) if response.status_code == 200 else None
    if fields is None:
        detail = _scrub(_aws_error(response), web_identity_token)
        trust = detail.partition(":")[0] in ("AccessDenied", "InvalidIdentityToken")
        hint = TRUST_HINT if trust else ROLE_HINT
        message = f"AWS STS did not let this job assume {role_arn}: {detail}"
        raise RegistryError(message, hint, status=response.status_code)
    if not all(fields):
        raise RegistryError(f"AWS STS answered for {role_arn} without credentials")
    return AwsCredentials(*fields)


def ecr_authorization(
    registry: EcrRegistry,
    credentials: AwsCredentials,
    *,
    env: Mapping[str, str],
    sleep: Sleep = cancel.sleep,
) -> tuple[str, str]:
    """ECR's GetAuthorizationToken, decoded into Docker's (username, password)."""
    service, target = _SERVICE[registry.public]
    name = f"api.{service}-fips" if registry.fips else f"api.{service}"
    url = _endpoint(env, service.upper().replace("-", "_"), name, registry.region)
    body = json.dumps({"registryIds": [registry.account]} if registry.account else {}).encode()
    headers = {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": target}
    signed = Signer(credentials, registry.region, service).sign("POST", url, headers, body)
    response = _send(
        f"Amazon ECR for {registry.host}", "POST", url, data=body, headers=signed, sleep=sleep
    )
    if response.status_code != 200:
        secrets = (credentials.secret_access_key, credentials.session_token)
        detail = _scrub(_aws_error(response), *secrets)
        also = " and sts:GetServiceBearerToken" if registry.public else ""
        access = f"The IAM identity needs {service}:GetAuthorizationToken{also}."
        hint = access if detail.startswith("AccessDenied") else CREDENTIALS_HINT
        message = f"Amazon ECR refused an authorization token for {registry.host}: {detail}"
        raise RegistryError(message, hint, status=response.status_code)
    try:
        data = response.json()["authorizationData"]  # a list (ECR), one object (ECR Public)
        token = (data[0] if isinstance(data, list) else data)["authorizationToken"]
        username, _, password = base64.b64decode(token).decode().partition(":")
    except (ValueError, KeyError, IndexError, TypeError):
        username = password = ""
    if not (username and password):
        raise RegistryError(f"Amazon ECR answered for {registry.host} without a usable token")
    return username, password


def ecr_login(
    registry: EcrRegistry,
    *,
    env: Mapping[str, str],
    role_to_assume: str = "",
    sleep: Sleep = cancel.sleep,
) -> tuple[str, str]:
    """Docker's credentials for ``registry``, from ``role_to_assume`` or the environment's keys."""
    if not role_to_assume:
        found = credentials_from_env(env)
        if found is None:
            raise RegistryError(
                f"no AWS credentials to log in to {registry.host}", CREDENTIALS_HINT
            )
        return ecr_authorization(registry, found, env=env, sleep=sleep)
    token = github_oidc_token(env, sleep=sleep)
    assumed = assume_role_with_web_identity(
        role_to_assume, token, region=registry.region, env=env, sleep=sleep
    )
    return ecr_authorization(registry, assumed, env=env, sleep=sleep)
