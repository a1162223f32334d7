"""Several ``trivyignores`` files into the one ``--ignorefile`` Trivy accepts.

Plain ``.trivyignore`` lines (``ID`` with an optional ``exp:YYYY-MM-DD``) become entries
of every section of the YAML form; ``.trivyignore.yaml`` entries are kept as written, so
their ``expired_at`` dates are still honoured by Trivy.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import yaml

from slipway.core.yaml_depth import MAX_NESTING, too_deep
from slipway.errors import InputError

SECTIONS = ("vulnerabilities", "misconfigurations", "secrets", "licenses")
BAD_YAML = "{name} is not a valid .trivyignore.yaml: {error}"


def parse_plain(text: str) -> list[dict[str, Any]]:
    """Entries of a plain ``.trivyignore``."""
    entries: list[dict[str, Any]] = []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        fields = line.split()
        entry: dict[str, Any] = {"id": fields[0]}
        for extra in fields[1:]:
            if extra.startswith("exp:"):
                entry["expired_at"] = extra.removeprefix("exp:")
        entries.append(entry)
    return entries


def merge_ignorefiles(files: Sequence[tuple[str, str]]) -> str:
    """One YAML ignore document from (name, text) pairs; YAML if the name ends in .yaml/.yml."""
    merged: dict[str, list[Any]] = {section: [] for section in SECTIONS}
    for name, text in files:
        if name.endswith((".yaml", ".yml")):
            if too_deep(text):
                why = f"nests deeper than {MAX_NESTING} levels"
                raise InputError("trivyignores", BAD_YAML.format(name=name, error=why))
            try:
                data = yaml.safe_load(text) or {}
            except (yaml.YAMLError, ValueError, RecursionError) as error:  # 5,000 digits, nesting
                raise InputError(
                    "trivyignores", BAD_YAML.format(name=name, error=str(error)[:200])
                ) from None
            if not isinstance(data, dict):
                raise InputError("trivyignores", BAD_YAML.format(name=name, error="not a mapping"))
            for section in SECTIONS:
                entries = data.get(section) or []
                if not isinstance(entries, list):
                    why = f"{section} is not a list"
                    raise InputError("trivyignores", BAD_YAML.format(name=name, error=why))
                merged[section].extend(entries)
        else:
            for entry in parse_plain(text):
                for section in SECTIONS[:3]:
                    merged[section].append(dict(entry))
    return yaml.safe_dump({k: v for k, v in merged.items() if v}, sort_keys=False)
