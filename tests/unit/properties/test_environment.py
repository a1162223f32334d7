"""The runner's environment and the event payload, generated: every variable Slipway reads and
every payload field, with wrong types, deep nesting, dates out of range. A run validates, or
stops with an `InputError` naming the variable (GITHUB_EVENT_PATH for the payload)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from slipway.inputs.spec import INPUTS
from slipway.runner.container import safe_directory_env
from tests.unit.properties.conftest import base_env, refused_by
from tests.unit.properties.profiles import PROFILE, bounded, scaled
from tests.unit.properties.strategies import ANY_VALUE, NUMBERS

# Every variable besides the inputs that the validation pass reads
VARIABLES = (
    "SOURCE_DATE_EPOCH",
    "DOCKER_METADATA_SHORT_SHA_LENGTH",
    "DOCKER_METADATA_ANNOTATIONS_LEVELS",
    "DOCKER_METADATA_SET_OUTPUT_ENV",
    "DOCKER_METADATA_PR_HEAD_SHA",
    "GITHUB_REF",
    "GITHUB_SHA",
    "GITHUB_EVENT_NAME",
    "GITHUB_HEAD_REF",
    "GITHUB_BASE_REF",
    "GITHUB_REPOSITORY",
    "GITHUB_SERVER_URL",
    "GITHUB_API_URL",
    "GITHUB_RUN_ID",
    "GITHUB_RUN_NUMBER",
    "GITHUB_ACTOR",
    "GITHUB_WORKFLOW",
    "ACTIONS_RUNTIME_TOKEN",
    "ACTIONS_RESULTS_URL",
    "NPM_TOKEN",
)
NAMES = {spec.name for spec in INPUTS} | set(VARIABLES) | {"GITHUB_EVENT_PATH"}


@PROFILE
@given(
    variables=st.dictionaries(
        st.sampled_from(VARIABLES), st.one_of(ANY_VALUE, NUMBERS), min_size=1, max_size=6
    )
)
@bounded
def test_any_environment_is_read_or_refused_by_name(
    variables: dict[str, str], workspace: Path
) -> None:
    env = {
        **base_env(workspace),
        **variables,
        "INPUT_SECRET-ENVS": "npm=NPM_TOKEN",
        "INPUT_TAGS": "type=sha\ntype=schedule,pattern={{date 'YYYYMMDD'}}\ntype=ref,event=pr",
    }
    assert refused_by(env) in {"", *NAMES}


@scaled(4)
@given(count=st.one_of(ANY_VALUE, NUMBERS))
@bounded
def test_git_config_count_never_crashes(count: str) -> None:
    found = safe_directory_env({"GIT_CONFIG_COUNT": count}, "/github/workspace")
    index = int(found["GIT_CONFIG_COUNT"]) - 1
    assert found[f"GIT_CONFIG_KEY_{index}"] == "safe.directory"


JSON_LEAF = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=30))
JSON = st.recursive(
    JSON_LEAF,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)
STAMPS = st.one_of(
    st.datetimes().map(lambda d: d.isoformat()),
    st.sampled_from(["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00", "yesterday", ""]),
    st.text(max_size=30),
)
FIELDS = {
    "ref": st.text(max_size=40),
    "after": st.text(max_size=40),
    "base_ref": JSON,
    "number": JSON,
    "commits": st.one_of(
        JSON,
        st.lists(
            st.fixed_dictionaries(
                {"id": st.one_of(st.just("a" * 40), JSON), "timestamp": st.one_of(STAMPS, JSON)}
            ),
            max_size=3,
        ),
    ),
    "head_commit": st.one_of(
        JSON,
        st.fixed_dictionaries(
            {"id": st.one_of(st.just("a" * 40), JSON), "timestamp": st.one_of(STAMPS, JSON)}
        ),
    ),
    "repository": st.one_of(
        JSON,
        st.fixed_dictionaries(
            {},
            optional=dict.fromkeys(
                (
                    "default_branch",
                    "private",
                    "name",
                    "full_name",
                    "html_url",
                    "description",
                    "license",
                ),
                JSON,
            ),
        ),
    ),
    "pull_request": st.one_of(
        JSON,
        st.fixed_dictionaries(
            {},
            optional={
                "number": JSON,
                "head": st.one_of(
                    JSON,
                    st.fixed_dictionaries({}, optional={"sha": JSON, "ref": JSON, "repo": JSON}),
                ),
                "base": st.one_of(
                    JSON, st.fixed_dictionaries({}, optional={"ref": JSON, "repo": JSON})
                ),
            },
        ),
    ),
    "merge_group": st.one_of(
        JSON, st.fixed_dictionaries({}, optional={"head_ref": JSON, "base_ref": JSON})
    ),
}
EVENTS = st.sampled_from(
    [
        "push",
        "pull_request",
        "pull_request_target",
        "merge_group",
        "schedule",
        "release",
        "workflow_dispatch",
        "x",
    ]
)


@PROFILE
@given(payload=st.fixed_dictionaries({}, optional=FIELDS), event=EVENTS)
@bounded
def test_any_payload_is_read_or_refused_by_name(
    payload: dict[str, Any], event: str, workspace: Path
) -> None:
    env = {
        **base_env(workspace),
        "GITHUB_EVENT_NAME": event,
        "INPUT_TAGS": "type=ref,event=pr\ntype=ref,event=branch\ntype=sha\n"
        "type=raw,value={{commit_date 'YYYY-MM-DD' tz='Asia/Tokyo'}}\n"
        "type=edge\ntype=schedule",
    }
    assert refused_by(env, json.loads(json.dumps(payload))) in {"", "GITHUB_EVENT_PATH"}
