"""The key of everything that decides the image (slipway.cache.build_key): what changes it, what
does not, and what makes a build impossible to key."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from slipway.cache import build_key
from slipway.core.context import Context
from slipway.core.plan import Plan, make_plan
from slipway.dockerfile import parse_dockerfile
from slipway.inputs import read_inputs
from slipway.stages.reuse import LEAVE_OUT
from slipway.tools.context_digest import ContextDigest, digest_context

CONTEXT = Context(event_name="push", ref="refs/heads/main", sha="a" * 40, repository="acme/app")


def plan_for(*, now: datetime = datetime(2026, 12, 6, tzinfo=UTC), **inputs: str) -> Plan:
    return plan_with(inputs, now)


def plan_with(inputs: dict[str, str], now: datetime = datetime(2026, 12, 6, tzinfo=UTC)) -> Plan:
    env = {
        f"INPUT_{k.upper()}": v
        for k, v in {"images": "127.0.0.1:5000/acme/app", "push": "true", **inputs}.items()
    }
    return make_plan(read_inputs(env), CONTEXT, env=env, now=now)


def key(plan: Plan, **overrides: object) -> str:
    parts: dict[str, object] = {
        "dockerfile_text": "FROM python:3.11\n",
        "context_digest": "c" * 64,
        "named_contexts": {},
        "resolved": {"python:3.11": "sha256:" + "1" * 64},
        "builder": ["docker-container", ""],
        **overrides,
    }
    return build_key.build_key(plan, **parts)  # type: ignore[arg-type]


def test_a_rerun_of_the_same_commit_has_the_same_key() -> None:
    first = plan_for(now=datetime(2026, 12, 6, 10, tzinfo=UTC))
    later = plan_for(now=datetime(2026, 12, 7, 11, tzinfo=UTC))  # a newer creation time only
    assert (
        first.labels["org.opencontainers.image.created"]
        != later.labels["org.opencontainers.image.created"]
    )
    assert key(first) == key(later)


@pytest.mark.parametrize(
    "change",
    [
        {"dockerfile_text": "FROM python:3.11\nRUN true\n"},
        {"context_digest": "d" * 64},
        {"named_contexts": {"assets": "e" * 64}},
        {"resolved": {"python:3.11": "sha256:" + "2" * 64}},  # the base tag moved
        {"builder": ["docker-container", "moby/buildkit:v0.26"]},
    ],
)
def test_what_decides_the_image_changes_the_key(change: dict[str, object]) -> None:
    assert key(plan_for()) != key(plan_for(), **change)


@pytest.mark.parametrize(
    "inputs",
    [
        {"build-args": "VERSION=2"},
        {"platforms": "linux/amd64,linux/arm64"},
        {"target": "runtime"},
        {"secrets": "token=x"},
        {"provenance": "false"},
        {"attestation-storage": "referrers"},  # the index pushed differs
        {"labels": "team=core"},
        {"annotations": "index:team=core"},
    ],
)
def test_inputs_that_decide_the_image_change_the_key(inputs: dict[str, str]) -> None:
    assert key(plan_for()) != key(plan_with(inputs))


def test_the_default_attestation_storage_keeps_the_keys_of_earlier_runs() -> None:
    assert key(plan_for()) == key(plan_with({"attestation-storage": "index"}))


def test_a_secret_value_is_not_in_the_key() -> None:
    assert key(plan_for(secrets="token=one")) == key(plan_for(secrets="token=two"))


@pytest.mark.parametrize(
    ("inputs", "why"),
    [
        ({"push": "false"}, "nothing is pushed"),
        ({"context": "https://github.com/acme/app.git#main"}, "remote"),
        ({"no-cache": "true"}, "no-cache"),
        ({"load": "true"}, "load"),
        ({"build-contexts": "src=https://example.com/src.tar.gz"}, "named build context"),
    ],
)
def test_builds_that_cannot_be_keyed(inputs: dict[str, str], why: str) -> None:
    assert why in build_key.unkeyed(plan_with(inputs))


def test_keyable_builds() -> None:
    assert build_key.unkeyed(plan_for()) == ""
    assert build_key.unkeyed(plan_with({"build-contexts": "base=docker-image://alpine:3"})) == ""


DOCKERFILE = """# syntax=docker/dockerfile:1.7
ARG BASE=python:3.11-slim
ARG TOOLS
FROM ${BASE} AS build
COPY --from=ghcr.io/acme/tools:1 /bin/tool /bin/tool
RUN --mount=type=bind,from=alpine:3.20,target=/a true
FROM build AS test
COPY --from=build /x /y
FROM scratch
COPY --from=0 /app /app
COPY --from=test /app /app
"""


def test_every_pulled_image_is_found() -> None:
    dockerfile = parse_dockerfile(DOCKERFILE)
    pulled = build_key.pulled_images(dockerfile, DOCKERFILE, {})
    assert pulled.unkeyed == ""
    assert pulled.images == (
        "docker/dockerfile:1.7",
        "python:3.11-slim",
        "ghcr.io/acme/tools:1",
        "alpine:3.20",
    )


def test_a_build_arg_overrides_the_base() -> None:
    dockerfile = parse_dockerfile(DOCKERFILE)
    pulled = build_key.pulled_images(dockerfile, DOCKERFILE, {"BASE": "python:3.12-slim"})
    assert "python:3.12-slim" in pulled.images
    assert "python:3.11-slim" not in pulled.images


@pytest.mark.parametrize(
    "text",
    [
        "FROM ${UNSET}\n",
        "FROM python:3.11\nADD https://example.com/x.tar.gz /x\n",
    ],
)
def test_what_cannot_be_known_makes_the_run_build(text: str) -> None:
    assert build_key.pulled_images(parse_dockerfile(text), text, {}).unkeyed


def test_an_add_of_a_url_with_a_checksum_is_keyed() -> None:
    text = "FROM python:3.11\nADD --checksum=sha256:" + "0" * 64 + " https://example.com/x /x\n"
    assert build_key.pulled_images(parse_dockerfile(text), text, {}).unkeyed == ""


def test_a_plan_replaced_with_no_cache_is_unkeyed() -> None:
    plan = plan_for()
    assert build_key.unkeyed(replace(plan, build=replace(plan.build, no_cache=True)))


def test_two_checkouts_of_one_commit_have_one_context_key(tmp_path: Path) -> None:
    """.git differs between checkouts (index bytes, logs, times); the key leaves it out, the
    commit is in it through the revision label."""
    for name, index in (("a", b"index one"), ("b", b"index two")):
        (tmp_path / name / ".git").mkdir(parents=True)
        (tmp_path / name / ".git" / "index").write_bytes(index)
        (tmp_path / name / "app.py").write_text("print('hi')\n")
    digests = [
        digest_context(tmp_path / name, tmp_path / name / "Dockerfile", leave_out=LEAVE_OUT)
        for name in ("a", "b")
    ]
    assert isinstance(digests[0], ContextDigest)
    assert isinstance(digests[1], ContextDigest)
    assert digests[0].sha256 == digests[1].sha256
    whole = [digest_context(tmp_path / n, tmp_path / n / "Dockerfile") for n in ("a", "b")]
    assert isinstance(whole[0], ContextDigest)
    assert isinstance(whole[1], ContextDigest)
    assert whole[0].sha256 != whole[1].sha256  # BuildKit does receive .git
