"""DSSE (Dead Simple Signing Envelope) v1: the pre-authentication encoding that is signed,
and the envelope as JSON (pure).

PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body, lengths as ASCII
decimal of the byte counts; the envelope holds the payload and each signature in standard
base64 (https://github.com/secure-systems-lab/dsse/blob/master/protocol.md, envelope.md).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

IN_TOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json"


def pae(payload_type: str, payload: bytes) -> bytes:
    """The bytes a DSSE signature is made over."""
    kind = payload_type.encode()
    return b"DSSEv1 %d %s %d %s" % (len(kind), kind, len(payload), payload)


def b64(data: bytes) -> str:
    """Standard base64 with padding: how DSSE and Sigstore's protobuf JSON spell bytes."""
    return base64.b64encode(data).decode()


@dataclass(frozen=True)
class Envelope:
    """A signed DSSE envelope (one signature: Slipway signs with one key)."""

    payload_type: str
    payload: bytes
    signature: bytes
    keyid: str = ""

    def json(self) -> dict[str, Any]:
        """The envelope as JSON (the bundle's ``dsseEnvelope``, Rekor's ``envelope``)."""
        signature = {"sig": b64(self.signature)} | ({"keyid": self.keyid} if self.keyid else {})
        return {
            "payload": b64(self.payload),
            "payloadType": self.payload_type,
            "signatures": [signature],
        }


def canonical_json(document: Mapping[str, Any]) -> bytes:
    """Compact JSON with sorted keys: the same document always gives the same bytes."""
    return json.dumps(document, separators=(",", ":"), sort_keys=True).encode()
