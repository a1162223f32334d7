"""The example Dockerfiles of tests/images/policy and what each must produce."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from slipway.policy.model import PolicyConfig, PolicyResult

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = ROOT / "tests" / "images" / "policy"
DATA = Path(__file__).resolve().parent / "data"
# The inputs the expectations were written for.
CONFIG = PolicyConfig(trusted_registries=("docker.io/library",), allowed_ports=frozenset({8080}))


def expected() -> dict[str, dict[str, Any]]:
    """expected.json without its comment."""
    data: dict[str, dict[str, Any]] = json.loads((EXAMPLES / "expected.json").read_text())
    data.pop("_comment")
    return data


def pairs(result: PolicyResult) -> list[list[Any]]:
    """[rule, line] per finding, in report order."""
    return [[f.id, f.line] for f in result.findings]


def suppressed_pairs(result: PolicyResult) -> list[list[Any]]:
    """[rule, line] per suppressed finding, sorted by line."""
    return sorted(([s.finding.id, s.finding.line] for s in result.suppressed), key=lambda p: p[1])
