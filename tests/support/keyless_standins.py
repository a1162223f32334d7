"""Local HTTP stand-ins of the token services keyless logins talk to, besides AWS's (moto):
Google's STS and IAM Credentials, Entra ID's token endpoint, ACR's ``/oauth2/exchange`` and
Docker's identity service. Each validates every request as its provider documents it (the
method, path, content type, every required field and its value, the audience and issuer of
the GitHub OIDC token presented) and answers a refusal shaped as the provider's for anything
else; each keeps what it was sent and what it issued. They serve on 127.0.0.1 from a
thread, as context managers (tests.support.oidc_standin)."""

from __future__ import annotations

import base64
import json
import re
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from tests.support.oidc_standin import ISSUER, Recorded, _Standin

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
Answer = tuple[int, str, bytes]


def claims_of(token: str) -> dict[str, Any]:
    """The claims of a JWT (unverified: the stand-in's own issuer made it), {} if not one."""
    parts = token.split(".")
    if len(parts) != 3:
        return {}
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except ValueError:
        return {}
    return claims if isinstance(claims, dict) else {}


def content_type(request: Recorded) -> str:
    headers = {name.lower(): value for name, value in request.headers.items()}
    return headers.get("content-type", "").partition(";")[0].strip().lower()


def header(request: Recorded, name: str) -> str:
    return next((v for k, v in request.headers.items() if k.lower() == name.lower()), "")


def form_of(request: Recorded) -> dict[str, str] | None:
    """The urlencoded form, each field once; None when a field repeats."""
    fields = parse_qs(request.body.decode(), keep_blank_values=True)
    if any(len(values) != 1 for values in fields.values()):
        return None
    return {name: values[0] for name, values in fields.items()}


def answer(status: int, body: dict[str, Any]) -> Answer:
    return status, JSON, json.dumps(body).encode()


def github_token_problem(token: str, audience: str) -> str:
    """Why ``token`` is not a GitHub Actions OIDC token for ``audience`` ("" when it is)."""
    claims = claims_of(token)
    if claims.get("iss") != ISSUER:
        return f"the token's issuer is {claims.get('iss')!r}, not {ISSUER}"
    if claims.get("aud") != audience:
        return f"the token's audience is {claims.get('aud')!r}, not {audience!r}"
    if not str(claims.get("sub", "")).startswith("repo:"):
        return "the token has no repo: subject"
    return ""


@dataclass
class GoogleStandin(_Standin):
    """Google's Security Token Service (``POST /v1/token``) and the IAM Service Account
    Credentials API (``POST /v1/projects/-/serviceAccounts/<email>:generateAccessToken``) on
    one server, for the workload identity ``provider`` and the service accounts in
    ``impersonable``.

    Documented at https://cloud.google.com/iam/docs/reference/sts/rest/v1/TopLevel/token
    (the token exchange: ``grantType``, ``audience`` ``//iam.googleapis.com/<provider>``,
    ``scope``, ``requestedTokenType``, ``subjectToken``, ``subjectTokenType``; JSON, or the
    form of RFC 8693 with the same names in snake case), https://cloud.google.com/iam/docs/
    workload-identity-federation-with-deployment-pipelines (a provider's default audience:
    ``https://iam.googleapis.com/<provider>``), and https://cloud.google.com/iam/docs/
    reference/credentials/rest/v1/projects.serviceAccounts/generateAccessToken (a bearer
    token, ``scope`` a list, ``lifetime`` like ``3600s``, at most an hour by default;
    ``accessToken`` and ``expireTime`` back). The provider's attribute condition is a
    prefix of the token's subject here. Errors as Google's APIs shape them: STS's as
    OAuth's (``error``, ``error_description``), IAM's as ``{"error": {"code", "message",
    "status"}}``."""

    provider: str = (
        "projects/123456789012/locations/global/workloadIdentityPools/github/providers/repo"
    )
    impersonable: tuple[str, ...] = ("ci-push@my-project.iam.gserviceaccount.com",)
    condition: str = "repo:octo-org/"  # the provider's attribute condition: a subject prefix
    issued: list[str] = field(default_factory=list, init=False, repr=False)

    @property
    def env(self) -> dict[str, str]:
        """gcloud's endpoint overrides, pointed here."""
        return {
            "CLOUDSDK_API_ENDPOINT_OVERRIDES_STS": f"{self.url}/",
            "CLOUDSDK_API_ENDPOINT_OVERRIDES_IAMCREDENTIALS": f"{self.url}/",
        }

    def answer(self, request: Recorded) -> Answer:
        path = urlsplit(request.path).path
        if request.method == "POST" and path == "/v1/token":
            return self._sts(request)
        match = re.fullmatch(r"/v1/projects/-/serviceAccounts/([^/:]+):generateAccessToken", path)
        if request.method == "POST" and match:
            return self._generate(request, unquote(match[1]))
        return _google_error(404, "NOT_FOUND", f"{request.method} {path} is not a method here")

    def _sts(self, request: Recorded) -> Answer:
        kind = content_type(request)
        if kind == JSON:
            try:
                body = json.loads(request.body)
            except ValueError:
                return _oauth(400, "invalid_request", "the body is not JSON")
        elif kind == FORM:
            form = form_of(request) or {}
            body = {re.sub(r"_([a-z])", lambda m: m[1].upper(), k): v for k, v in form.items()}
        else:
            return _oauth(400, "invalid_request", f"unsupported content type {kind!r}")
        if body.get("audience") != f"//iam.googleapis.com/{self.provider}":
            why = 'The target service indicated by the "audience" parameters is invalid.'
            return _oauth(400, "invalid_target", why)
        expected = {
            "grantType": TOKEN_EXCHANGE,
            "requestedTokenType": "urn:ietf:params:oauth:token-type:access_token",
        }
        for name, value in expected.items():
            if body.get(name) != value:
                return _oauth(400, "invalid_request", f"{name} must be {value!r}")
        if body.get("subjectTokenType") not in (
            "urn:ietf:params:oauth:token-type:jwt",
            "urn:ietf:params:oauth:token-type:id_token",
        ):
            return _oauth(400, "invalid_request", "subjectTokenType must be a JWT's")
        if "https://www.googleapis.com/auth/cloud-platform" not in str(body.get("scope", "")):
            return _oauth(400, "invalid_scope", "scope must hold the cloud-platform scope")
        problem = github_token_problem(
            str(body.get("subjectToken", "")), f"https://iam.googleapis.com/{self.provider}"
        )
        if problem:
            return _oauth(400, "invalid_grant", f"The ID token is not accepted: {problem}")
        subject = str(claims_of(str(body.get("subjectToken", ""))).get("sub", ""))
        if not subject.startswith(self.condition):
            why = "The given credential is rejected by the attribute condition."
            return _oauth(400, "invalid_grant", why)
        token = "ya29.federated-" + secrets.token_urlsafe(24)
        self.issued.append(token)
        return answer(
            200,
            {
                "access_token": token,
                "token_type": "Bearer",
                "expires_in": 3600,
                "issued_token_type": expected["requestedTokenType"],
            },
        )

    def _generate(self, request: Recorded, email: str) -> Answer:
        bearer = header(request, "Authorization").removeprefix("Bearer ")
        if bearer not in self.issued:
            return _google_error(
                401, "UNAUTHENTICATED", "Request had invalid authentication credentials."
            )
        if content_type(request) != JSON:
            return _google_error(400, "INVALID_ARGUMENT", "the body must be JSON")
        try:
            body = json.loads(request.body)
        except ValueError:
            return _google_error(400, "INVALID_ARGUMENT", "the body is not JSON")
        scope = body.get("scope")
        if not isinstance(scope, list) or not scope or not all(isinstance(s, str) for s in scope):
            return _google_error(400, "INVALID_ARGUMENT", "scope must be a list of scopes")
        lifetime = body.get("lifetime", "3600s")
        if not re.fullmatch(r"[0-9]+(\.[0-9]+)?s", str(lifetime)) or float(lifetime[:-1]) > 3600:
            return _google_error(
                400, "INVALID_ARGUMENT", "lifetime must be like 3600s, at most 1 h"
            )
        if email not in self.impersonable:
            message = f"Permission 'iam.serviceAccounts.getAccessToken' denied on resource {email}"
            return _google_error(403, "PERMISSION_DENIED", message)
        token = "ya29.sa-" + secrets.token_urlsafe(24)
        self.issued.append(token)
        return answer(200, {"accessToken": token, "expireTime": "2026-12-01T13:00:00Z"})


def _oauth(status: int, error: str, description: str) -> Answer:
    return answer(status, {"error": error, "error_description": description})


def _google_error(status: int, code: str, message: str) -> Answer:
    return answer(status, {"error": {"code": status, "message": message, "status": code}})


@dataclass
class EntraStandin(_Standin):
    """Entra ID's token endpoint (``POST /<tenant>/oauth2/v2.0/token``) for the app
    ``client_id`` of ``tenant`` whose federated credential trusts ``subject``.

    Documented at https://learn.microsoft.com/en-us/entra/identity-platform/
    v2-oauth2-client-creds-grant-flow#third-case-access-token-request-with-a-federated-credential
    (a form: ``client_id``, ``scope`` ending in ``/.default``, ``grant_type``
    ``client_credentials``, ``client_assertion_type``
    ``urn:ietf:params:oauth:client-assertion-type:jwt-bearer``, ``client_assertion``),
    https://learn.microsoft.com/en-us/entra/workload-id/workload-identity-federation-create-trust
    (GitHub's issuer, audience ``api://AzureADTokenExchange``, the subject matched exactly),
    and https://learn.microsoft.com/en-us/entra/identity-platform/reference-error-codes
    (AADSTS90002 unknown tenant, AADSTS700016 unknown app, AADSTS70021 no matching federated
    identity record; ``error``, ``error_description``, ``error_codes``)."""

    tenant: str = "66666666-7777-8888-9999-000000000000"
    client_id: str = "11111111-2222-3333-4444-555555555555"
    subject: str = "repo:octo-org/hello:ref:refs/heads/main"
    issued: list[str] = field(default_factory=list, init=False, repr=False)

    @property
    def env(self) -> dict[str, str]:
        """azure-identity's authority host, pointed here."""
        return {"AZURE_AUTHORITY_HOST": self.url}

    def answer(self, request: Recorded) -> Answer:
        path = urlsplit(request.path).path
        match = re.fullmatch(r"/([^/]+)/oauth2/v2\.0/token", path)
        if request.method != "POST" or match is None:
            return _entra(
                404, "invalid_request", 900561, "The endpoint only accepts POST requests."
            )
        if match[1] != self.tenant:
            return _entra(400, "invalid_request", 90002, f"Tenant '{match[1]}' not found.")
        if content_type(request) != FORM:
            return _entra(400, "invalid_request", 900144, "The request body must be a form.")
        form = form_of(request)
        if form is None:
            return _entra(400, "invalid_request", 90014, "A field is repeated.")
        if form.get("grant_type") != "client_credentials":
            return _entra(
                400, "unsupported_grant_type", 70003, "grant_type must be client_credentials."
            )
        if not form.get("scope", "").endswith("/.default"):
            return _entra(400, "invalid_scope", 1002012, "The scope must end with /.default.")
        if form.get("client_id") != self.client_id:
            return _entra(
                400,
                "unauthorized_client",
                700016,
                f"Application with identifier '{form.get('client_id')}' was not found.",
            )
        if (
            form.get("client_assertion_type")
            != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
        ):
            return _entra(
                400, "invalid_request", 90023, "client_assertion_type must be jwt-bearer."
            )
        assertion = form.get("client_assertion", "")
        problem = github_token_problem(assertion, "api://AzureADTokenExchange")
        if problem or claims_of(assertion).get("sub") != self.subject:
            return _entra(
                401,
                "invalid_client",
                70021,
                "No matching federated identity record found for presented assertion.",
            )
        token = "eyJ0eXAiOiJKV1QifQ.aad-" + secrets.token_urlsafe(24)
        self.issued.append(token)
        return answer(
            200,
            {
                "token_type": "Bearer",
                "expires_in": 3599,
                "ext_expires_in": 3599,
                "access_token": token,
            },
        )


def _entra(status: int, error: str, code: int, text: str) -> Answer:
    body = {"error": error, "error_description": f"AADSTS{code}: {text}", "error_codes": [code]}
    return answer(status, body)


@dataclass
class AcrStandin(_Standin):
    """An Azure Container Registry's token exchange (``POST /oauth2/exchange``): an ACR
    refresh token for an Entra ID access token that ``entra`` issued, for the registry named
    ``service``.

    Documented at https://github.com/Azure/acr/blob/main/docs/AAD-OAuth.md (a form:
    ``grant_type=access_token``, ``service`` the registry's login server, ``tenant``,
    ``access_token``; ``{"refresh_token": ...}`` back) and https://learn.microsoft.com/en-us/
    azure/container-registry/container-registry-authentication#az-acr-login-with---expose-token
    (the refresh token logs in as 00000000-0000-0000-0000-000000000000)."""

    entra: EntraStandin | None = None
    service: str = "slipwaystandin.azurecr.io"
    issued: list[str] = field(default_factory=list, init=False, repr=False)

    def answer(self, request: Recorded) -> Answer:
        if request.method != "POST" or urlsplit(request.path).path != "/oauth2/exchange":
            return _acr(404, "NOT_FOUND", "not found")
        if content_type(request) != FORM:
            return _acr(400, "BAD_REQUEST", "the body must be a form")
        form = form_of(request) or {}
        if form.get("grant_type") != "access_token":
            return _acr(400, "BAD_REQUEST", "grant_type must be access_token")
        if form.get("service") != self.service:
            return _acr(400, "BAD_REQUEST", f"service must be {self.service}")
        entra = self.entra
        if entra is None or form.get("tenant") != entra.tenant:
            return _acr(400, "BAD_REQUEST", "tenant does not match")
        if form.get("access_token") not in entra.issued:
            return _acr(401, "UNAUTHORIZED", "the access token is not valid")
        token = "acr-refresh-" + secrets.token_urlsafe(24)
        self.issued.append(token)
        return answer(200, {"refresh_token": token})


def _acr(status: int, code: str, message: str) -> Answer:
    return answer(status, {"errors": [{"code": code, "message": message}]})


@dataclass
class DockerIdentityStandin(_Standin):
    """Docker's identity service (``POST /oauth/token``) for the OIDC connection
    ``connection_id`` whose ruleset trusts ``subject``.

    Documented at https://docs.docker.com/enterprise/security/oidc-connections/ (the
    connection, its rulesets matching the token's subject claim), with the request as
    docker/login-action v4.6 sends it (https://github.com/docker/login-action/blob/v4.6.0/
    src/dockerhub.ts) and RFC 8693 section 2.1 (https://www.rfc-editor.org/rfc/rfc8693): a
    form, ``grant_type`` token-exchange, ``subject_token_type`` id_token, ``subject_token``
    a GitHub OIDC token for the audience ``https://identity.docker.com``, ``connection_id``
    (a UUID), ``expires_in`` from 300 to 3600; ``{"access_token": ...}`` back, and
    ``{"message": ...}`` with a refusal."""

    connection_id: str = "0b5e7f3a-6c1d-4e8f-9a2b-3c4d5e6f7a8b"
    subject: str = "repo:octo-org/hello:ref:refs/heads/main"
    issued: list[str] = field(default_factory=list, init=False, repr=False)

    def answer(self, request: Recorded) -> Answer:
        if request.method != "POST" or urlsplit(request.path).path != "/oauth/token":
            return answer(404, {"message": "not found"})
        if content_type(request) != FORM:
            return answer(400, {"message": "the body must be a form"})
        form = form_of(request) or {}
        required = {
            "grant_type": TOKEN_EXCHANGE,
            "subject_token_type": "urn:ietf:params:oauth:token-type:id_token",
        }
        for name, value in required.items():
            if form.get(name) != value:
                return answer(400, {"message": f"{name} must be {value}"})
        expires = form.get("expires_in", "")
        if not expires.isdigit() or not 300 <= int(expires) <= 3600:
            return answer(400, {"message": "expires_in must be from 300 to 3600"})
        if form.get("connection_id") != self.connection_id:
            return answer(401, {"message": "unknown connection"})
        token = form.get("subject_token", "")
        if github_token_problem(token, "https://identity.docker.com") or (
            claims_of(token).get("sub") != self.subject
        ):
            return answer(403, {"message": "no ruleset of the connection matches the token"})
        issued = "dckr_oat_" + secrets.token_urlsafe(24)
        self.issued.append(issued)
        return answer(
            200, {"access_token": issued, "token_type": "Bearer", "expires_in": int(expires)}
        )
