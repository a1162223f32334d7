"""Values that reached buildx unchecked (issue 23), each refused by name before anything runs;
and their ordinary spellings, still accepted."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from slipway.core.context import read_context
from slipway.core.plan import make_plan
from slipway.errors import InputError
from slipway.inputs import Inputs, read_inputs
from slipway.tools.buildx import build_argv

IMAGE = "ghcr.io/acme/app"
DIGEST = "sha256:" + "a" * 64


def read(*, environ: dict[str, str] | None = None, **inputs: str) -> Inputs:
    return read_given(inputs, environ)


def read_given(inputs: dict[str, str], environ: dict[str, str] | None = None) -> Inputs:
    env = {f"INPUT_{k.replace('_', '-').upper()}": v for k, v in inputs.items()}
    return read_inputs({"INPUT_IMAGES": IMAGE, **env, **(environ or {})})


REFUSED = [
    ("target", "--output=x", "target"),
    ("target", "9stage", "target"),
    ("target", "my stage", "target"),
    ("build_contexts", "=x", "build-contexts"),
    ("build_contexts", "alpine=", "build-contexts"),
    ("build_contexts", "alpine=--push", "build-contexts"),
    ("build_contexts", "bad name!=./lib", "build-contexts"),
    ("build_contexts", "alpine=docker-image://Alpine::3", "build-contexts"),
    ("build_contexts", "layout=oci-layout://", "build-contexts"),
    ("ssh", "default=", "ssh"),
    ("ssh", "id=--agent", "ssh"),
    ("ssh", "id=a,,b", "ssh"),
    ("add_hosts", "db:10.0.0.999", "add-hosts"),
    ("add_hosts", "db:not-an-ip", "add-hosts"),
    ("add_hosts", ":10.0.0.5", "add-hosts"),
    ("ulimit", "nofile=2048:1024", "ulimit"),
    ("ulimit", "nofile=99999999999999999999", "ulimit"),
    ("ulimit", "nofile=\u0665", "ulimit"),
    ("shm_size", "0", "shm-size"),
    ("shm_size", "0g", "shm-size"),
    ("shm_size", "99999g", "shm-size"),
    ("shm_size", "nan", "shm-size"),
    ("attests", "type=provenance,mode=extreme", "attests"),
    ("attests", "type=sbom,mode=max", "attests"),
    ("cache_to", "type=local", "cache-to"),
    ("cache_to", "type=local,dest=", "cache-to"),
    ("cache_from", "type=local,dest=x", "cache-from"),  # reading needs src
    ("cache_to", "type=registry,mode=max", "cache-to"),
    ("cache_to", "type=registry,ref=ghcr.io/cache,mode=maximum", "cache-to"),
    ("cache_to", "type=registry,ref=ghcr.io/acme/app:buildcache", "cache-to"),
    ("cache_to", "ghcr.io/acme/app:buildcache", "cache-to"),
    ("cache_to", "GHCR.IO/acme/app@" + DIGEST, "cache-to"),
    ("cache_from", "--push", "cache-from"),
    ("cache_to", "type=bogus", "cache-to"),
    ("outputs", "-", "outputs"),
    ("outputs", "type=tar,dest=-", "outputs"),
    ("outputs", "type=tar", "outputs"),
    ("outputs", "type=local", "outputs"),
    ("merge_digests", f"{DIGEST}\n{DIGEST}", "merge-digests"),
    ("secrets", "a=1\na=2", "secrets"),
    ("secret_files", "bad id=Dockerfile", "secret-files"),
    ("secret_envs", "bad id=HOME", "secret-envs"),
    ("registry", "https://ghcr.io", "registry"),
    ("registry", "ghcr.io:0", "registry"),
    ("registry", "ghcr .io", "registry"),
    ("insecure_registries", "registry:70000", "insecure-registries"),
]


@pytest.mark.parametrize(("name", "value", "blame"), REFUSED, ids=lambda v: str(v)[:30])
def test_refused_by_name(name: str, value: str, blame: str) -> None:
    more = {"push": "true"} if name == "merge_digests" else {}
    with pytest.raises(InputError) as caught:
        read_given({name: value, **more}, {"HOME": "/h"})
    assert caught.value.name == blame, caught.value.message


def test_the_same_secret_id_in_two_inputs_names_the_second() -> None:
    with pytest.raises(InputError, match="given twice \\(also in secrets\\)") as caught:
        read(environ={"TOKEN": "x"}, secrets="npm=1", secret_envs="npm=TOKEN")
    assert caught.value.name == "secret-envs"


@pytest.mark.parametrize(
    "value", ["ghp_" + "a" * 36, "s3cr3t value", "x" * 300], ids=["token", "spaced", "long"]
)
def test_a_secret_envs_value_pasted_in_place_of_a_name_is_not_echoed(value: str) -> None:
    with pytest.raises(InputError) as caught:
        read(secret_envs=f"npm={value}")
    assert value not in caught.value.message + caught.value.hint


def test_an_s3_cache_entry_buildx_cannot_read_is_not_echoed() -> None:
    with pytest.raises(InputError) as caught:
        read(cache_to='type=s3,secret_access_key=hunter2hunter2,"bad')
    assert "hunter2" not in caught.value.message


ACCEPTED = [
    ("target", "Runtime.v2"),
    ("build_contexts", "alpine=docker-image://alpine:3.20\ndocker.io/library/node:20=./node"),
    ("build_contexts", "lib=https://github.com/acme/lib.git#main"),
    ("ssh", "default\nid=/run/agent.sock,./key"),
    ("add_hosts", "db:10.0.0.5,cache=::1,gw:host-gateway"),
    ("ulimit", "nofile=1024:2048\ncore=-1\nnproc=-1:-1"),
    ("shm_size", "2g"),
    ("attests", "type=provenance,mode=max\ntype=sbom,generator=x/y"),
    ("cache_to", "type=registry,ref=ghcr.io/acme/app-cache:main,mode=max"),
    ("cache_to", "type=local,dest=out/cache"),
    ("cache_from", "ghcr.io/acme/app:main"),  # reading the published repository is harmless
    ("cache_to", "type=inline"),
    ("outputs", "type=local,dest=out\ntype=docker,name=x"),
    ("registry", "[::1]:5000"),
]


@pytest.mark.parametrize(("name", "value"), ACCEPTED, ids=lambda v: str(v)[:30])
def test_accepted(name: str, value: str) -> None:
    read_given({name: value})


def test_a_secret_looking_build_arg_lowers_the_automatic_provenance() -> None:
    inputs = read(build_args="NPM_TOKEN=abc123")
    assert inputs.build.provenance == "mode=min"
    assert any("mode=min" in warning for warning in inputs.build.warnings)
    assert read(build_args="VERSION=1").build.provenance == ""


@pytest.mark.parametrize(
    ("inputs", "blame"),
    [
        ({"provenance": "mode=max"}, "provenance"),
        ({"provenance": "mode=max,builder-id=x"}, "provenance"),
        ({"attests": "type=provenance,mode=max"}, "attests"),
    ],
)
def test_mode_max_with_a_secret_looking_build_arg_is_refused(
    inputs: dict[str, str], blame: str
) -> None:
    with pytest.raises(InputError) as caught:
        read_given({"build_args": "DB_PASSWORD=hunter2", **inputs})
    assert caught.value.name == blame
    assert "hunter2" not in caught.value.message


@pytest.mark.parametrize(
    ("context", "file", "dockerfile"),
    [
        (".", "", "Dockerfile"),
        ("app", "", "app/Dockerfile"),
        ("app", "build/Dockerfile", "build/Dockerfile"),
        ("https://x-access-token:t0k3n@github.com/acme/app.git#main", "", ""),
        ("git@github.com:acme/app.git#main:sub", "", ""),
        ("https://github.com/acme/app.git", "docker/Dockerfile", "docker/Dockerfile"),
    ],
)
def test_the_dockerfile_of_a_remote_context_is_the_contexts_own(
    context: str, file: str, dockerfile: str
) -> None:
    assert read(context=context, file=file).dockerfile == dockerfile


def test_a_remote_context_is_built_with_its_own_dockerfile_and_no_path_joined_to_it() -> None:
    context = "https://x-access-token:t0k3n@github.com/acme/app.git#main"
    inputs = read(context=context)
    plan = make_plan(
        inputs,
        read_context({"GITHUB_REF": "refs/heads/main"}, {}),
        env={},
        now=datetime(2026, 1, 1, tzinfo=UTC),
    )
    argv = build_argv(plan, "/m.json", "/layout")
    assert "--file" not in argv
    assert argv[-1] == context  # buildx fetches it; the log shows it redacted
    assert [word for word in argv if "t0k3n" in word] == [context]
