"""The HTTP side of an OCI registry: one connection's schemes, TLS trust, auth challenge
flow (basic, or a bearer token per scope) and bounded retries of transient failures (the
registries' policy of :mod:`slipway.tools.retry`). `slipway.tools.registry` speaks the
distribution API over it."""

from __future__ import annotations

import re
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests
import urllib3

from slipway.errors import RegistryError
from slipway.runner import cancel
from slipway.tools import retry
from slipway.tools.retry import TRANSIENT_STATUS, Failure, Policy, Retries

# Every failure to get an answer but a request that is wrong in itself: a registry restarting
# behind its load balancer refuses connections or drops them for a while.
FAILURES = frozenset({Failure.CONNECT, Failure.TLS, Failure.SILENT, Failure.DROPPED})
_CHALLENGE_PARAM = re.compile(r'(\w+)="([^"]*)"')


@dataclass(frozen=True)
class Connection:
    """How to reach one registry."""

    registry: str
    username: str = ""
    password: str = field(default="", repr=False)
    loopback: bool = False  # plain HTTP allowed, no TLS verification (as Docker does)
    ca_bundle: str = ""
    timeout: float = 30.0
    retry_budget: float = 60.0  # seconds of consecutive transient failures


def policy(budget: float) -> Policy:
    """A registry's retries: 408, 429, 5xx and lost connections, backing off from 0.5 s to
    8 s (or as long as a Retry-After asks), until failures have lasted ``budget`` seconds
    (`registry-timeout`) in a row: a registry that is down for good fails the push within
    the budget, however many blobs remain, and any success starts a new one."""
    return Policy(
        statuses=TRANSIENT_STATUS,
        failures=FAILURES,
        backoff=0.5,
        max_backoff=8.0,
        budget=budget,
        streak=True,
    )


def parse_challenge(header: str) -> tuple[str, dict[str, str]]:
    """``Bearer realm="...",service="..."`` -> ("bearer", {...})."""
    scheme, _, rest = header.strip().partition(" ")
    return scheme.lower(), dict(_CHALLENGE_PARAM.findall(rest))


TLS_HINT = (
    "Give the CA that signed it as `registry-ca` (PEM text, or a file in the workspace): "
    "a container action does not see the runner's /etc/docker/certs.d."
)
DOCKER_HUB_NAMES = frozenset({"docker.io", "index.docker.io", "registry-1.docker.io"})
DOCKER_HUB_API = "registry-1.docker.io"


class RegistrySession:
    """Talks to one registry with optional credentials; retries transient failures (waits
    through ``sleep``; the budget is measured on ``clock``, monotonic seconds)."""

    def __init__(
        self,
        connection: Connection,
        sleep: Callable[[float], None] = cancel.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.registry = connection.registry
        self._auth = (connection.username, connection.password) if connection.username else None
        self._schemes = ["https", "http"] if connection.loopback else ["https"]
        # Like Docker: a CA from /etc/docker/certs.d/<registry>/, else the system store;
        # loopback registries are "insecure" (no verification, plain HTTP allowed).
        self._verify: str | bool = connection.ca_bundle or not connection.loopback
        self._timeout = connection.timeout
        self._retries = Retries(policy(connection.retry_budget), sleep=sleep, clock=clock)
        self._session = requests.Session()
        self._tokens: dict[str, str] = {}

    def _url(self, path: str) -> str:
        host = DOCKER_HUB_API if self.registry in DOCKER_HUB_NAMES else self.registry
        return f"{self._schemes[0]}://{host}{path}"

    def _send(self, method: str, path: str, scope: str, **kwargs: Any) -> requests.Response:
        headers = dict(kwargs.pop("headers", {}))
        token = self._tokens.get(scope)
        if token:
            headers["Authorization"] = token
        try:
            with warnings.catch_warnings():
                # verify=False is used only for loopback registries, as Docker does.
                warnings.simplefilter("ignore", urllib3.exceptions.InsecureRequestWarning)
                return self._session.request(
                    method,
                    self._url(path),
                    headers=headers,
                    timeout=self._timeout,
                    verify=self._verify,
                    **kwargs,
                )
        except requests.exceptions.SSLError as error:
            if len(self._schemes) > 1:  # a loopback registry without TLS, as Docker allows
                self._schemes.pop(0)
                return self._send(method, path, scope, headers=headers, **kwargs)
            if "CERTIFICATE_VERIFY_FAILED" in str(error):  # not transient: no retries
                raise RegistryError(
                    f"registry {self.registry}: its TLS certificate is not signed by a CA "
                    "Slipway trusts",
                    TLS_HINT,
                ) from None
            raise

    def attempt(self, method: str, path: str, scope: str, **kwargs: Any) -> requests.Response:
        """One request, answering an authentication challenge once; no retries."""
        response = self._send(method, path, scope, **kwargs)
        if response.status_code != 401:
            return response
        held = self._tokens.pop(scope, None)
        # No answer yet, or a bearer token that expired (Docker Hub's last 300 s): one new one.
        # A basic answer refused stays refused: the caller sees the 401 and says what it means.
        if held is not None and (not held.startswith("Bearer ") or insufficient_scope(response)):
            self._tokens[scope] = held  # a valid token without the rights: asking again won't help
            return response
        if self._authenticate(response, scope):
            body: Any = kwargs.get("data")
            if hasattr(body, "seek"):
                body.seek(0)  # a file sent once already: send it whole again
            response = self._send(method, path, scope, **kwargs)
        return response

    def request(self, method: str, path: str, scope: str, **kwargs: Any) -> requests.Response:
        """`attempt`, retried as `policy` says; the last answer when the retries stop."""
        return self.retried(lambda: self.attempt(method, path, scope, **kwargs))

    def unauthenticated(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """One request that answers no challenge (a token exchange at the registry, such as
        ACR's ``/oauth2/exchange``: the form is the proof), retried as `policy` says."""
        return self.retried(lambda: self._send(method, path, "", **kwargs))

    def retried(self, attempt: Callable[[], requests.Response]) -> requests.Response:
        """``attempt()`` (one request or more, answering with the last) retried within this
        registry's budget; RegistryError when no answer came."""
        try:
            return retry.send(self._retries, attempt)
        except requests.RequestException as error:
            raise RegistryError(f"cannot reach registry {self.registry}: {error}") from None

    def _authenticate(self, response: requests.Response, scope: str) -> bool:
        """Answer a challenge; False when there is nothing to answer it with (no
        credentials for basic auth): the caller sees the 401 and says what it means."""
        scheme, params = parse_challenge(response.headers.get("WWW-Authenticate", ""))
        if scheme == "basic":
            if self._auth is None:
                return False
            basic = requests.auth._basic_auth_str(*self._auth)
            self._tokens[scope] = basic
            return True
        if scheme != "bearer" or "realm" not in params:
            raise RegistryError(
                f"{self.registry} sent an authentication challenge Slipway does not understand"
            )
        query = {"service": params.get("service", ""), **({"scope": scope} if scope else {})}
        reply = self._session.get(
            params["realm"],
            params=query,
            auth=self._auth,
            timeout=self._timeout,
            verify=self._verify,
        )
        if reply.status_code != 200:
            raise RegistryError(
                f"{self.registry} refused the credentials (HTTP {reply.status_code} from token service)",
                "Check `username`/`password` (or the entry in `registry-auth`) for this registry.",
                status=reply.status_code,
            )
        body = reply.json()
        self._tokens[scope] = "Bearer " + str(body.get("token") or body.get("access_token") or "")
        return True


def insufficient_scope(response: requests.Response) -> bool:
    """True for a 401 whose challenge says the token is valid but lacks the rights asked
    (distribution, ACR and Docker Hub answer a push without push rights that way)."""
    _, params = parse_challenge(response.headers.get("WWW-Authenticate", ""))
    return response.status_code == 401 and params.get("error") == "insufficient_scope"
