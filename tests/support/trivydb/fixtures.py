"""Trivy's fixture YAML format, turned into a tree for the BoltDB writer.

Trivy describes its test DBs as YAML (aquasecurity/bolt-fixtures), one list per file::

    - bucket: debian 12
      pairs:
        - bucket: openssl            # nested bucket
          pairs:
            - key: CVE-2099-0001     # key with a JSON value
              value: {FixedVersion: 3.0.99-1~deb12u1}

Buckets named twice (in one file or across files) are merged, a key written twice keeps
the last value, as bbolt's ``CreateBucketIfNotExists`` and ``Put`` would. Values are stored
as the JSON Go's ``encoding/json`` would write for them: map keys sorted, integral floats
as integers (``Severity: 1.0`` must reach Trivy as ``1``, an ``int`` field), and
timestamps kept as the text the YAML holds.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeAlias

import yaml

from .bolt import Tree


class FixtureError(ValueError):
    """A fixture file does not follow the bucket/pairs format."""


class _Loader(yaml.SafeLoader):
    """SafeLoader that leaves timestamps as strings (Go's YAML-to-JSON path keeps the text)."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

_MutableTree: TypeAlias = "dict[bytes, bytes | _MutableTree]"


def _go_json_value(value: Any) -> Any:
    """``value`` with floats that are whole numbers made ints, as Go's JSON output has them."""
    if isinstance(value, bool) or value is None or isinstance(value, int | str):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    if isinstance(value, Mapping):
        return {str(k): _go_json_value(v) for k, v in value.items()}
    if isinstance(value, Sequence):
        return [_go_json_value(v) for v in value]
    raise FixtureError(f"value of type {type(value).__name__} cannot be stored as JSON")


def encode_value(value: Any) -> bytes:
    """The JSON bytes stored for a fixture ``value`` (compact, keys sorted, UTF-8)."""
    return json.dumps(
        _go_json_value(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode()


def _name(item: Mapping[str, Any], field: str, where: str) -> bytes:
    value = item[field]
    if value is None or value == "":
        raise FixtureError(f"{where}: empty {field}")
    return str(value).encode()


def _put_pairs(bucket: _MutableTree, pairs: Any, where: str) -> None:
    """Add ``pairs`` (a list of bucket or key items) into ``bucket``."""
    if pairs is None:
        return
    if not isinstance(pairs, list):
        raise FixtureError(f"{where}: 'pairs' must be a list")
    for index, item in enumerate(pairs):
        here = f"{where}[{index}]"
        if not isinstance(item, Mapping) or ("bucket" in item) == ("key" in item):
            raise FixtureError(f"{here}: each pair needs exactly one of 'bucket' or 'key'")
        if "bucket" in item:
            name = _name(item, "bucket", here)
            child = bucket.setdefault(name, {})
            if isinstance(child, bytes):
                raise FixtureError(f"{here}: {name!r} is a key here, not a bucket")
            _put_pairs(child, item.get("pairs"), f"{here}/{name.decode()}")
        else:
            name = _name(item, "key", here)
            if isinstance(bucket.get(name), dict):
                raise FixtureError(f"{here}: {name!r} is a bucket here, not a key")
            bucket[name] = encode_value(item.get("value"))


def merge_documents(documents: Iterable[tuple[str, Any]]) -> Tree:
    """Merge parsed fixture documents, given as ``(name for messages, parsed YAML)``."""
    root: _MutableTree = {}
    for where, document in documents:
        if document is None:
            continue
        _put_pairs(root, document, where)
        for name, value in root.items():
            if isinstance(value, bytes):
                raise FixtureError(f"{where}: top-level {name!r} must be a bucket")
    return root


def parse_fixture(text: str) -> Any:
    """Parse one fixture file's text (timestamps stay strings)."""
    return yaml.load(text, Loader=_Loader)  # _Loader is a SafeLoader


def load_fixtures(paths: Iterable[Path]) -> Tree:
    """Read fixture files in the order given and merge them into one tree."""
    return merge_documents((str(p), parse_fixture(p.read_text(encoding="utf-8"))) for p in paths)


def fixture_paths(directory: Path) -> list[Path]:
    """The ``*.yaml`` / ``*.yml`` files of ``directory``, sorted by name (a stable order)."""
    return sorted(p for p in directory.iterdir() if p.suffix in {".yaml", ".yml"})
