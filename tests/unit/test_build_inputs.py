"""Build and registry inputs (build-push-action / login-action names) and the buildx command line."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from slipway.core.context import read_context
from slipway.core.plan import make_plan
from slipway.errors import InputError
from slipway.inputs import Credential, credential_for, read_inputs
from slipway.tools.buildx import build_argv, secret_env

BASE = {"INPUT_IMAGES": "127.0.0.1:5000/app"}


def read(**inputs: str) -> Any:
    return read_inputs(
        {**BASE, **{f"INPUT_{k.replace('_', '-').upper()}": v for k, v in inputs.items()}}
    )


def argv_for(payload: dict[str, Any] | None = None, **inputs: str) -> list[str]:
    context = read_context({"GITHUB_REF": "refs/heads/main", "GITHUB_SHA": "a" * 40}, payload or {})
    plan = make_plan(read(**inputs), context, env={}, now=datetime(2026, 1, 1, tzinfo=UTC))
    return build_argv(plan, "/m.json", "/layout")


def pairs(argv: list[str], flag: str) -> list[str]:
    return [argv[i + 1] for i, part in enumerate(argv) if part == flag]


def test_build_options_reach_buildx() -> None:
    argv = argv_for(
        target="runtime",
        build_args="A=1\nB=x,y",
        build_contexts="alpine=docker-image://alpine:3.20",
        cache_from="type=registry,ref=r/cache:main",
        cache_to="type=registry,ref=r/cache:main,mode=max",
        no_cache="true",
        pull="true",
        shm_size="2g",
        ulimit="nofile=1024:1024",
        sbom="true",
        ssh="default",
    )
    assert argv[argv.index("--target") + 1] == "runtime"
    assert pairs(argv, "--build-arg")[-2:] == ["A=1", "B=x,y"]
    assert pairs(argv, "--build-context") == ["alpine=docker-image://alpine:3.20"]
    assert pairs(argv, "--cache-from") == ["type=registry,ref=r/cache:main"]
    # a failed cache export does not fail the build (unless the entry says so)
    assert pairs(argv, "--cache-to") == [
        "type=registry,ref=r/cache:main,mode=max,ignore-error=true"
    ]
    assert {"--no-cache", "--pull", "--sbom=true"} <= set(argv)
    assert "--builder" not in argv  # the builder stage names it: build_argv(builder=...)
    assert argv[-3:] == ["--output", "type=oci,dest=/layout,tar=false", "."]


def test_user_build_arg_overrides_the_seed_arg() -> None:
    args = pairs(argv_for(build_args="org_oci_version=custom"), "--build-arg")
    assert args.index("org_oci_version=custom") > args.index("org_oci_version=main")


def test_secret_values_never_in_argv() -> None:
    inputs = {"secrets": "npm_token=s3cr3t-value\nother=a=b", "secret_files": "key=/run/key.pem"}
    argv = argv_for(None, **inputs)
    assert not any("s3cr3t" in part for part in argv)
    assert pairs(argv, "--secret") == [
        "id=npm_token,env=SLIPWAY_BUILD_SECRET_0",
        "id=other,env=SLIPWAY_BUILD_SECRET_1",
        "id=key,src=/run/key.pem",
    ]
    parsed = read(**inputs)
    assert "s3cr3t" not in repr(parsed)
    assert parsed.secrets == ("s3cr3t-value", "a=b")
    context = read_context({}, {})
    plan = make_plan(parsed, context, env={}, now=datetime(2026, 1, 1, tzinfo=UTC))
    assert secret_env(plan) == {
        "SLIPWAY_BUILD_SECRET_0": "s3cr3t-value",
        "SLIPWAY_BUILD_SECRET_1": "a=b",
    }


@pytest.mark.parametrize(
    ("payload", "given", "expected"),
    [
        ({"repository": {"private": False}}, "", "--provenance=mode=max"),
        ({"repository": {"private": True}}, "", "--provenance=mode=min"),
        ({}, "", "--provenance=mode=min"),
        ({}, "false", "--provenance=false"),
        ({}, "mode=max", "--provenance=mode=max"),
    ],
)
def test_provenance_default_follows_visibility(
    payload: dict[str, Any], given: str, expected: str
) -> None:
    assert expected in argv_for(payload, provenance=given)


def test_registry_auth_yaml_list() -> None:
    inputs = read(
        images="ghcr.io/o/a\ndocker.io/o/b",
        push="true",
        registry_auth="- registry: ghcr.io\n  username: u1\n  password: p1\n- username: u2\n  password: p2\n",
    )
    assert inputs.credentials == (
        Credential("ghcr.io", "u1", "p1"),
        Credential("docker.io", "u2", "p2"),
    )
    assert credential_for(inputs.credentials, "docker.io") == Credential("docker.io", "u2", "p2")
    assert "p1" not in repr(inputs.credentials)


def test_single_login_defaults_to_the_first_image_registry() -> None:
    inputs = read(images="ghcr.io/o/a", push="true", username="u", password="p")
    assert inputs.credentials == (Credential("ghcr.io", "u", "p"),)


INVALID = [
    ({"build_args": "NOEQUALS"}, "build-args", "is not KEY=VALUE"),
    ({"secrets": "=value"}, "secrets", "is not KEY=VALUE"),
    ({"secrets": "bad id=x"}, "secrets", "characters BuildKit does not accept"),
    ({"cache_to": "type=nowhere,ref=x"}, "cache-to", "unknown cache type"),
    ({"driver": "kubernetes"}, "driver", "not one of"),
    ({"driver": "remote"}, "endpoint", "needs an endpoint"),
    ({"provenance": "always"}, "provenance", "not understood"),
    ({"no_cache": "1"}, "no-cache", "not a boolean"),
    ({"registry_auth": "registry: x"}, "registry-auth", "must be a YAML list"),
    (
        {"registry_auth": "- registry: x\n  username: u"},
        "registry-auth",
        "needs username and password",
    ),
    ({"registry_auth": "- [unclosed"}, "registry-auth", "not valid YAML"),
    # YAML would change these passwords: 0755 -> 493, yes -> True, `abc #x` -> abc
    ({"registry_auth": "- username: u\n  password: 0755"}, "registry-auth", "not a string"),
    ({"registry_auth": "- username: u\n  password: yes"}, "registry-auth", "not a string"),
    ({"registry_auth": "- username: u\n  password: abc #x"}, "registry-auth", "a comment"),
    ({"registry_auth": "- username: u\n  password: [a]"}, "registry-auth", "not a string"),
    ({"registry_auth": "- username: 12\n  password: p"}, "registry-auth", "not a string"),
    ({"registry_auth": "- registry: -x\n  username: u\n  password: p"}, "registry-auth", "'-'"),
    # an argv word that starts with '-' would be read as an option
    ({"context": "--push"}, "context", "starts with '-'"),
    ({"file": "-f"}, "file", "starts with '-'"),
    ({"target": "--output=type=registry"}, "target", "starts with '-'"),
    ({"builder": "--foo"}, "builder", "starts with '-'"),
    ({"driver": "remote", "endpoint": "--push"}, "endpoint", "starts with '-'"),
    ({"registry": "--foo", "username": "u", "password": "p"}, "registry", "starts with '-'"),
]


def test_registry_auth_values_are_kept_exactly_as_quoted() -> None:
    given = '- username: "u"\n  password: "0755"\n- username: v\n  password: \'abc #x\'\n'
    found = read(registry_auth=given).credentials
    assert [(c.username, c.password) for c in found] == [("u", "0755"), ("v", "abc #x")]


def test_a_refused_password_is_not_echoed() -> None:
    with pytest.raises(InputError) as caught:
        read(registry_auth="- username: u\n  password: s3cr3t #tail")
    assert "s3cr3t" not in caught.value.message + caught.value.hint


@pytest.mark.parametrize(("given", "name", "message"), INVALID)
def test_invalid(given: dict[str, str], name: str, message: str) -> None:
    with pytest.raises(InputError, match=message) as caught:
        read(**given)
    assert caught.value.name == name


def test_secret_value_not_echoed_in_error() -> None:
    with pytest.raises(InputError) as caught:
        read(secrets="good=1\nnot-a-pair-but-secret-text")
    assert "secret-text" not in caught.value.message


def test_load_and_extra_outputs_run_as_more_invocations() -> None:
    assert pairs(argv_for(load="true", outputs="type=local,dest=/out"), "--output") == [
        "type=oci,dest=/layout,tar=false"
    ]
    inputs = read(
        load="true", outputs="type=local,dest=/out", images="127.0.0.1:5000/a\n127.0.0.1:5000/b"
    )
    context = read_context({"GITHUB_REF": "refs/heads/main", "GITHUB_SHA": "a" * 40}, {})
    plan = make_plan(inputs, context, env={}, now=datetime(2026, 1, 1, tzinfo=UTC))
    load = build_argv(plan, "/m2.json", "", export="load")
    # docker: the docker-container builder's `image` would stay in the builder
    assert pairs(load, "--output") == [
        'type=docker,"name=127.0.0.1:5000/a:main,127.0.0.1:5000/b:main"'
    ]
    # the classic store cannot hold an attested index: the loaded image has no attestations
    assert {"--provenance=false", "--sbom=false"} <= set(load)
    outputs = build_argv(plan, "/m3.json", "", export="outputs")
    assert pairs(outputs, "--output") == ["type=local,dest=/out"]
    assert "--provenance=false" not in outputs


@pytest.mark.parametrize(
    "output",
    [
        "type=registry,ref=x",
        "type=image,name=x,push=true",
        # as buildx reads them: ParseBool's spellings, keys in any case and order
        "type=image,name=x,push=1",
        "type=image,name=x,push=True",
        "type=image,push=t,name=x",
        "name=x,type=registry",
        "Type=Registry,name=x",
        "name=x,PUSH=TRUE,type=oci",
        '"type=image,name=x,push=true"',  # the toolkit's quoted item
    ],
)
def test_outputs_that_push_are_refused(output: str) -> None:
    with pytest.raises(InputError, match="bypass the scan gate") as caught:
        read(outputs=output)
    assert caught.value.name == "outputs"


@pytest.mark.parametrize(
    ("output", "why"),
    [("type=image,name=x,push=yes", "not a boolean"), ('type=local,"dest=/out', "closing")],
)
def test_outputs_buildx_cannot_read_are_refused(output: str, why: str) -> None:
    with pytest.raises(InputError, match=why) as caught:
        read(outputs=output)
    assert caught.value.name == "outputs"


@pytest.mark.parametrize(
    "output", ["type=local,dest=/out", "type=image,name=x,push=false", "type=tar,dest=o.tar"]
)
def test_outputs_that_do_not_push_pass(output: str) -> None:
    assert read(outputs=output).build.outputs == (output,)


def test_quoted_items_may_hold_commas_and_newlines() -> None:
    inputs = read(secrets='"github_token=abc,def"\n"PEM=line one\nline two"\nPLAIN=x')
    assert inputs.build.secrets == (
        ("github_token", "abc,def"),
        ("PEM", "line one\nline two"),
        ("PLAIN", "x"),
    )
    # quotes inside an item stay: buildx reads the item as CSV itself
    assert read(cache_to='type=local,"dest=/c,d"').build.cache_to == ('type=local,"dest=/c,d"',)


@pytest.mark.parametrize(
    ("given", "seconds"), [("", 60.0), ("120", 120.0), ("90s", 90.0), ("2m", 120.0)]
)
def test_registry_timeout(given: str, seconds: float) -> None:
    assert read(registry_timeout=given).registry_timeout == seconds


@pytest.mark.parametrize("name", ["registry-timeout", "db-max-age", "scan-timeout"])
@pytest.mark.parametrize("given", ["99999999999999d", "367d", "1e400"])
def test_durations_too_long_are_refused_by_name(name: str, given: str) -> None:
    with pytest.raises(InputError) as caught:
        read_inputs({**BASE, f"INPUT_{name.upper()}": given})
    assert caught.value.name == name


@pytest.mark.parametrize("given", ["0", "-5", "soon"])
def test_registry_timeout_invalid(given: str) -> None:
    with pytest.raises(InputError, match="is not a duration") as caught:
        read(registry_timeout=given)
    assert caught.value.name == "registry-timeout"


def test_cache_export_errors_are_ignored_unless_the_entry_says_otherwise() -> None:
    argv = argv_for(cache_to="r/cache:main\ntype=local,dest=/c,IGNORE-ERROR=false")
    assert pairs(argv, "--cache-to") == [
        "type=registry,ref=r/cache:main,ignore-error=true",
        "type=local,dest=/c,IGNORE-ERROR=false",
    ]


def test_build_push_action_inputs_reach_buildx() -> None:
    argv = argv_for(
        add_hosts="db:10.0.0.5",
        allow="network.host",
        network="host",
        no_cache_filters="build,test",
        cgroup_parent="/actions_job",
        attests="type=sbom\ntype=provenance,mode=max",
        provenance="mode=min",
    )
    assert pairs(argv, "--add-host") == ["db:10.0.0.5"]
    assert pairs(argv, "--allow") == ["network.host"]
    assert pairs(argv, "--network") == ["host"]
    assert pairs(argv, "--no-cache-filter") == ["build", "test"]
    assert pairs(argv, "--cgroup-parent") == ["/actions_job"]
    assert pairs(argv, "--attest") == ["type=sbom", "type=provenance,mode=max"]
    assert not [a for a in argv if a.startswith("--provenance")]  # attests has its own


def test_secret_envs_read_the_step_environment_and_are_secrets() -> None:
    inputs = read_inputs(
        {**BASE, "INPUT_SECRET-ENVS": "npm=NPM_TOKEN", "NPM_TOKEN": "s3cr3t-value"}
    )
    assert ("npm", "s3cr3t-value") in inputs.build.secrets
    assert "s3cr3t-value" in inputs.secrets  # masked like any secret
