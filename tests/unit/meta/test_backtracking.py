"""A `type=match` pattern is matched against names a pusher chooses (tags, branches): the
shapes that backtrack exponentially are refused before any match (meta/jsregex.py)."""

from __future__ import annotations

import pytest

from slipway.meta.jsregex import JsRegexError, compile_pattern

REFUSED = [
    r"(a+)+$",
    r"(a*)*b",
    r"(\w+\s?)*$",
    r"(x+x+)+y",
    r"(.*)+!",
    r"((ab)*)*c",
    r"([a-z-]+-)+x",
    r"(\w+|\d)+x",
    r"(?:v|ver)(\d+)+$",
    r"/^(\d+)*$/",
]
ACCEPTED = [
    r"^v(\d+)\.(\d+)\.(\d+)$",
    r"(\d+\.)+\d+",
    r"(foo|bar)+",
    r"\d{1,3}(,\d{3})*",
    r"([^.]+\.)+",
    r"(\w+\.)+\w+",
    r"v(.*)",
    r"/^(?<ver>\d+)$/",
    r"^release-(.+)$",
]
# Names crafted against each shape: long runs that almost match, then a spoiler.
CRAFTED = ["a" * 64 + "!", "1" * 64 + "!", "x" * 64, "ab" * 32 + "!", "a-" * 32, "v" + "9" * 63]


@pytest.mark.parametrize("pattern", REFUSED)
def test_exponential_shapes_are_refused(pattern: str) -> None:
    with pytest.raises(JsRegexError, match="exponential time"):
        compile_pattern(pattern)


@pytest.mark.timeout(30)  # a hang fails here instead of stalling the tier
@pytest.mark.parametrize("pattern", ACCEPTED)
def test_accepted_patterns_stay_fast_on_crafted_names(pattern: str) -> None:
    regex = compile_pattern(pattern)
    for name in CRAFTED:
        regex.match(name)
