"""Deep flow nesting is refused before PyYAML's quadratic scanner sees it (core/yaml_depth)."""

from __future__ import annotations

import pytest

from slipway.core.yaml_depth import MAX_NESTING, flow_depth, too_deep
from slipway.errors import InputError
from slipway.inputs import read_inputs
from slipway.scan.ignores import merge_ignorefiles


@pytest.mark.parametrize(
    ("text", "depth"),
    [
        ("- registry: ghcr.io\n  username: u\n  password: p\n", 0),
        ("[{a: [1, 2]}, {b: c}]", 3),
        ("- password: '{{{{[[[['\n", 0),
        ('- password: "a\\"{{{{"\n', 0),
        ("- password: 'it''s {{'\n", 0),
        ("# {{{{{{ a comment\n- a: {b: c}\n", 1),
        ("- password: p{{{{q\n", 4),  # plain scalars are not quoted: counted, and harmless
        ("{" * 40, 40),
    ],
)
def test_depth(text: str, depth: int) -> None:
    assert flow_depth(text) == depth


def test_a_deep_registry_auth_is_refused_by_name_at_once() -> None:
    for levels in (MAX_NESTING + 1, 783, 60_000):
        env = {"INPUT_IMAGES": "ghcr.io/o/a", "INPUT_REGISTRY-AUTH": "{{" * levels + ":"}
        with pytest.raises(InputError, match="registry-auth") as raised:
            read_inputs(env)
        assert "nests deeper" in str(raised.value)  # refused before PyYAML reads it


def test_a_deep_ignore_file_is_refused_by_name() -> None:
    assert too_deep("[" * (MAX_NESTING + 1))
    with pytest.raises(InputError, match="trivyignores"):
        merge_ignorefiles([("deep.trivyignore.yaml", "vulnerabilities: " + "[" * 500)])
