"""Slipway's one Dockerfile parser against BuildKit's own, on a corpus of tricky files.

The PyPI package ``dockerfile`` wraps BuildKit's Go parser (moby/buildkit
frontend/dockerfile/parser) but ships wheels for x86_64 only, and the action image is
built for arm64 too; so Slipway keeps its own parser (`slipway.dockerfile.model`) and this
test makes BuildKit's the oracle: every instruction with the same keyword, the same first
and last line, the same ``--flags`` and the same heredoc bodies.
"""

from __future__ import annotations

import platform
from typing import Any

import pytest

from slipway.dockerfile import parse_dockerfile

if platform.machine() != "x86_64":  # the only platform the oracle has wheels for
    pytest.skip("the `dockerfile` package has wheels for x86_64 only", allow_module_level=True)

import dockerfile

CORPUS: dict[str, str] = {
    "continuations and comments inside them": (
        "FROM debian:12\n"
        "RUN apt-get update \\\n"
        "    # a comment inside the continuation\n"
        "    && apt-get install -y curl \\\n"
        "\n"
        "    && rm -rf /var/lib/apt/lists/*\n"
        'CMD ["curl"]\n'
    ),
    "escape directive": (
        "# escape=`\n"
        "FROM mcr.microsoft.com/windows/servercore:ltsc2022\n"
        "RUN echo one `\n"
        "  && echo two\n"
        "COPY a\\b c\\d\n"
    ),
    "syntax directive then comments": (
        "# syntax=docker/dockerfile:1\n"
        "# a plain comment\n"
        "\n"
        "FROM alpine:3.20\n"
        "# between instructions\n"
        "RUN true\n"
    ),
    "heredocs": (
        "FROM python:3.12-slim\n"
        "RUN <<EOF\n"
        "set -e\n"
        "pip install --no-cache-dir flask\n"
        "EOF\n"
        'COPY <<-"CONF" /etc/app.conf\n'
        "\tkey=value\n"
        "\tCONF\n"
        "RUN <<one cat >/a && <<two cat >/b\n"
        "first\n"
        "one\n"
        "second\n"
        "two\n"
        "RUN python3 - <<'PY'\n"
        "print('hi')\n"
        "PY\n"
    ),
    "json and shell forms, flags": (
        "ARG BASE=alpine:3.20\n"
        "FROM --platform=$BUILDPLATFORM ${BASE} AS build\n"
        'COPY --chown=1000:1000 --chmod=0755 ["src dir/", "/app/"]\n'
        "RUN --mount=type=cache,target=/root/.cache --mount=type=secret,id=token make\n"
        "FROM scratch\n"
        "COPY --from=build /app /app\n"
        'ENTRYPOINT ["/app/run", "--flag"]\n'
        "CMD --help\n"
    ),
    "lower case, onbuild, healthcheck, empty continuation lines": (
        "from alpine\n"
        "onbuild run echo later\n"
        "healthcheck --interval=30s CMD wget -q localhost || exit 1\n"
        "env A=1 \\\n"
        "  \\\n"
        "  B=2\n"
        "label a=b\n"
        "user 1000\n"
    ),
    "trailing whitespace after the escape": ("FROM alpine\nRUN echo a \\   \n  b\nEXPOSE 8080\n"),
    "arg before from, several stages": (
        "ARG VERSION=3.12\n"
        "ARG VARIANT\n"
        "FROM python:${VERSION}-slim AS base\n"
        "WORKDIR /app\n"
        "FROM base AS test\n"
        "RUN pytest\n"
        "FROM base\n"
        "ARG VERSION\n"
        "RUN echo $VERSION\n"
        "USER 10001\n"
    ),
}


def ours(text: str) -> list[dict[str, Any]]:
    return [
        {
            "keyword": i.keyword,
            "lines": (i.line, i.end_line),
            "flags": sorted(f"--{k}={v}" if v else f"--{k}" for k, v in i.flags),
            "heredocs": [body.rstrip("\n") for body in i.heredocs],
        }
        for i in parse_dockerfile(text).instructions
    ]


def buildkits(text: str) -> list[dict[str, Any]]:
    return [
        {
            "keyword": c.cmd.upper(),
            "lines": (c.start_line, c.end_line),
            "flags": sorted(f.replace('"', "") for f in c.flags),
            "heredocs": [h.content.rstrip("\n") for h in c.heredocs],
        }
        for c in dockerfile.parse_string(text)
    ]


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_the_same_instructions_and_line_spans_as_buildkit(name: str) -> None:
    assert ours(CORPUS[name]) == buildkits(CORPUS[name])


def test_the_repositorys_own_dockerfiles() -> None:
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    files = [root / "Dockerfile", *root.glob("examples/**/Dockerfile")]
    files += root.glob("tests/images/**/Dockerfile")
    assert len(files) > 5
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert ours(text) == buildkits(text), path
