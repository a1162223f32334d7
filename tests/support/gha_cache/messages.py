"""The cache service v2 messages, and a strict decoder of their JSON form.

Shapes are transcribed from actions/toolkit ``packages/cache/src/generated/results/api/v1/
cache.ts`` (protobuf-ts output of ``results/api/v1/cache.proto``) and
``generated/results/entities/v1/cachemetadata.ts`` / ``cachescope.ts``. JSON follows the
proto3 JSON mapping that Twirp servers use (protojson): a field may be spelled with its
proto name (``restore_keys``) or its lowerCamelCase JSON name (``restoreKeys``), ``null``
means unset, int64 is a JSON integer or a decimal string. Unknown fields are ignored, as
Twirp's generated Go servers decode JSON with ``protojson.UnmarshalOptions{DiscardUnknown:
true}`` (a newer client may send fields this service does not know yet); a known field of
the wrong type is still an error.

proto3 has no required fields; the stand-in additionally refuses requests that leave out a
field the service cannot work without (see ``REQUIRED``), as the real service must.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
_INT_TEXT = re.compile(r"-?[0-9]+")


@dataclass(frozen=True)
class Field:
    """One message field: proto name, kind ("string", "int64", "bool" or a message name)."""

    name: str
    kind: str
    repeated: bool = False

    @property
    def json_name(self) -> str:
        """The lowerCamelCase JSON name protoc derives from the proto name."""
        head, *rest = self.name.split("_")
        return head + "".join(part[:1].upper() + part[1:] for part in rest)


MESSAGES: dict[str, tuple[Field, ...]] = {
    "CacheScope": (Field("scope", "string"), Field("permission", "int64")),
    "CacheMetadata": (
        Field("repository_id", "int64"),
        Field("scope", "CacheScope", repeated=True),
    ),
    "CreateCacheEntryRequest": (
        Field("metadata", "CacheMetadata"),
        Field("key", "string"),
        Field("version", "string"),
    ),
    "FinalizeCacheEntryUploadRequest": (
        Field("metadata", "CacheMetadata"),
        Field("key", "string"),
        Field("size_bytes", "int64"),
        Field("version", "string"),
    ),
    "GetCacheEntryDownloadURLRequest": (
        Field("metadata", "CacheMetadata"),
        Field("key", "string"),
        Field("restore_keys", "string", repeated=True),
        Field("version", "string"),
    ),
}

# Method -> request message; responses are built in .service with every field present.
METHODS = {
    "CreateCacheEntry": "CreateCacheEntryRequest",
    "FinalizeCacheEntryUpload": "FinalizeCacheEntryUploadRequest",
    "GetCacheEntryDownloadURL": "GetCacheEntryDownloadURLRequest",
}

# Fields a request must carry with a non-default value for the service to act on it.
REQUIRED = {
    "CreateCacheEntryRequest": ("key", "version"),
    "FinalizeCacheEntryUploadRequest": ("key", "version", "size_bytes"),
    "GetCacheEntryDownloadURLRequest": ("key", "version"),
}

_DEFAULTS: dict[str, Any] = {"string": "", "int64": 0, "bool": False}


class DecodeError(ValueError):
    """The JSON is not a valid encoding of the message (Twirp ``malformed``)."""


class MissingFieldError(ValueError):
    """A field the service needs is unset (Twirp ``invalid_argument``)."""


def _scalar(kind: str, value: Any, where: str) -> Any:
    """Decode one scalar of ``kind``, or raise DecodeError."""
    if kind == "string":
        if not isinstance(value, str):
            raise DecodeError(f"{where}: want a JSON string, got {_json_type(value)}")
        return value
    if kind == "bool":
        if not isinstance(value, bool):
            raise DecodeError(f"{where}: want true or false, got {_json_type(value)}")
        return value
    return _int64(value, where)


def _int64(value: Any, where: str) -> int:
    """Decode an int64: a JSON integer (or integral number) or a decimal string."""
    if isinstance(value, bool):
        raise DecodeError(f"{where}: want an int64, got a boolean")
    if isinstance(value, str) and _INT_TEXT.fullmatch(value):
        number = int(value)
    elif isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    else:
        raise DecodeError(f"{where}: want an int64, got {_json_type(value)} {value!r}")
    if not INT64_MIN <= number <= INT64_MAX:
        raise DecodeError(f"{where}: {number} is out of int64 range")
    return number


def _json_type(value: Any) -> str:
    """Name a decoded JSON value's type the way JSON does."""
    names = {bool: "boolean", int: "number", float: "number", str: "string", list: "array"}
    names |= {dict: "object", type(None): "null"}
    return names.get(type(value), type(value).__name__)


def _value(field: Field, value: Any, where: str) -> Any:
    """Decode the value of one (possibly repeated) field."""
    if field.repeated:
        if not isinstance(value, list):
            raise DecodeError(f"{where}: want a JSON array, got {_json_type(value)}")
        return [_single(field, item, f"{where}[{i}]") for i, item in enumerate(value)]
    return _single(field, value, where)


def _single(field: Field, value: Any, where: str) -> Any:
    """Decode one element: a nested message or a scalar."""
    if field.kind in MESSAGES:
        return decode(field.kind, value, where)
    if value is None and field.repeated:
        raise DecodeError(f"{where}: null is not allowed in a repeated field")
    return _scalar(field.kind, value, where)


def decode(message: str, data: Any, where: str = "") -> dict[str, Any]:
    """Decode ``data`` (parsed JSON) as ``message``; keys of the result are proto names.

    Unset fields get their proto3 default ("" / 0 / [] / None for messages).
    """
    where = where or message
    if not isinstance(data, dict):
        raise DecodeError(f"{where}: want a JSON object, got {_json_type(data)}")
    fields = MESSAGES[message]
    by_name = {f.name: f for f in fields} | {f.json_name: f for f in fields}
    out: dict[str, Any] = {f.name: _default(f) for f in fields}
    seen: set[str] = set()
    for key, value in data.items():
        field = by_name.get(key)
        if field is None:
            continue  # DiscardUnknown (see the module docstring)
        if field.name in seen:
            raise DecodeError(f"{where}: field {field.name!r} given twice")
        seen.add(field.name)
        if value is not None:
            out[field.name] = _value(field, value, f"{where}.{key}")
    return out


def _default(field: Field) -> Any:
    """The proto3 default of a field."""
    if field.repeated:
        return []
    if field.kind in MESSAGES:
        return None
    return _DEFAULTS[field.kind]


def check_required(message: str, decoded: dict[str, Any], raw: dict[str, Any]) -> None:
    """Raise MissingFieldError if a field in ``REQUIRED`` is unset (absent, null or default).

    ``size_bytes`` of 0 is a legitimate size, so for int64 fields only absence counts.
    """
    fields = {f.name: f for f in MESSAGES[message]}
    for name in REQUIRED.get(message, ()):
        field = fields[name]
        present = raw.get(name) is not None or raw.get(field.json_name) is not None
        if field.kind == "int64" and not present:
            raise MissingFieldError(f"{message}: missing required field {name!r}")
        if field.kind == "string" and decoded[name] == "":
            raise MissingFieldError(f"{message}: missing required field {name!r}")
