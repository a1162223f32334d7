"""Invalid metadata inputs: each stops with an `InputError` naming the input and the fault."""

from __future__ import annotations

import pytest

from slipway.errors import InputError
from tests.unit.meta.events import run

APP = {"images": "user/app"}

INVALID: list[tuple[str, dict[str, str], dict[str, str], str, str]] = [
    # (id, inputs, env, input named, message pattern)
    (
        "unknown-type",
        {**APP, "tags": "type=semvar,pattern={{version}}"},
        {},
        "tags",
        "unknown tag type 'semvar'",
    ),
    (
        "semver-without-pattern",
        {**APP, "tags": "type=semver"},
        {},
        "tags",
        "needs the pattern attribute",
    ),
    (
        "match-without-pattern",
        {**APP, "tags": "type=match,group=1"},
        {},
        "tags",
        "needs the pattern attribute",
    ),
    ("ref-without-event", {**APP, "tags": "type=ref"}, {}, "tags", "needs the event attribute"),
    ("ref-bad-event", {**APP, "tags": "type=ref,event=push"}, {}, "tags", "event='push'"),
    (
        "raw-without-value",
        {**APP, "tags": "type=raw,prefix=x"},
        {},
        "tags",
        "needs the value attribute",
    ),
    ("sha-bad-format", {**APP, "tags": "type=sha,format=medium"}, {}, "tags", "format='medium'"),
    (
        "typo-attribute",
        {**APP, "tags": "type=sha,prefx=x"},
        {},
        "tags",
        "unknown attribute 'prefx'",
    ),
    ("priority-not-number", {**APP, "tags": "type=sha,priority=high"}, {}, "tags", "not a number"),
    (
        "group-not-number",
        {**APP, "tags": "type=match,pattern=v(.*),group=one"},
        {},
        "tags",
        "not a number",
    ),
    ("quote-inside-field", {**APP, "tags": 'type=raw,value=a"b'}, {}, "tags", "quote appears"),
    (
        "enable-not-boolean",
        {**APP, "tags": "type=raw,value=x,enable=yes"},
        {},
        "tags",
        "must render to true or false",
    ),
    (
        "regex-bad-flag",
        {**APP, "tags": "type=match,pattern=/v(.*)/x,value=v1"},
        {},
        "tags",
        "unknown regular expression flag 'x'",
    ),
    (
        "regex-python-only",
        {**APP, "tags": "type=match,pattern=(?P<v>.*),value=v1"},
        {},
        "tags",
        "not JavaScript",
    ),
    (
        "regex-invalid",
        {**APP, "tags": "type=match,pattern=v(,value=v1"},
        {},
        "tags",
        "invalid regular expression",
    ),
    (
        "semver-match-without-group",
        {**APP, "tags": "type=semver,pattern={{version}},match=v.*,value=v1.0.0"},
        {},
        "tags",
        "needs a capture group",
    ),
    (
        "date-unknown-zone",
        {**APP, "tags": "type=raw,value={{date 'YYYY' tz='Mars/Olympus'}}"},
        {},
        "tags",
        "unknown time zone 'Mars/Olympus'",
    ),
    (
        "date-without-format",
        {**APP, "tags": "type=raw,value={{date}}"},
        {},
        "tags",
        "needs a format",
    ),
    (
        "date-unknown-attribute",
        {**APP, "tags": "type=raw,value={{date 'YYYY' zone='UTC'}}"},
        {},
        "tags",
        "unknown attribute 'zone'",
    ),
    (
        "template-block",
        {**APP, "tags": "type=raw,value={{#if branch}}x{{/if}}"},
        {},
        "tags",
        "blocks and partials",
    ),
    ("template-unclosed", {**APP, "tags": "type=raw,value={{branch"}, {}, "tags", "not closed"),
    ("flavor-latest", {**APP, "flavor": "latest=always"}, {}, "flavor", "latest='always'"),
    ("flavor-unknown", {**APP, "flavor": "sufix=-x"}, {}, "flavor", "unknown flavor 'sufix'"),
    ("flavor-no-equals", {**APP, "flavor": "latest"}, {}, "flavor", "not a key=value"),
    ("flavor-onlatest", {**APP, "flavor": "prefix=x,onlatest=yes"}, {}, "flavor", "onlatest='yes'"),
    (
        "image-unknown-attribute",
        {"images": "name=a/b,enabled=false"},
        {},
        "images",
        "unknown image attribute 'enabled'",
    ),
    ("image-empty-name", {"images": "name=,enable=true"}, {}, "images", "image name is empty"),
    ("image-enable", {"images": "name=a/b,enable=no"}, {}, "images", "enable='no'"),
    ("label-template", {**APP, "labels": "a={{#each x}}{{/each}}"}, {}, "labels", "blocks"),
    (
        "annotation-template",
        {**APP, "annotations": "a={{date}}"},
        {},
        "annotations",
        "needs a format",
    ),
    (
        "short-sha-length",
        APP,
        {"DOCKER_METADATA_SHORT_SHA_LENGTH": "seven"},
        "DOCKER_METADATA_SHORT_SHA_LENGTH",
        "'seven' is not a positive whole number",
    ),
    (
        "annotation-level",
        APP,
        {"DOCKER_METADATA_ANNOTATIONS_LEVELS": "manifest,layer"},
        "DOCKER_METADATA_ANNOTATIONS_LEVELS",
        "'layer' is not an annotation level",
    ),
    (
        "set-output-env",
        APP,
        {"DOCKER_METADATA_SET_OUTPUT_ENV": "maybe"},
        "DOCKER_METADATA_SET_OUTPUT_ENV",
        "'maybe' is not a boolean",
    ),
    (
        "source-date-epoch",
        APP,
        {"SOURCE_DATE_EPOCH": "yesterday"},
        "SOURCE_DATE_EPOCH",
        "not a number of seconds",
    ),
    (
        "source-date-epoch-huge",
        APP,
        {"SOURCE_DATE_EPOCH": "99999999999999999999"},
        "SOURCE_DATE_EPOCH",
        "out of range",
    ),
    # Rules that do not apply to a branch push are still checked on it: a broken pattern
    # must not wait for the first release.
    (
        "semver-pattern-unclosed",
        {**APP, "tags": "type=semver,pattern={{version"},
        {},
        "tags",
        "not closed",
    ),
    (
        "pep440-pattern-block",
        {**APP, "tags": "type=pep440,pattern={{#if x}}{{/if}}"},
        {},
        "tags",
        "blocks and partials",
    ),
    (
        "match-regex-on-a-push",
        {**APP, "tags": "type=match,pattern=v([0-9]+"},
        {},
        "tags",
        "invalid regular expression",
    ),
    (
        "prefix-unclosed",
        {**APP, "tags": "type=ref,event=tag,prefix={{sha"},
        {},
        "tags",
        "not closed",
    ),
]


@pytest.mark.parametrize(
    ("inputs", "env", "name", "message"), [pytest.param(*row[1:], id=row[0]) for row in INVALID]
)
def test_invalid(inputs: dict[str, str], env: dict[str, str], name: str, message: str) -> None:
    with pytest.raises(InputError, match=message) as caught:
        run("push_branch", inputs, env=env)
    assert caught.value.name == name
