"""The control endpoint of regfront, under ``/_regfront/`` on the front's own port.

Never forwarded to the backend, and served even while the front is "down":

- ``GET  /_regfront/stats``        counters (see :class:`~.stats.Stats`) as JSON
- ``POST /_regfront/stats/reset``  zero the counters
- ``GET  /_regfront/faults``       armed rules (with firings ``left``) and the down switch
- ``POST /_regfront/faults``       replace the rules: ``{"seed": 7, "rules": [...]}``
- ``DELETE /_regfront/faults``     remove every rule
- ``POST /_regfront/down``         refuse everything; optional body ``{"mode": "503"|"drop"}``
- ``POST /_regfront/up``           serve again
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from . import wire
from .faults import DownMode, parse_faults

if TYPE_CHECKING:
    from .proxy import FrontHandler

PREFIX = "/_regfront"
_MAX_BODY = 1024 * 1024


def _read_json(handler: FrontHandler) -> Any:
    """The request's JSON body (None when empty); ValueError when too big or malformed."""
    handler.send_continue()
    data = bytearray()
    for piece in wire.iter_request_body(handler.rfile, handler.headers):
        data += piece
        if len(data) > _MAX_BODY:
            raise ValueError("control request body too large")
    return json.loads(data) if data.strip() else None


def _send(handler: FrontHandler, status: int, payload: object) -> None:
    body = b"" if payload is None else json.dumps(payload, indent=1).encode()
    handler.close_connection = handler.close_connection or handler.expect_continue
    wire.reply(handler.wfile, status, body, close=handler.close_connection)


def _route(handler: FrontHandler, method: str, path: str) -> tuple[int, object]:
    server = handler.server
    if (method, path) == ("GET", "/stats"):
        return 200, server.stats.snapshot().to_json()
    if (method, path) == ("POST", "/stats/reset"):
        server.stats.reset()
        return 200, server.stats.snapshot().to_json()
    if (method, path) == ("GET", "/faults"):
        return 200, server.plan.to_json()
    if (method, path) == ("POST", "/faults"):
        data = _read_json(handler)
        if not isinstance(data, dict):
            raise ValueError('expected a JSON object {"seed": ..., "rules": [...]}')
        rules, seed = parse_faults(data)
        server.plan.set_rules(rules, seed)
        return 200, server.plan.to_json()
    if (method, path) == ("DELETE", "/faults"):
        server.plan.set_rules([])
        return 200, server.plan.to_json()
    if (method, path) == ("POST", "/down"):
        data = _read_json(handler) or {}
        if not isinstance(data, dict):
            raise ValueError('expected a JSON object {"mode": "503"|"drop"}')
        server.plan.set_down(DownMode(str(data.get("mode", "503"))))
        return 200, server.plan.to_json()
    if (method, path) == ("POST", "/up"):
        server.plan.set_down(None)
        return 200, server.plan.to_json()
    return 404, {"error": f"no control route {method} {PREFIX}{path}", "routes": __doc__}


def handle(handler: FrontHandler) -> None:
    """Serve one control request (the path starts with ``/_regfront``)."""
    path = handler.path.split("?", 1)[0][len(PREFIX) :].rstrip("/")
    try:
        status, payload = _route(handler, handler.command, path)
    except (ValueError, TypeError) as error:
        status, payload = 400, {"error": str(error)}
        handler.close_connection = True  # the body may be partly unread
    except OSError:
        handler.close_connection = True
        return
    if status == 404:
        handler.close_connection = True  # a body, if any, was not read
    _send(handler, status, payload)
