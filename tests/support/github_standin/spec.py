"""GitHub's OpenAPI description, cut down to the operations the stand-in emulates.

Building an ``openapi_core.OpenAPI`` from the full 13 MB description takes about 20 s;
from the cut one (the emulated operations plus every component they reference,
transitively) well under a second. The cut is cached next to the source, keyed by the
source's SHA-256 and the operation list, and the ``OpenAPI`` object is built once per
process.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openapi_core import OpenAPI

from .cache import github_cache_dir, openapi_source_path

# (METHOD, path template) of every emulated operation; templates are the spec's keys.
EMULATED: tuple[tuple[str, str], ...] = (
    ("GET", "/rate_limit"),
    ("GET", "/user"),
    ("GET", "/repos/{owner}/{repo}"),
    ("GET", "/repos/{owner}/{repo}/tags"),
    ("GET", "/repos/{owner}/{repo}/commits/{ref}"),
    ("GET", "/repos/{owner}/{repo}/releases"),
    ("GET", "/repos/{owner}/{repo}/pulls/{pull_number}"),
    ("GET", "/repos/{owner}/{repo}/issues/{issue_number}"),
    ("GET", "/repos/{owner}/{repo}/issues/{issue_number}/comments"),
    ("POST", "/repos/{owner}/{repo}/issues/{issue_number}/comments"),
    ("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/comments"),
    ("POST", "/repos/{owner}/{repo}/pulls/{pull_number}/comments"),
    ("GET", "/repos/{owner}/{repo}/issues/comments/{comment_id}"),
    ("PATCH", "/repos/{owner}/{repo}/issues/comments/{comment_id}"),
    ("DELETE", "/repos/{owner}/{repo}/issues/comments/{comment_id}"),
    ("POST", "/repos/{owner}/{repo}/check-runs"),
    ("GET", "/repos/{owner}/{repo}/check-runs/{check_run_id}"),
    ("PATCH", "/repos/{owner}/{repo}/check-runs/{check_run_id}"),
    ("GET", "/repos/{owner}/{repo}/check-runs/{check_run_id}/annotations"),
    ("POST", "/repos/{owner}/{repo}/code-scanning/sarifs"),
    ("GET", "/repos/{owner}/{repo}/code-scanning/sarifs/{sarif_id}"),
    ("POST", "/repos/{owner}/{repo}/attestations"),
    ("GET", "/repos/{owner}/{repo}/attestations/{subject_digest}"),
)

# Bump when cut_spec() changes, so stale cached cuts are not reused.
_CUT_FORMAT = 3


@dataclass(frozen=True)
class Spec:
    """The cut description as a dict (for schema lookups) and its ``OpenAPI`` validator."""

    document: dict[str, Any]
    openapi: OpenAPI

    def schema(self, name: str) -> dict[str, Any]:
        """Return ``components.schemas[name]``."""
        schema: dict[str, Any] = self.document["components"]["schemas"][name]
        return schema

    def resolve(self, node: dict[str, Any]) -> dict[str, Any]:
        """Follow ``$ref`` chains inside the document."""
        while "$ref" in node:
            _, _, kind, name = node["$ref"].split("/")
            node = self.document["components"][kind][name]
        return node


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            yield ref
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _allow_null_in_nullable_enums(node: Any) -> None:
    """Add None to the ``enum`` of ``nullable`` schemas, in place.

    OAS 3.0.3 made ``nullable`` extend ``type`` only, so a nullable enum without null
    rejects null (OAI/OpenAPI-Specification#1900), and openapi-core follows that. GitHub's
    description relies on the older reading: a check run in progress has
    ``"conclusion": null``, which its schema would reject.
    """
    if isinstance(node, dict):
        enum = node.get("enum")
        if node.get("nullable") is True and isinstance(enum, list) and None not in enum:
            enum.append(None)
        for value in node.values():
            _allow_null_in_nullable_enums(value)
    elif isinstance(node, list):
        for value in node:
            _allow_null_in_nullable_enums(value)


def cut_spec(full: dict[str, Any], operations: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    """Return ``full`` reduced to ``operations`` and the components they reach.

    The cut shares nodes with ``full`` and normalises them (see
    :func:`_allow_null_in_nullable_enums`), so ``full`` must not be used afterwards.
    """
    cut = {k: v for k, v in full.items() if k not in ("paths", "components", "webhooks")}
    paths: dict[str, dict[str, Any]] = {}
    for method, template in operations:
        item = full["paths"][template]
        kept = paths.setdefault(template, {k: v for k, v in item.items() if k == "parameters"})
        kept[method.lower()] = item[method.lower()]
    cut["paths"] = paths
    components: dict[str, dict[str, Any]] = {}
    pending, seen = list(_refs(paths)), set()
    while pending:
        ref = pending.pop()
        if ref in seen:
            continue
        seen.add(ref)
        _, _, kind, name = ref.split("/")  # "#/components/<kind>/<name>"
        node = full["components"][kind][name]
        components.setdefault(kind, {})[name] = node
        pending.extend(_refs(node))
    cut["components"] = components
    _allow_null_in_nullable_enums(cut)
    return cut


def _cut_path(source: Path) -> Path:
    digest = hashlib.sha256(source.read_bytes()).hexdigest()[:16]
    ops = hashlib.sha256(json.dumps([_CUT_FORMAT, EMULATED]).encode()).hexdigest()[:8]
    return github_cache_dir() / f"api.github.com.cut-{digest}-{ops}.json"


def load_cut_document() -> dict[str, Any]:
    """Return the cut description, cutting (and caching) it on first use."""
    source = openapi_source_path()
    cached = _cut_path(source)
    if cached.is_file():
        document: dict[str, Any] = json.loads(cached.read_text(encoding="utf-8"))
        return document
    document = cut_spec(json.loads(source.read_text(encoding="utf-8")), EMULATED)
    # Write to a temporary name first: parallel test processes may race on the cache.
    fd, tmp = tempfile.mkstemp(dir=cached.parent, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(document, out)
    Path(tmp).replace(cached)
    return document


@functools.cache
def load_spec() -> Spec:
    """Return the process-wide :class:`Spec` (built on first call)."""
    document = load_cut_document()
    return Spec(document=document, openapi=OpenAPI.from_dict(document))
