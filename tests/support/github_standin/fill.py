"""Complete GitHub JSON objects from the OpenAPI schema.

Renderers in :mod:`.objects` set the fields that carry meaning the way GitHub does;
:func:`complete` then fills every other *required* property with a typed placeholder,
so responses satisfy the description without hand-listing its 80-odd required
repository fields. ``*_url`` placeholders follow GitHub's ``<object url>/<name>``.
"""

from __future__ import annotations

from typing import Any

from .spec import Spec

EPOCH = "2011-01-26T19:01:12Z"


def _placeholder(spec: Spec, schema: dict[str, Any], name: str, url_base: str) -> Any:
    schema = spec.resolve(schema)
    if schema.get("nullable"):
        return None
    for key in ("oneOf", "anyOf"):
        if key in schema:
            return _placeholder(spec, schema[key][0], name, url_base)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema or "allOf" in schema:
        return complete(spec, schema, {}, f"{url_base}/{name}")
    if kind == "string":
        if schema.get("format") == "date-time":
            return EPOCH
        if name.endswith("_url") or schema.get("format") == "uri":
            return f"{url_base}/{name.removesuffix('_url')}"
        return ""
    return {"array": [], "integer": 0, "number": 0, "boolean": False}.get(str(kind))


def complete(
    spec: Spec, schema: dict[str, Any], obj: dict[str, Any], url_base: str
) -> dict[str, Any]:
    """Fill the required properties ``obj`` lacks (recursively) from ``schema``."""
    schema = spec.resolve(schema)
    for part in schema.get("allOf", []):
        complete(spec, part, obj, url_base)
    for key in ("oneOf", "anyOf"):
        if key in schema:
            options = [spec.resolve(s) for s in schema[key]]
            fits = [s for s in options if set(s.get("required", [])) <= obj.keys()]
            complete(spec, (fits or options)[0], obj, url_base)
    properties = schema.get("properties", {})
    for name in schema.get("required", []):
        if name not in obj:
            obj[name] = _placeholder(spec, properties.get(name, {}), name, url_base)
    for name, value in obj.items():
        if name in properties and isinstance(value, dict):
            complete(spec, properties[name], value, f"{url_base}/{name}")
    return obj
