"""ACTIONS_RUNTIME_TOKEN look-alikes: JWTs carrying the cache scopes in an ``ac`` claim.

BuildKit's client (go-actions-cache ``cache.go`` ``New``) refuses a token that is not a JWT
with string claim ``ac`` (JSON list of ``{"Scope", "Permission"}``, Permission 1 = read,
2 = write) and numeric ``exp`` and ``nbf`` claims; it does not check the signature, and
the exporter writes to the last scope with write permission while the importer reads
every scope. The stand-in decides reads and writes by the same scopes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from dataclasses import dataclass

READ, WRITE = 1, 2
# Signing key of the test tokens (HS256); nothing verifies the signature but ourselves.
TEST_SIGNING_KEY = b"slipway-gha-cache-standin"


@dataclass(frozen=True)
class Scope:
    """One access-control entry of a runtime token."""

    scope: str
    permission: int = READ | WRITE

    @property
    def readable(self) -> bool:
        """Whether entries of this scope may be restored."""
        return bool(self.permission & READ)

    @property
    def writable(self) -> bool:
        """Whether entries may be created in this scope."""
        return bool(self.permission & WRITE)


DEFAULT_SCOPES = (Scope("refs/heads/main", READ | WRITE),)


def _b64url(data: bytes) -> str:
    """base64url without padding, as JWTs use."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64url(text: str) -> bytes:
    """Decode unpadded base64url."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def make_runtime_token(
    scopes: tuple[Scope, ...] = DEFAULT_SCOPES, lifetime: int = 6 * 3600, now: float | None = None
) -> str:
    """Return an HS256 JWT with ``ac``, ``nbf``, ``iat`` and ``exp`` claims for ``scopes``."""
    issued = int(time.time() if now is None else now)
    header = {"typ": "JWT", "alg": "HS256"}
    ac = [{"Scope": s.scope, "Permission": s.permission} for s in scopes]
    claims = {
        "ac": json.dumps(ac, separators=(",", ":")),
        "iss": "gha-cache-standin",
        "nbf": issued - 60,
        "iat": issued - 60,
        "exp": issued + lifetime,
    }
    signing_input = ".".join(
        _b64url(json.dumps(part, separators=(",", ":")).encode()) for part in (header, claims)
    )
    signature = hmac.new(TEST_SIGNING_KEY, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64url(signature)}"


def token_scopes(token: str) -> tuple[Scope, ...]:
    """Return the scopes of a runtime token's ``ac`` claim (signature not checked).

    Raises ValueError when the token is not a JWT in the shape go-actions-cache accepts.
    """
    parts = token.split(".")
    if len(parts) != 3:
        raise ValueError("runtime token is not a JWT (want header.claims.signature)")
    try:
        claims = json.loads(_unb64url(parts[1]))
        entries = json.loads(claims["ac"])
        scopes = tuple(Scope(str(e["Scope"]), int(e["Permission"])) for e in entries)
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"runtime token has no valid 'ac' claim: {exc}") from exc
    missing = [c for c in ("exp", "nbf") if not isinstance(claims.get(c), int | float)]
    if missing:
        raise ValueError(f"runtime token lacks numeric claims: {', '.join(missing)}")
    return scopes
