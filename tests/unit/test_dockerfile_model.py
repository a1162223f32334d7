"""The Dockerfile parser: lines, stages, flags, heredocs, ARG substitution, suppressions."""

from __future__ import annotations

import pytest

from slipway.dockerfile import for_target, parse_dockerfile, substitute

CONTINUED = """\
# escape=\\
ARG BASE=python:3.11-slim
ARG TAG
# slipway:ignore=SW016 whole file
FROM ${BASE} AS build
RUN --mount=type=cache,target=/root/.cache apt-get install \\
  # a comment inside the continuation
  -y gcc # slipway:ignore=SW010,SW011 needed here
# slipway:ignore=SW006 test fixture
COPY --from=build --chown=1:1 /a /b
RUN <<EOF
echo hi
EOF
FROM build AS final
USER 1
"""


def test_instructions_carry_their_first_and_last_lines() -> None:
    dockerfile = parse_dockerfile(CONTINUED)
    found = [(i.keyword, i.line, i.end_line, i.stage) for i in dockerfile.instructions]
    assert found == [
        ("ARG", 2, 2, -1),
        ("ARG", 3, 3, -1),
        ("FROM", 5, 5, 0),
        ("RUN", 6, 8, 0),
        ("COPY", 10, 10, 0),
        ("RUN", 11, 13, 0),
        ("FROM", 14, 14, 1),
        ("USER", 15, 15, 1),
    ]


def test_stages_flags_heredocs_and_bodies() -> None:
    dockerfile = parse_dockerfile(CONTINUED)
    assert [(s.base, s.name, s.line) for s in dockerfile.stages] == [
        ("python:3.11-slim", "build", 5),
        ("build", "final", 14),
    ]
    run, copy, heredoc = (dockerfile.instructions[i] for i in (3, 4, 5))
    assert run.flags == (("mount", "type=cache,target=/root/.cache"),)
    assert run.body.startswith("apt-get install -y gcc")
    assert copy.flags == (("from", "build"), ("chown", "1:1"))
    assert copy.flag("from") == "build"
    assert copy.flag("chmod") is None
    assert copy.body == "/a /b"
    assert heredoc.heredocs == ("echo hi",)
    assert dockerfile.is_stage_name("BUILD")


def test_suppressions_on_the_line_above_inline_and_for_the_file() -> None:
    dockerfile = parse_dockerfile(CONTINUED)
    assert [(s.ids, s.reason) for s in dockerfile.file_suppressions] == [(("SW016",), "whole file")]
    run = dockerfile.at_line(7)
    assert run is not None
    found = run.suppresses("sw011")
    assert found is not None
    assert (found.reason, found.line) == ("needed here", 8)
    copy = dockerfile.at_line(10)
    assert copy is not None
    assert copy.suppresses("SW006") is not None
    assert copy.suppresses("SW010") is None


def test_target_leaves_later_stages_out() -> None:
    dockerfile = for_target(parse_dockerfile(CONTINUED), "build")
    assert [s.name for s in dockerfile.stages] == ["build"]
    assert dockerfile.instructions[-1].keyword == "RUN"
    assert for_target(parse_dockerfile(CONTINUED), "missing") == parse_dockerfile(CONTINUED)


@pytest.mark.parametrize(
    ("value", "args", "want"),
    [
        ("${BASE}", {"BASE": "debian:12"}, "debian:12"),
        ("$BASE:latest", {"BASE": "debian"}, "debian:latest"),
        ("${BASE:-alpine:3.20}", {}, "alpine:3.20"),
        ("${MISSING}", {}, ""),
    ],
)
def test_substitute(value: str, args: dict[str, str], want: str) -> None:
    assert substitute(value, args) == want


def test_backtick_escape_directive() -> None:
    dockerfile = parse_dockerfile("# escape=`\nFROM windows\nRUN a `\n  b\n")
    last = dockerfile.instructions[-1]
    assert (last.keyword, last.args, last.end_line) == ("RUN", "a b", 4)
