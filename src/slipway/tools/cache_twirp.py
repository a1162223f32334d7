"""The cache service's Twirp JSON calls: ``POST <ACTIONS_RESULTS_URL>/twirp/github.actions.
results.api.v1.CacheService/<Method>`` with ``Authorization: Bearer <ACTIONS_RUNTIME_TOKEN>``.

As actions/toolkit ``cacheTwirpClient.ts`` builds the URL (``new URL('/twirp/...', base)``:
any path in the base URL is replaced) and as its generated ``cache.twirp-client.ts`` writes
requests (proto field names, int64 as a JSON string, default values left out). A 200 answer
must be a JSON object; an error answer is Twirp's ``{"code", "msg"}`` (or a gateway's page).
Retries are :mod:`slipway.tools.cache_http`'s.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urljoin

import requests

from slipway import __version__
from slipway.cache.wire import MalformedAnswer, service_message, twirp_error
from slipway.tools.cache_http import GiveUp, Transport, raise_for_retry

SERVICE = "github.actions.results.api.v1.CacheService"
REFUSED = "{method}: the service answered HTTP {status} {code}: {message}"
MALFORMED = "{method}: the service's answer is malformed ({detail})"


class Refused(Exception):
    """A Twirp error answer that no retry changes (already_exists, unauthenticated, ...)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(code)
        self.status, self.code, self.message = status, code, message


class _Bearer(requests.auth.AuthBase):
    """``Authorization: Bearer <token>`` (an auth object, so ~/.netrc cannot replace it)."""

    def __init__(self, token: str) -> None:
        self._token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self._token}"
        return request

    def __repr__(self) -> str:
        return "_Bearer(***)"


class TwirpClient:
    """Calls one method at a time; answers are decoded JSON objects."""

    def __init__(self, transport: Transport, results_url: str, token: str) -> None:
        self._transport = transport
        self._base = results_url
        self._auth = _Bearer(token)
        self._headers = {
            "Content-Type": "application/json",
            "Accept": "application/json",
            "User-Agent": f"slipway/{__version__}",
        }

    def __repr__(self) -> str:
        return "TwirpClient(...)"

    def call(self, method: str, payload: dict[str, Any]) -> dict[str, Any]:
        """The answer to ``method``, retried as cache_http says; Refused, GiveUp or
        MalformedAnswer when there is none."""
        url = urljoin(self._base, f"/twirp/{SERVICE}/{method}")
        data = json.dumps(payload).encode()

        def attempt() -> dict[str, Any]:
            response = self._transport.request(
                method, "POST", url, data=data, headers=self._headers, auth=self._auth
            )
            with response:
                try:
                    body: Any = response.json()
                except ValueError:
                    body = None
                code, message = twirp_error(body)
                raise_for_retry(response, method, code)
                if response.status_code != 200:
                    raise Refused(response.status_code, code, message)
                if not isinstance(body, dict):
                    raise MalformedAnswer("not a JSON object")
                return body

        return self._transport.retrying(method, attempt)


def describe(method: str, exc: Exception) -> str:
    """One line saying why ``method`` failed (not yet redacted)."""
    if isinstance(exc, GiveUp):
        return exc.reason
    if isinstance(exc, Refused):
        message = service_message(exc.message) or "(no message)"
        code = exc.code or "(not a Twirp error)"
        return REFUSED.format(method=method, status=exc.status, code=code, message=message)
    return MALFORMED.format(method=method, detail=exc)
