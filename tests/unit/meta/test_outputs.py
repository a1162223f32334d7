"""Labels, annotations, build args and the step outputs (names, separators, json shape)."""

from __future__ import annotations

import json

from slipway.meta.config import read_metadata_config
from slipway.meta.engine import render_outputs
from slipway.meta.labels import locale_key
from tests.unit.meta.events import REPO, run

SHA = "6113728f27ae82c7b1a177c8d03f9e96e0adf246"
OCI = "org.opencontainers.image"


def test_labels_override_and_sort_like_metadata_action() -> None:
    """ma:latest09 / ma:json07: user labels win, entries without '=' are dropped, sorted."""
    inputs = {
        "images": "user/app",
        "labels": "foo\nmaintainer=CrazyMax\norg.opencontainers.image.title=MyCustom=Title\n"
        'org.opencontainers.image.description=this is a "good" example\nvendor={{branch}}',
        "annotations": "maintainer=Foo",
    }
    metadata = run("push_branch", inputs)
    assert list(metadata.labels.items()) == [
        ("maintainer", "CrazyMax"),
        (f"{OCI}.created", "2020-01-10T00:30:00.000Z"),
        (f"{OCI}.description", 'this is a "good" example'),
        (f"{OCI}.licenses", "MIT"),
        (f"{OCI}.revision", SHA),
        (f"{OCI}.source", "https://github.com/octocat/Hello-World"),
        (f"{OCI}.title", "MyCustom=Title"),
        (f"{OCI}.url", "https://github.com/octocat/Hello-World"),
        (f"{OCI}.version", "master"),
        ("vendor", "master"),
    ]
    assert metadata.annotation_values["maintainer"] == "Foo"
    assert metadata.annotation_values[f"{OCI}.title"] == "Hello-World"
    assert metadata.build_args == {
        "org_oci_version": "master",
        "org_oci_source": "https://github.com/octocat/Hello-World",
        "org_oci_revision": SHA,
        "org_oci_created": "2020-01-10T00:30:00.000Z",
    }


def test_labels_fall_back_to_the_payload_repository() -> None:
    labels = run("push_branch", {"images": "a/b"}, repo=None).labels
    assert labels[f"{OCI}.title"] == "Hello-World"
    assert labels[f"{OCI}.url"] == "https://github.com/Codertocat/Hello-World"
    assert labels[f"{OCI}.licenses"] == ""


def test_labels_without_any_repository_record_use_the_context() -> None:
    labels = run("schedule", {"images": "a/b"}, repo=None).labels
    assert labels[f"{OCI}.title"] == "Hello-World"
    assert labels[f"{OCI}.source"] == "https://github.com/octocat/Hello-World"


def test_created_honours_source_date_epoch() -> None:
    metadata = run("push_branch", {"images": "a/b"}, env={"SOURCE_DATE_EPOCH": "1700000000"})
    assert metadata.labels[f"{OCI}.created"] == "2023-11-14T22:13:20.000Z"


def test_locale_compare_order() -> None:
    keys = ["b", "B", "a.b", "a-b", "a_b", "a", "A", "1", "Z"]
    assert sorted(keys, key=locale_key) == ["1", "a", "A", "a_b", "a-b", "a.b", "b", "B", "Z"]


def test_outputs_names_separators_and_json() -> None:
    env = {
        "INPUT_IMAGES": "org/app\nghcr.io/user/app",
        "INPUT_TAGS": "type=ref,event=branch\ntype=raw,my",
        "INPUT_SEP-TAGS": ",",
        "INPUT_SEP-LABELS": ";",
        "DOCKER_METADATA_ANNOTATIONS_LEVELS": "manifest,index",
    }
    metadata = run("push_branch", {}, env=env)
    outputs = render_outputs(metadata, read_metadata_config(env))
    assert list(outputs) == ["version", "tags", "tag-names", "labels", "annotations", "json"]
    assert outputs["version"] == "master"
    assert (
        outputs["tags"] == "org/app:master,org/app:my,ghcr.io/user/app:master,ghcr.io/user/app:my"
    )
    assert outputs["tag-names"] == "master,my"
    assert outputs["labels"].split(";")[0] == f"{OCI}.created=2020-01-10T00:30:00.000Z"
    annotations = outputs["annotations"].split("\n")
    assert annotations[0] == f"manifest:{OCI}.created=2020-01-10T00:30:00.000Z"
    assert annotations[8] == f"index:{OCI}.created=2020-01-10T00:30:00.000Z"
    document = json.loads(outputs["json"])
    # metadata-action's getJSON (src/meta.ts, v5.8 and later): these keys, in this order
    assert list(document) == ["tags", "tag-names", "labels", "annotations"]
    assert document["tags"] == list(metadata.tags)
    assert document["tag-names"] == list(metadata.tag_names)
    assert document["labels"][f"{OCI}.licenses"] == REPO["license"]["spdx_id"]
    assert len(document["annotations"]) == 16
    assert '": ' not in outputs["json"]  # compact, as JSON.stringify writes it


def test_image_names_and_enable() -> None:
    metadata = run("push_branch", {"images": "name=Org/App\nname=ghcr.io/x/y,enable=false"})
    assert metadata.image_names == ("org/app",)
    assert [image.enable for image in metadata.images] == [True, False]
