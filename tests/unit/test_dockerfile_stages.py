"""The stages whose content reaches the image (dockerfile/model.final_stages): followed through
FROM <stage name>, names compared without case, as BuildKit compares them."""

from __future__ import annotations

import pytest

from slipway.dockerfile import parse_dockerfile


@pytest.mark.parametrize(
    ("text", "bases"),
    [
        ("FROM alpine AS Build\nRUN make\nFROM build\n", ["build", "alpine"]),
        ("FROM alpine AS build\nFROM golang AS tools\nFROM BUILD\n", ["BUILD", "alpine"]),
        ("FROM alpine AS a\nFROM a AS b\nFROM B\n", ["B", "a", "alpine"]),
        ("FROM alpine AS a\nFROM debian\n", ["debian"]),
    ],
)
def test_the_final_chain(text: str, bases: list[str]) -> None:
    assert [s.base for s in parse_dockerfile(text).final_stages()] == bases
