"""RFC 3161 time-stamp requests, and the status of an answer (pure): the few DER
structures a Sigstore signer needs, written and read by hand (the answer itself goes into
the bundle as received; the verifiers check it).

    TimeStampReq ::= SEQUENCE { version INTEGER (v1), messageImprint MessageImprint,
        reqPolicy OBJECT IDENTIFIER OPTIONAL, nonce INTEGER OPTIONAL,
        certReq BOOLEAN DEFAULT FALSE, extensions [0] IMPLICIT Extensions OPTIONAL }
    MessageImprint ::= SEQUENCE { hashAlgorithm AlgorithmIdentifier, hashedMessage OCTET STRING }
    TimeStampResp ::= SEQUENCE { status PKIStatusInfo, timeStampToken TimeStampToken OPTIONAL }
    PKIStatusInfo ::= SEQUENCE { status PKIStatus (INTEGER), ... }
"""

from __future__ import annotations

import hashlib

MEDIA_QUERY = "application/timestamp-query"
MEDIA_REPLY = "application/timestamp-reply"
# 2.16.840.1.101.3.4.2.1 (id-sha256), as DER content bytes
SHA256_OID = bytes.fromhex("608648016503040201")
GRANTED = (0, 1)  # granted, grantedWithMods
_SEQUENCE, _INTEGER, _OCTETS, _NULL, _OID, _BOOLEAN = 0x30, 0x02, 0x04, 0x05, 0x06, 0x01


class TimestampError(ValueError):
    """A time-stamp answer that is not DER, or that the TSA did not grant."""


def _length(size: int) -> bytes:
    if size < 0x80:
        return bytes([size])
    encoded = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(encoded)]) + encoded


def _tlv(tag: int, content: bytes) -> bytes:
    return bytes([tag]) + _length(len(content)) + content


def _integer(value: int) -> bytes:
    if value < 0:
        raise ValueError("only non-negative integers are encoded here")
    encoded = value.to_bytes(value.bit_length() // 8 + 1, "big")  # a leading 0 keeps it positive
    return _tlv(_INTEGER, encoded)


def request(signature: bytes, nonce: int) -> bytes:
    """A TimeStampReq (DER) for the SHA-256 of ``signature``, asking for the TSA's
    certificate (certReq), with ``nonce`` (a random 64-bit number) echoed back."""
    algorithm = _tlv(_SEQUENCE, _tlv(_OID, SHA256_OID) + _tlv(_NULL, b""))
    imprint = _tlv(_SEQUENCE, algorithm + _tlv(_OCTETS, hashlib.sha256(signature).digest()))
    return _tlv(_SEQUENCE, _integer(1) + imprint + _integer(nonce) + _tlv(_BOOLEAN, b"\xff"))


def _read(data: bytes, at: int) -> tuple[int, bytes, int]:
    """(tag, content, next offset) of the TLV at ``at``."""
    if at + 2 > len(data):
        raise TimestampError("the time-stamp answer is cut short")
    tag, first = data[at], data[at + 1]
    at += 2
    if first < 0x80:
        size = first
    else:
        count = first & 0x7F
        if count == 0 or count > 4 or at + count > len(data):
            raise TimestampError("the time-stamp answer has a bad length")
        size = int.from_bytes(data[at : at + count], "big")
        at += count
    if at + size > len(data):
        raise TimestampError("the time-stamp answer is cut short")
    return tag, data[at : at + size], at + size


def status(answer: bytes) -> int:
    """The PKIStatus of a TimeStampResp; a `TimestampError` unless it was granted and holds
    a token."""
    tag, response, _ = _read(answer, 0)
    if tag != _SEQUENCE:
        raise TimestampError("the time-stamp answer is not a TimeStampResp")
    tag, info, after = _read(response, 0)
    if tag != _SEQUENCE:
        raise TimestampError("the time-stamp answer has no status")
    tag, value, _ = _read(info, 0)
    if tag != _INTEGER or not value:
        raise TimestampError("the time-stamp answer has no status")
    code = int.from_bytes(value, "big", signed=True)
    if code not in GRANTED:
        raise TimestampError(f"the timestamp authority refused (PKIStatus {code})")
    if after >= len(response):
        raise TimestampError("the timestamp authority granted no token")
    return code
