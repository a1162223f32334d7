"""type=gha on GitHub: the runner's cache service for buildx alone, a scope per platform set."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from slipway.buildx import gha_cache
from slipway.buildx.gha_cache import default_scope, is_gha, service_env, split_token, with_scope
from slipway.core.context import read_context
from slipway.core.plan import Plan, make_plan
from slipway.errors import InputError
from slipway.inputs import Inputs, read_inputs
from slipway.oci.platforms import parse_platform
from slipway.oci.refs import parse_image_name
from slipway.tools.buildx import build_argv

RUNNER = {  # what GitHub's runner gives a container action (ContainerActionHandler.cs)
    "GITHUB_ACTIONS": "true",
    "ACTIONS_RUNTIME_TOKEN": "runtime-token-xyz",
    "ACTIONS_RESULTS_URL": "https://results-receiver.actions.githubusercontent.com/",
    "ACTIONS_CACHE_URL": "https://artifactcache.actions.githubusercontent.com/abc/",
}


def plan_for(env: dict[str, str], **inputs: str) -> tuple[Inputs, Plan]:
    given = {"INPUT_IMAGES": "ghcr.io/acme/app", **env}
    given.update({f"INPUT_{k.replace('_', '-').upper()}": v for k, v in inputs.items()})
    parsed = read_inputs(given)
    context = read_context({"GITHUB_REF": "refs/heads/main", "GITHUB_SHA": "a" * 40}, {})
    return parsed, make_plan(parsed, context, env={}, now=datetime(2026, 1, 1, tzinfo=UTC))


def test_the_type_alone_works_on_github() -> None:
    _, plan = plan_for(
        RUNNER, cache_to="type=gha,mode=max", cache_from="type=gha", platforms="linux/amd64"
    )
    argv = build_argv(plan, "/m.json", "/layout")
    assert "--cache-to" in argv
    cache_to = argv[argv.index("--cache-to") + 1]
    assert cache_to == "type=gha,mode=max,scope=acme/app-linux-amd64,ignore-error=true"
    assert argv[argv.index("--cache-from") + 1] == "type=gha,scope=acme/app-linux-amd64"
    assert "runtime-token-xyz" not in " ".join(argv)
    assert service_env(RUNNER) == {
        "ACTIONS_RUNTIME_TOKEN": "runtime-token-xyz",
        "ACTIONS_RESULTS_URL": RUNNER["ACTIONS_RESULTS_URL"],
        "ACTIONS_CACHE_URL": RUNNER["ACTIONS_CACHE_URL"],
        "ACTIONS_CACHE_SERVICE_V2": "true",  # the runner sets it for JavaScript actions only
    }


def test_split_parts_get_their_own_scope_and_a_given_scope_stays() -> None:
    images = (parse_image_name("ghcr.io/acme/app"),)
    amd64 = default_scope(images, (parse_platform("linux/amd64"),))
    arm64 = default_scope(images, (parse_platform("linux/arm/v7"),))
    assert (amd64, arm64) == ("acme/app-linux-amd64", "acme/app-linux-arm-v7")
    assert default_scope(images, ()) == "acme/app"
    assert with_scope("type=gha,scope=mine", "x") == "type=gha,scope=mine"
    assert with_scope("TYPE=gha", "x") == "type=gha,scope=x"
    assert with_scope("type=registry,ref=r/c", "x") == "type=registry,ref=r/c"


def test_a_token_in_the_entry_goes_to_the_environment() -> None:
    assert split_token("type=gha,token=tok123,scope=s") == ("type=gha,scope=s", "tok123")
    assert split_token("type=local,dest=/c") == ("type=local,dest=/c", "")
    inputs, plan = plan_for(
        {}, cache_to="type=gha,url_v2=http://127.0.0.1:9/,token=mytoken", platforms="linux/amd64"
    )
    assert "mytoken" in inputs.secrets  # masked
    assert "mytoken" not in " ".join(build_argv(plan, "/m.json", "/layout"))
    assert service_env({}, inputs.build.gha_token) == {"ACTIONS_RUNTIME_TOKEN": "mytoken"}


@pytest.mark.parametrize(
    ("env", "missing"),
    [
        ({}, "ACTIONS_RUNTIME_TOKEN and ACTIONS_RESULTS_URL"),
        ({"ACTIONS_RUNTIME_TOKEN": "t"}, "ACTIONS_RESULTS_URL"),
        ({"ACTIONS_RESULTS_URL": "https://r/"}, "ACTIONS_RUNTIME_TOKEN"),
    ],
)
def test_gha_without_a_cache_service_is_refused_before_the_build(
    env: dict[str, str], missing: str
) -> None:
    with pytest.raises(
        InputError, match=f"no cache service to talk to: {missing} is not set"
    ) as caught:
        plan_for(env, cache_to="type=gha")
    assert caught.value.name == "cache-to"
    assert "type=registry" in caught.value.hint


def test_cache_entries_are_read_as_buildx_reads_them() -> None:
    _, plan = plan_for({}, cache_to='TYPE=local,"dest=/c,d"')  # keys in any case, quoted values
    assert plan.build.cache_to == ('TYPE=local,"dest=/c,d"',)
    with pytest.raises(InputError, match="unknown cache type 'bogus'"):
        plan_for({}, cache_to="mode=max,Type=bogus")
    with pytest.raises(InputError, match="buildx cannot read") as caught:
        plan_for({}, cache_to='type=local,dest="/c')
    assert caught.value.name == "cache-to"


def test_other_cache_types_need_no_service() -> None:
    assert not is_gha("type=registry,ref=r/c")
    plan_for({}, cache_to="type=local,dest=/c", cache_from="r/c:main")


@pytest.mark.parametrize(
    ("can_read", "can_write", "expected"),
    [
        (True, True, (("type=gha,timeout=30s",), ("type=gha,mode=max,timeout=30s",))),
        (True, False, (("type=gha,timeout=30s",), ())),  # a fork's pull request: reads only
        (False, True, ((), ("type=gha,mode=max,timeout=30s",))),  # ACTIONS_CACHE_MODE=write-only
        (False, False, ((), ())),
    ],
)
def test_the_default_build_cache_follows_what_the_token_may_do(
    can_read: bool, can_write: bool, expected: tuple[tuple[str, ...], tuple[str, ...]]
) -> None:
    assert gha_cache.default_entries((), (), can_read=can_read, can_write=can_write) == expected


@pytest.mark.parametrize(
    ("given_from", "given_to"),
    [
        (("type=registry,ref=r/c",), ()),
        ((), ("type=local,dest=/c",)),
        (("type=gha",), ("type=gha",)),
    ],
)
def test_a_cache_of_the_users_replaces_the_default(
    given_from: tuple[str, ...], given_to: tuple[str, ...]
) -> None:
    assert gha_cache.default_entries(given_from, given_to, can_read=True, can_write=True) == (
        given_from,
        given_to,
    )
