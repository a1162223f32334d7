"""Valid tag configurations -> tags, one row per scenario (metadata-action's test ids noted).

Each row: id, event example, ref override (push only), inputs, extra env, expected tags.
Rows marked ``ma:<id>`` reproduce a case of docker/metadata-action's __tests__/meta.test.ts
on a real webhook payload.
"""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from tests.support.payloads import placeholder_sha
from tests.unit.meta.events import run

APP = {"images": "user/app"}
SHA_T = "sha-6113728"
LONG = "x" * 200
LONG_TAG = (
    ("feature-" + LONG)[:119] + "-" + hashlib.sha256(f"feature-{LONG}".encode()).hexdigest()[:8]
)

VALID: list[tuple[str, str, str | None, dict[str, str], dict[str, str], list[str]]] = [
    # push to a branch
    ("push-default ma:push03", "push_branch", None, APP, {}, ["user/app:master"]),
    (
        "push-edge ma:push02",
        "push_branch",
        None,
        {**APP, "tags": "type=edge"},
        {},
        ["user/app:edge"],
    ),
    (
        "push-edge-other-branch ma:push10",
        "push_branch",
        None,
        {**APP, "tags": "type=edge,branch=dev\ntype=sha"},
        {},
        ["user/app:sha-6113728"],
    ),
    (
        "push-priority ma:push13",
        "push_branch",
        None,
        {**APP, "tags": "type=ref,priority=2000,event=branch\ntype=edge"},
        {},
        ["user/app:master", "user/app:edge"],
    ),
    (
        "push-value-semver ma:push14",
        "push_branch",
        None,
        {
            **APP,
            "tags": "type=semver,pattern={{version}},value=v1.2.3\n"
            "type=pep440,pattern={{version}},value=v1.2.3\ntype=edge",
        },
        {},
        ["user/app:1.2.3", "user/app:edge", "user/app:latest"],
    ),
    (
        "push-value-match ma:push15",
        "push_branch",
        None,
        {**APP, "tags": "type=match,pattern=v(.*),group=1,value=v1.2.3\ntype=edge"},
        {},
        ["user/app:1.2.3", "user/app:edge", "user/app:latest"],
    ),
    (
        "push-disabled ma:push16",
        "push_branch",
        None,
        {**APP, "tags": "type=match,enable=false,pattern=v(.*),group=1,value=v1.2.3\ntype=edge"},
        {},
        ["user/app:edge"],
    ),
    (
        "push-expressions ma:push17",
        "push_branch",
        None,
        {
            **APP,
            "tags": "type=raw,value=mytag-{{branch}}\n"
            "type=raw,value=mytag-{{date 'YYYYMMDD'}}\n"
            "type=raw,value=mytag-cd-{{commit_date 'YYYYMMDD-HHmm'}}\n"
            "type=raw,value=mytag-{{date 'YYYYMMDD-HHmmss' tz='Asia/Tokyo'}}\n"
            "type=raw,value=mytag-tag-{{tag}}\n"
            "type=raw,value=mytag-baseref-{{base_ref}}\n"
            "type=raw,value=mytag-defbranch,enable={{is_default_branch}}\n"
            "type=raw,value=not-default,enable={{is_not_default_branch}}",
        },
        {},
        [
            "user/app:mytag-master",
            "user/app:mytag-20200110",
            "user/app:mytag-cd-20190515-1519",
            "user/app:mytag-20200110-093000",
            "user/app:mytag-tag-",
            "user/app:mytag-baseref-",
            "user/app:mytag-defbranch",
        ],
    ),
    (
        "push-sha-long ma:push18",
        "push_branch",
        None,
        {
            "images": "org/app\nghcr.io/user/app",
            "tags": "type=ref,event=branch\ntype=sha,format=long",
        },
        {},
        [
            "org/app:master",
            "org/app:sha-6113728f27ae82c7b1a177c8d03f9e96e0adf246",
            "ghcr.io/user/app:master",
            "ghcr.io/user/app:sha-6113728f27ae82c7b1a177c8d03f9e96e0adf246",
        ],
    ),
    (
        "push-image-disabled ma:push20",
        "push_branch",
        None,
        {"images": "org/app\nghcr.io/user/app,enable=false", "tags": "type=sha"},
        {},
        ["org/app:sha-6113728"],
    ),
    (
        "push-no-images ma:push21",
        "push_branch",
        None,
        {"tags": "type=raw,value=mytag-{{branch}}\ntype=sha"},
        {},
        ["mytag-master", SHA_T],
    ),
    (
        "push-images-one-line",
        "push_branch",
        None,
        {"images": "Org/App,ghcr.io/User/App"},
        {},
        ["org/app:master", "ghcr.io/user/app:master"],
    ),
    (
        "push-latest-true",
        "push_branch",
        None,
        {**APP, "flavor": "latest=true"},
        {},
        ["user/app:master", "user/app:latest"],
    ),
    (
        "push-short-sha-length",
        "push_branch",
        None,
        {**APP, "tags": "type=sha,prefix="},
        {"DOCKER_METADATA_SHORT_SHA_LENGTH": "12"},
        ["user/app:6113728f27ae"],
    ),
    (
        "push-long-branch-shortened",
        "push_branch",
        f"refs/heads/feature/{LONG}",
        APP,
        {},
        [f"user/app:{LONG_TAG}"],
    ),
    (
        "push-leading-dash-fixed",
        "push_branch",
        None,
        {**APP, "tags": "type=raw,value=-{{branch}}\ntype=raw,value=..dots"},
        {},
        ["user/app:master", "user/app:dots"],
    ),
    (
        "push-comments-and-quotes",
        "push_branch",
        None,
        {**APP, "tags": '# a comment\ntype=match,"pattern=^(\\w+)$",group=1,value=abc'},
        {},
        ["user/app:abc", "user/app:latest"],
    ),
    # push of a tag
    (
        "tag-default ma:latest05",
        "push_tag",
        "refs/tags/v1.1.1",
        APP,
        {},
        ["user/app:v1.1.1", "user/app:latest"],
    ),
    (
        "tag-semver ma:tag11",
        "push_tag",
        "refs/tags/v1.1.1",
        {
            **APP,
            "tags": "type=semver,pattern={{version}}\ntype=semver,pattern={{major}}.{{minor}}\n"
            "type=semver,pattern={{major}}",
        },
        {},
        ["user/app:1.1.1", "user/app:1.1", "user/app:1", "user/app:latest"],
    ),
    (
        "tag-semver-prerelease ma:tag13",
        "push_tag",
        "refs/tags/v2.0.8-beta.67",
        {**APP, "tags": "type=semver,pattern={{major}}.{{minor}}\ntype=semver,pattern={{major}}"},
        {},
        ["user/app:2.0.8-beta.67"],
    ),
    (
        "tag-semver-raw ma:tag31",
        "push_tag",
        "refs/tags/v2.0.8-beta.67",
        {**APP, "tags": "type=semver,pattern={{raw}}"},
        {},
        ["user/app:v2.0.8-beta.67"],
    ),
    (
        "tag-semver-build-metadata",
        "push_tag",
        "refs/tags/v9.5.7-alpha.2+fork.3.1.8",
        {**APP, "tags": "type=semver,pattern={{version}}\ntype=semver,pattern={{raw}}"},
        {},
        ["user/app:9.5.7-alpha.2", "user/app:v9.5.7-alpha.2-fork.3.1.8"],
    ),
    (
        "tag-semver-stable-only",
        "push_tag",
        "refs/tags/v2.0.8-beta.67",
        {**APP, "tags": "type=semver,pattern={{version}},prerelease=false\ntype=sha"},
        {},
        [f"user/app:{SHA_T}"],
    ),
    (
        "tag-semver-match-v6",
        "push_tag",
        "refs/tags/app/v1.2.3",
        {**APP, "tags": "type=semver,pattern={{version}},match=app/v(.*)"},
        {},
        ["user/app:1.2.3", "user/app:latest"],
    ),
    (
        "tag-not-semver ma:tag14",
        "push_tag",
        "refs/tags/sometag",
        {
            **APP,
            "tags": "type=ref,event=tag\ntype=semver,pattern={{version}}",
            "flavor": "latest=false",
        },
        {},
        ["user/app:sometag"],
    ),
    (
        "tag-pep440-raw ma:tag23",
        "push_tag",
        "refs/tags/v1.1.1",
        {**APP, "tags": "type=pep440,pattern={{raw}}\ntype=pep440,pattern={{major}}.{{minor}}"},
        {},
        ["user/app:v1.1.1", "user/app:1.1", "user/app:latest"],
    ),
    (
        "tag-pep440-short ma:tag24",
        "push_tag",
        "refs/tags/1.2",
        {**APP, "tags": "type=pep440,pattern={{version}}\ntype=pep440,pattern={{major}}.{{minor}}"},
        {},
        ["user/app:1.2", "user/app:latest"],
    ),
    (
        "tag-pep440-beta ma:tag25",
        "push_tag",
        "refs/tags/1.1beta2",
        {**APP, "tags": "type=pep440,pattern={{major}}.{{minor}}"},
        {},
        ["user/app:1.1b2"],
    ),
    (
        "tag-pep440-dev ma:tag26",
        "push_tag",
        "refs/tags/1.0dev4",
        {**APP, "tags": "type=pep440,pattern={{major}}"},
        {},
        ["user/app:1.0.dev4"],
    ),
    (
        "tag-pep440-post ma:tag29",
        "push_tag",
        "refs/tags/1.2post1",
        {**APP, "tags": "type=pep440,pattern={{version}}\ntype=pep440,pattern={{major}}"},
        {},
        ["user/app:1.2.post1"],
    ),
    (
        "tag-pep440-rc-raw ma:tag32",
        "push_tag",
        "refs/tags/v1.2.3rc2",
        {**APP, "tags": "type=pep440,pattern={{raw}}\ntype=pep440,pattern={{major}}.{{minor}}"},
        {},
        ["user/app:v1.2.3rc2", "user/app:1.2.3rc2"],
    ),
    (
        "tag-match ma:tag03",
        "push_tag",
        "refs/tags/20200110-RC2",
        {**APP, "tags": "type=match,pattern=\\d{8}", "flavor": "latest=false"},
        {},
        ["user/app:20200110"],
    ),
    (
        "tag-match-group ma:tag04",
        "push_tag",
        "refs/tags/20200110-RC2",
        {**APP, "tags": "type=match,pattern=(.*)-RC,group=1", "flavor": "latest=false"},
        {},
        ["user/app:20200110"],
    ),
    (
        "tag-match-anchored ma:tag06",
        "push_tag",
        "refs/tags/v1.1.1",
        {**APP, "tags": 'type=match,"pattern=^v(\\d.\\d.\\d)$",group=1'},
        {},
        ["user/app:1.1.1", "user/app:latest"],
    ),
    (
        "tag-match-groups ma:tag09",
        "push_tag",
        "refs/tags/v2.0.8-beta.67",
        {
            **APP,
            "tags": 'type=match,"pattern=v(.*)-beta.(.*)",group=1\n'
            'type=match,"pattern=v(.*)-beta.(.*)",group=2',
        },
        {},
        ["user/app:2.0.8", "user/app:67", "user/app:latest"],
    ),
    (
        "tag-match-none ma:tag10",
        "push_tag",
        "refs/tags/sometag",
        {**APP, "tags": 'type=match,"pattern=\\d.\\d"'},
        {},
        [],
    ),
    (
        "tag-match-js-literal ma:tag17",
        "push_tag",
        "refs/tags/p1/v1.0.0",
        {
            **APP,
            "tags": 'type=match,"pattern=/^v(\\d.\\d.\\d)$/ig",group=1\n'
            "type=match,pattern=\\d.\\d.\\d\ntype=match,pattern=\\d.\\d\ntype=ref,event=pr\ntype=sha",
        },
        {},
        ["user/app:1.0.0", "user/app:1.0", f"user/app:{SHA_T}", "user/app:latest"],
    ),
    (
        "tag-match-global-flag",
        "push_tag",
        "refs/tags/v1.2.3",
        {**APP, "tags": "type=match,pattern=/\\d/g,group=2"},
        {},
        ["user/app:3", "user/app:latest"],
    ),
    (
        "tag-match-named-group",
        "push_tag",
        "refs/tags/v1.2.3",
        {**APP, "tags": "type=match,pattern=/^v(?<major>\\d+)\\.(?<minor>\\d+)/,group=2"},
        {},
        ["user/app:2", "user/app:latest"],
    ),
    (
        "tag-match-missing-group ma:tag18",
        "push_tag",
        "refs/tags/p1/v1.0.0",
        {
            **APP,
            "tags": "type=match,pattern=p1/v(\\d.\\d.\\d),group=1\n"
            "type=match,pattern=p1/v(\\d.\\d),group=3",
        },
        {},
        ["user/app:1.0.0", "user/app:latest"],
    ),
    (
        "tag-raw-first ma:tag16",
        "push_tag",
        "refs/tags/v1.1.1",
        {**APP, "tags": "type=raw,priority=2000,foo\ntype=ref,event=tag\ntype=edge"},
        {},
        ["user/app:foo", "user/app:v1.1.1"],
    ),
    (
        "tag-suffix-onlatest ma:tag21",
        "push_tag",
        "refs/tags/v1.1.1",
        {**APP, "tags": "type=semver,pattern={{version}}", "flavor": "suffix=-dev,onlatest=true"},
        {},
        ["user/app:1.1.1-dev", "user/app:latest-dev"],
    ),
    (
        "tag-prefix-suffix-onlatest ma:tag22",
        "push_tag",
        "refs/tags/v1.1.1",
        {
            **APP,
            "tags": "type=semver,pattern={{version}}",
            "flavor": "prefix=foo-,onlatest=true\nsuffix=-dev,onlatest=true",
        },
        {},
        ["user/app:foo-1.1.1-dev", "user/app:foo-latest-dev"],
    ),
    (
        "tag-latest-false ma:latest07",
        "push_tag",
        "refs/tags/v1.1.1",
        {**APP, "flavor": "latest=false"},
        {},
        ["user/app:v1.1.1"],
    ),
    (
        "tag-expressions ma:tag20",
        "push_tag",
        "refs/tags/v1.1.1",
        {
            **APP,
            "tags": "type=raw,{{tag}}-{{sha}}-foo\ntype=raw,defbranch-foo,enable={{is_default_branch}}",
        },
        {},
        ["user/app:v1.1.1-6113728-foo"],
    ),
    # pull requests
    ("pr-default ma:pr01", "pull_request", None, APP, {}, ["user/app:pr-2"]),
    (
        "pr-sha ma:pr03",
        "pull_request",
        None,
        {**APP, "tags": "type=ref,event=pr\ntype=sha"},
        {},
        ["user/app:pr-2", "user/app:sha-ec26c3e"],
    ),
    (
        "pr-flavor ma:pr05",
        "pull_request",
        None,
        {**APP, "tags": "type=ref,event=pr", "flavor": "prefix=glo-\nsuffix=-bal"},
        {},
        ["user/app:pr-2-bal"],
    ),
    (
        "pr-flavor-empty-prefix ma:pr06",
        "pull_request",
        None,
        {**APP, "tags": "type=ref,event=pr,prefix=", "flavor": "prefix=glo-\nsuffix=-bal"},
        {},
        ["user/app:2-bal"],
    ),
    (
        "pr-base-ref ma:pr11",
        "pull_request",
        None,
        {
            **APP,
            "tags": "type=raw,value=mytag-{{base_ref}}\ntype=raw,mytag-defbranch,enable={{is_default_branch}}",
        },
        {},
        ["user/app:mytag-master"],
    ),
    (
        "pr-head-ref",
        "pull_request",
        None,
        {**APP, "tags": "type=raw,value=src-{{head_ref}}"},
        {},
        ["user/app:src-changes"],
    ),
    (
        "pr-merge-commit",
        "pull_request_closed",
        None,
        {**APP, "tags": "type=sha"},
        {},
        ["user/app:sha-c4295bd"],
    ),
    (
        "pr-head-sha ma:pr-head-sha/pr03",
        "pull_request_closed",
        None,
        {**APP, "tags": "type=sha"},
        {"DOCKER_METADATA_PR_HEAD_SHA": "true"},
        ["user/app:sha-ec26c3e"],
    ),
    (
        "pr-target ma:pr07",
        "pull_request_target",
        None,
        {**APP, "tags": "type=sha,priority=2000\ntype=ref,event=pr"},
        {},
        ["user/app:sha-f95f852", "user/app:pr-2"],
    ),
    (
        "pr-target-refs ma:pr09",
        "pull_request_target",
        None,
        {**APP, "tags": "type=ref,event=tag\ntype=ref,event=pr\ntype=ref,event=branch\ntype=sha"},
        {},
        ["user/app:pr-2", "user/app:sha-f95f852"],
    ),
    # schedule, release, workflow_dispatch, merge_group, no event
    (
        "schedule-default ma:schedule01",
        "schedule",
        None,
        APP,
        {},
        ["user/app:nightly", "user/app:main"],
    ),
    (
        "schedule-dates ma:schedule02",
        "schedule",
        None,
        {
            **APP,
            "tags": "type=schedule,pattern={{date 'YYYYMMDD'}}\n"
            "type=schedule,pattern=source-date-{{commit_date 'YYYY-MM-DD'}}",
        },
        {},
        ["user/app:20200110", "user/app:source-date-2020-01-10"],
    ),
    (
        "schedule-tz ma:schedule08",
        "schedule",
        None,
        {**APP, "tags": "type=schedule,pattern={{date 'YYYYMMDD-HHmmss' tz='Asia/Tokyo'}}"},
        {},
        ["user/app:20200110-093000"],
    ),
    (
        "schedule-priority ma:schedule06",
        "schedule",
        None,
        {
            **APP,
            "tags": "type=schedule\ntype=sha,priority=2000\ntype=raw,value=defbranch,enable={{is_default_branch}}",
        },
        {},
        [
            f"user/app:sha-{placeholder_sha('refs/heads/main')[:7]}",
            "user/app:nightly",
            "user/app:defbranch",
        ],
    ),
    (
        "schedule-flavor ma:schedule07",
        "schedule",
        None,
        {**APP, "tags": "type=schedule", "flavor": "prefix=glo-\nsuffix=-bal"},
        {},
        ["user/app:glo-nightly-bal"],
    ),
    (
        "release-default ma:release01",
        "release",
        None,
        APP,
        {},
        ["user/app:0.0.1", "user/app:latest"],
    ),
    (
        "release-expressions ma:release02",
        "release",
        None,
        {
            **APP,
            "tags": "type=ref,event=tag\ntype=raw,value=baseref-{{base_ref}}\n"
            "type=raw,value=defbranch,enable={{is_default_branch}}",
        },
        {},
        ["user/app:0.0.1", "user/app:baseref-", "user/app:latest"],
    ),
    (
        "release-semver",
        "release",
        None,
        {**APP, "tags": "type=semver,pattern={{version}}\ntype=semver,pattern={{major}}.{{minor}}"},
        {},
        ["user/app:0.0.1", "user/app:0.0", "user/app:latest"],
    ),
    ("dispatch-default", "workflow_dispatch", None, APP, {}, ["user/app:main"]),
    ("merge-group-default", "merge_group", None, APP, {}, ["user/app:pr-104"]),
    (
        "merge-group-base",
        "merge_group",
        None,
        {
            **APP,
            "tags": "type=ref,event=branch\ntype=ref,event=pr\ntype=raw,value=into-{{base_ref}}",
        },
        {},
        ["user/app:pr-104", "user/app:into-main"],
    ),
    ("empty-default ma:null01", "empty", None, APP, {}, []),
    (
        "empty-sha ma:null02",
        "empty",
        None,
        {**APP, "tags": "type=sha\ntype=raw,{{branch}}"},
        {},
        [],
    ),
]


@pytest.mark.parametrize(
    ("kind", "ref", "inputs", "env", "expected"),
    [pytest.param(*row[1:], id=row[0]) for row in VALID],
)
def test_tags(
    kind: str, ref: str | None, inputs: dict[str, str], env: dict[str, str], expected: list[str]
) -> None:
    metadata = run(kind, inputs, ref=ref, env=env)
    assert list(metadata.tags) == expected
    names = [tag.rpartition(":")[2] for tag in expected]
    assert metadata.version == (names[0] if names else "")
    assert metadata.labels["org.opencontainers.image.version"] == metadata.version


def test_edge_uses_the_payload_default_branch_without_an_api_record() -> None:
    assert run("workflow_dispatch", {**APP, "tags": "type=edge"}, repo=None).tags == (
        "user/app:edge",
    )
    assert run("workflow_dispatch", {**APP, "tags": "type=edge"}).tags == ()


@pytest.mark.parametrize(
    ("released", "latest", "warning"),
    [
        (("v1.2.3", "v1.0.0", "v3.0.0-rc.1"), True, ""),
        (("v2.0.0", "v1.2.3"), False, "older than v2.0.0"),
        ((), True, ""),
        (None, False, "tag list is unavailable"),
    ],
)
def test_latest_highest(released: tuple[str, ...] | None, latest: bool, warning: str) -> None:
    inputs: dict[str, Any] = {
        **APP,
        "tags": "type=semver,pattern={{version}}",
        "flavor": "latest=highest",
    }
    metadata = run("push_tag", inputs, ref="refs/tags/v1.2.4", released=released)
    assert metadata.latest is latest
    assert ("user/app:latest" in metadata.tags) is latest
    assert any(warning in w for w in metadata.warnings) if warning else not metadata.warnings


def test_latest_highest_ignores_prereleases_of_the_current_tag() -> None:
    inputs = {**APP, "flavor": "latest=highest"}
    metadata = run("push_tag", inputs, ref="refs/tags/v9.0.0-rc.1", released=("v1.0.0",))
    assert metadata.tags == ("user/app:v9.0.0-rc.1",)
