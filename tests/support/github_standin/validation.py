"""Check the stand-in's traffic against GitHub's OpenAPI description with openapi-core.

The description documents the success responses and some error responses of each
operation, but every GitHub endpoint can also answer 401, 403, 404, 422, 429 or 5xx.
An undocumented status of 400 or above is therefore accepted when its body has GitHub's
error shape (``{"message": ..., "documentation_url": ...}``); anything else undocumented,
and anything documented but not matching its schema, is a violation.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from openapi_core.datatypes import RequestParameters
from openapi_core.exceptions import OpenAPIError
from openapi_core.templating.paths.exceptions import OperationNotFound, PathNotFound
from openapi_core.templating.responses.exceptions import ResponseNotFound
from werkzeug.datastructures import Headers, ImmutableMultiDict

from .spec import Spec

# The spec's only server; requests are validated as if they had been sent to it.
SPEC_HOST_URL = "https://api.github.com"
_MAX_DETAIL = 300


@dataclass(frozen=True)
class Violation:
    """One way a request or response broke GitHub's description, or an unemulated route."""

    kind: str  # "request", "response" or "unknown-route"
    method: str
    path: str
    message: str
    status: int | None = None

    def __str__(self) -> str:
        status = f" -> {self.status}" if self.status is not None else ""
        return f"[{self.kind}] {self.method} {self.path}{status}: {self.message}"


@dataclass
class ApiRequest:
    """An HTTP request as openapi-core's ``Request`` protocol wants it."""

    method: str
    path: str
    query: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes | None = None
    host_url: str = SPEC_HOST_URL

    def __post_init__(self) -> None:
        self.method = self.method.lower()
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(parse_qsl(self.query, keep_blank_values=True)),
            header=Headers(list(self.headers.items())),
        )

    @property
    def content_type(self) -> str:
        """The Content-Type header, lower-cased (empty when absent)."""
        for name, value in self.headers.items():
            if name.lower() == "content-type":
                return value.lower()
        return ""


@dataclass
class ApiResponse:
    """An HTTP response as openapi-core's ``Response`` protocol wants it."""

    status_code: int
    data: bytes | None
    headers: Headers
    content_type: str = "application/json; charset=utf-8"


def describe(exc: BaseException) -> str:
    """Summarise an openapi-core exception, listing schema errors with their JSON paths."""
    cause = exc.__cause__
    errors = getattr(cause, "schema_errors", None) or getattr(exc, "schema_errors", None)
    if not errors:
        text = f"{type(exc).__name__}: {cause or exc}"
        return text if len(text) <= _MAX_DETAIL else text[:_MAX_DETAIL] + "..."
    details = []
    for error in errors:
        where = "/".join(str(p) for p in getattr(error, "absolute_path", ()))
        message = str(getattr(error, "message", error))
        if len(message) > _MAX_DETAIL:
            message = message[:_MAX_DETAIL] + "..."
        details.append(f"{where or '<root>'}: {message}")
    return f"{type(exc).__name__}: " + "; ".join(details)


def is_error_shape(data: bytes | None) -> bool:
    """Return whether ``data`` is GitHub's generic error body."""
    try:
        body = json.loads(data or b"")
    except ValueError:
        return False
    return isinstance(body, dict) and isinstance(body.get("message"), str)


def check_request(spec: Spec, request: ApiRequest) -> Violation | None:
    """Validate ``request``; return the violation, or None if it conforms."""
    try:
        spec.openapi.validate_request(request)
    except (PathNotFound, OperationNotFound) as exc:
        message = f"route not emulated by the GitHub stand-in ({type(exc).__name__})"
        return Violation("unknown-route", request.method.upper(), request.path, message)
    except OpenAPIError as exc:
        return Violation("request", request.method.upper(), request.path, describe(exc))
    return None


def check_response(
    spec: Spec, request: ApiRequest, response: ApiResponse, lenient: bool = False
) -> Violation | None:
    """Validate ``response`` to ``request``; return the violation, or None if it conforms.

    ``lenient`` (for programmed faults) accepts any body with an undocumented error status:
    GitHub's proxies answer 502 or 504 with HTML.
    """
    try:
        spec.openapi.validate_response(request, response)
    except ResponseNotFound as exc:
        if response.status_code >= 400 and (lenient or is_error_shape(response.data)):
            return None
        return _response_violation(request, response, describe(exc))
    except (PathNotFound, OperationNotFound):
        return None  # Already reported for the request.
    except OpenAPIError as exc:
        return _response_violation(request, response, describe(exc))
    return None


def _response_violation(request: ApiRequest, response: ApiResponse, message: str) -> Violation:
    return Violation(
        "response", request.method.upper(), request.path, message, response.status_code
    )
