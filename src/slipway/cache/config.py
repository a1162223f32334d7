"""Whether Slipway may keep its state in GitHub Actions' cache service v2, and how (pure).

The runner hands a container action ``ACTIONS_RESULTS_URL`` (the v2 service's base URL),
``ACTIONS_RUNTIME_TOKEN``, and ``ACTIONS_CACHE_MODE`` when the job variable
``actions_cache_mode`` is set and not empty (actions/runner ``ContainerActionHandler.cs``;
the values its tests use are ``read``, ``none``, ``write`` and ``write-only``). It does not
pass ``ACTIONS_CACHE_SERVICE_V2`` to container actions; github.com serves v2 only.

actions/toolkit ``packages/cache/src/internal/config.ts`` (``isGhes``) never uses v2 on GitHub
Enterprise Server: a ``GITHUB_SERVER_URL`` host that is not ``github.com`` and ends neither in
``.ghe.com`` nor in ``.localhost``. Slipway has no v1 client, so there it runs cold.

The runtime token is a JWT whose ``ac`` claim is a JSON string listing cache scopes, each with
a ``Permission`` bit set (1 read, 2 write; go-actions-cache ``cache.go``). A token without a
writable scope (a pull request from a fork) cannot save; one without a readable scope cannot
restore. A token Slipway cannot read is used as it is: the service decides.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

RESULTS_URL = "ACTIONS_RESULTS_URL"
TOKEN = "ACTIONS_RUNTIME_TOKEN"  # noqa: S105 (a variable's name)
MODE = "ACTIONS_CACHE_MODE"
SERVER_URL = "GITHUB_SERVER_URL"
DEFAULT_SERVER_URL = "https://github.com"  # config.ts: `GITHUB_SERVER_URL || 'https://github.com'`

READ, WRITE = 1, 2  # Permission bits of an `ac` claim entry (go-actions-cache cache.go)


class Mode(StrEnum):
    """``ACTIONS_CACHE_MODE`` values (actions/runner tests: HandlerL0, JobExtensionL0)."""

    WRITE = "write"  # restore and save (also what an unset variable means)
    READ = "read"  # restore only
    WRITE_ONLY = "write-only"  # save only
    NONE = "none"  # no cache at all


NOT_ON_ACTIONS = (
    "No cache service: {missing} not set (not a GitHub Actions job), so nothing is kept "
    "between runs."
)
GHES = (
    "No cache service: {host} is GitHub Enterprise Server, which has no cache service v2 "
    "(actions/toolkit uses v2 only on github.com and GHE.com), so the run starts cold."
)
BAD_SERVER_URL = (
    "No cache service: GITHUB_SERVER_URL {value} is not a URL Slipway can read, so it cannot "
    "tell github.com from GitHub Enterprise Server; the run starts cold."
)
BAD_RESULTS_URL = (
    "No cache service: ACTIONS_RESULTS_URL is not an http(s) URL, so the run starts cold."
)
MODE_NONE = "No cache service: ACTIONS_CACHE_MODE is none, so the run starts cold."
MODE_UNKNOWN = (
    "No cache service: ACTIONS_CACHE_MODE is {value}, which is none of read, write, "
    "write-only, none; Slipway treats it as none, so the run starts cold."
)
NO_SCOPE = "No cache service: {reads} and {saves}, so the run starts cold."
READS_OFF_MODE = "ACTIONS_CACHE_MODE is write-only, so nothing is restored"
READS_OFF_SCOPE = "the runtime token has no readable cache scope, so nothing is restored"
SAVES_OFF_MODE = "ACTIONS_CACHE_MODE is read, so nothing is saved"
SAVES_OFF_SCOPE = (
    "the runtime token has no writable cache scope (as on a pull request from a fork), "
    "so nothing is saved"
)
SHOWN_VALUE_LIMIT = 40


@dataclass(frozen=True)
class ServiceConfig:
    """A usable cache service: where it is, the token, and what this run may do with it.

    ``reads_off`` / ``saves_off`` say in a clause why lookups / saves are skipped ("" while
    they are allowed): the client says it once, instead of calling the service.
    """

    results_url: str
    token: str = field(repr=False)
    can_read: bool = True
    can_write: bool = True
    mode: Mode = Mode.WRITE
    reads_off: str = ""
    saves_off: str = ""


@dataclass(frozen=True)
class TokenAccess:
    """What a runtime token's ``ac`` claim grants."""

    readable: bool
    writable: bool


def service_config(env: Mapping[str, str]) -> tuple[ServiceConfig | None, str]:
    """``(config, "")`` when the cache service can be used; ``(None, one sentence why not)``.

    Never raises, whatever the environment holds.
    """
    why_not = _unusable(env)
    if why_not:
        return None, why_not
    mode = parse_mode(env.get(MODE, ""))
    if mode is None:
        return None, MODE_UNKNOWN.format(value=shown(env.get(MODE, "")))
    if mode is Mode.NONE:
        return None, MODE_NONE
    token = env[TOKEN]
    return _with_access(env[RESULTS_URL], token, mode, token_access(token))


def _unusable(env: Mapping[str, str]) -> str:
    """Why there is no v2 service to talk to (not on Actions, GHES, a bad URL), or ""."""
    results_url, token = env.get(RESULTS_URL, ""), env.get(TOKEN, "")
    if not results_url or not token:
        missing = " and ".join(
            name for name, value in ((RESULTS_URL, results_url), (TOKEN, token)) if not value
        )
        return NOT_ON_ACTIONS.format(missing=missing)
    server_url = env.get(SERVER_URL, "") or DEFAULT_SERVER_URL
    host = server_host(server_url)
    if host is None:
        return BAD_SERVER_URL.format(value=shown(server_url))
    if is_ghes(host):
        return GHES.format(host=shown(host))
    if not _is_http_url(results_url):
        return BAD_RESULTS_URL
    return ""


def _with_access(
    results_url: str, token: str, mode: Mode, access: TokenAccess | None
) -> tuple[ServiceConfig | None, str]:
    """Combine the mode and the token's scopes (unknown scopes: let the service decide)."""
    reads_off = saves_off = ""
    if mode is Mode.WRITE_ONLY:
        reads_off = READS_OFF_MODE
    elif access is not None and not access.readable:
        reads_off = READS_OFF_SCOPE
    if mode is Mode.READ:
        saves_off = SAVES_OFF_MODE
    elif access is not None and not access.writable:
        saves_off = SAVES_OFF_SCOPE
    if reads_off and saves_off:
        return None, NO_SCOPE.format(reads=reads_off, saves=saves_off)
    config = ServiceConfig(
        results_url,
        token,
        can_read=not reads_off,
        can_write=not saves_off,
        mode=mode,
        reads_off=reads_off,
        saves_off=saves_off,
    )
    return config, ""


def parse_mode(value: str) -> Mode | None:
    """The cache mode of an ``ACTIONS_CACHE_MODE`` value; None for a value Slipway does not know.

    Unset or empty means the default, ``write`` (the runner never passes an empty value).
    Surrounding ASCII whitespace and ASCII case are forgiven; nothing else is.
    """
    text = value.strip(" \t\r\n")
    if not text:
        return Mode.WRITE
    if not text.isascii():
        return None
    try:
        return Mode(text.lower())
    except ValueError:
        return None


def server_host(server_url: str) -> str | None:
    """The host of ``GITHUB_SERVER_URL`` as a WHATWG URL parser sees it, or None if unreadable.

    config.ts reads it with ``new URL(...)``, which lower-cases and IDNA-maps the host (so a
    full-width (U+FF41...) spelling of github.com is github.com); Python's ``idna`` codec does the same mapping.
    """
    try:
        host = urlsplit(server_url.strip()).hostname
    except ValueError:
        return None
    if not host:
        return None
    try:
        return host.encode("idna").decode("ascii").lower()
    except (UnicodeError, ValueError):
        return host.lower()


def is_ghes(host: str) -> bool:
    """config.ts ``isGhes``: not github.com, not ``*.ghe.com``, not ``*.localhost``."""
    name = host.rstrip().upper()
    return not (name == "GITHUB.COM" or name.endswith((".GHE.COM", ".LOCALHOST")))


def token_access(token: str) -> TokenAccess | None:
    """What the token's ``ac`` claim grants; None when Slipway cannot tell (not a JWT, no
    ``ac`` claim, or entries of a shape it does not know: then the service decides)."""
    claims = _jwt_claims(token)
    if claims is None or "ac" not in claims:
        return None
    entries: Any = claims["ac"]
    if isinstance(entries, str):  # GitHub's (and the stand-in's) form: JSON inside a string
        entries = _json(entries)
    if not isinstance(entries, list):
        return None
    bits = [_permission(entry) for entry in entries]
    if entries and all(b is None for b in bits):
        return None
    known = [b for b in bits if b is not None]
    return TokenAccess(
        readable=any(b & READ for b in known), writable=any(b & WRITE for b in known)
    )


def _permission(entry: Any) -> int | None:
    """The ``Permission`` bits of one ``ac`` entry (a number, or digits), None if unreadable."""
    value = entry.get("Permission") if isinstance(entry, dict) else None
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 9:
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return None


def _jwt_claims(token: str) -> dict[str, Any] | None:
    """The JSON claims of a compact JWT (signature not checked), or None."""
    parts = token.strip().split(".")
    if len(parts) != 3:
        return None
    payload = parts[1]
    try:
        raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    except (binascii.Error, ValueError):
        return None
    claims = _json(raw)
    return claims if isinstance(claims, dict) else None


def _json(data: str | bytes) -> Any:
    """Parsed JSON, or None for anything that is not (including absurd nesting)."""
    try:
        return json.loads(data)
    except (ValueError, RecursionError):
        return None


def _is_http_url(url: str) -> bool:
    """True for an absolute http(s) URL with a host."""
    try:
        parts = urlsplit(url)
        return parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:
        return False


def shown(value: str) -> str:
    """A value from the environment as a message may show it: quoted, escaped, shortened."""
    text = value if len(value) <= SHOWN_VALUE_LIMIT else value[:SHOWN_VALUE_LIMIT] + "..."
    return ascii(text)
