"""Reading a Bake definition (slipway.buildx.bake): real ``docker buildx bake --print``
outputs (buildx 0.29) as a table, what cannot be built here refused naming `bake-files`, and
each target's single-image inputs."""

from __future__ import annotations

import json
from typing import Any

import pytest

from slipway.buildx.bake import BakeTarget, parse_definition, print_argv, result_json, target_inputs
from slipway.commands.bake import images_of
from slipway.errors import InputError
from slipway.oci.refs import parse_image_name
from slipway.report.bake_section import BakeRow, bake_summary, target_heading

# `docker buildx bake --print` of a two-target HCL file (context, args, labels, platforms,
# a stage), as buildx 0.29.1 prints it
TWO_TARGETS = """{
  "group": {"default": {"targets": ["api", "web"]}},
  "target": {
    "api": {"context": "a", "dockerfile": "Dockerfile", "args": {"FOO": "bar", "UNSET": null},
      "labels": {"x.y": "z"}, "tags": ["127.0.0.1:5000/acme/api"], "platforms": ["linux/amd64"]},
    "web": {"context": "b", "dockerfile": "Dockerfile", "tags": ["127.0.0.1:5000/acme/web"],
      "target": "final"}
  }
}"""
# a compose file's service (buildx fills the context and Dockerfile in)
COMPOSE = '{"target": {"app": {"context": ".", "dockerfile": "Dockerfile", "no-cache": true}}}'
API = parse_image_name("127.0.0.1:5000/acme/api")

READ = [
    pytest.param(
        TWO_TARGETS,
        (
            BakeTarget(
                "api",
                "a",
                "Dockerfile",
                "",
                (("FOO", "bar"),),
                (("x.y", "z"),),
                ("linux/amd64",),
                (API,),
            ),
            BakeTarget(
                "web",
                "b",
                "Dockerfile",
                "final",
                images=(parse_image_name("127.0.0.1:5000/acme/web"),),
            ),
        ),
        id="hcl-two-targets",
    ),
    pytest.param(COMPOSE, (BakeTarget("app", no_cache=True),), id="compose-service"),
    pytest.param(
        '{"target": {"x": {"description": "only words", "pull": false}}}',
        (BakeTarget("x"),),
        id="every-field-optional",
    ),
]


@pytest.mark.parametrize(("text", "expected"), READ)
def test_read(text: str, expected: tuple[BakeTarget, ...]) -> None:
    assert parse_definition(text) == expected


def target(**body: Any) -> str:
    return json.dumps({"target": {"api": body}})


REFUSED = [
    pytest.param("not json", "no JSON", id="not-json"),
    pytest.param("[]", "not a JSON object", id="a-list"),
    pytest.param('{"group": {}}', "names no target", id="no-target"),
    pytest.param('{"target": {"api": []}}', "not an object", id="target-not-object"),
    pytest.param(target(context=5), "'context' is not a string", id="context-number"),
    pytest.param(target(args={"A": 1}), "args.A is not a string", id="arg-number"),
    pytest.param(target(args=["A=1"]), "'args' is not a map", id="args-list"),
    pytest.param(target(platforms="linux/amd64"), "not a list of strings", id="platforms-text"),
    pytest.param(target(pull="yes"), "not true or false", id="pull-text"),
    pytest.param(target(secret=["id=npm"]), "sets 'secret'", id="secret"),
    pytest.param(target(output=["type=registry"]), "sets 'output'", id="output-pushes"),
    pytest.param(target(**{"cache-to": ["type=gha"]}), "sets 'cache-to'", id="cache-to"),
    pytest.param(target(tags=["127.0.0.1:5000/acme/api:v1"]), "has a tag", id="tag-in-tags"),
    pytest.param(target(tags=["ghcr.io/acme/a b"]), "not a valid image name", id="bad-name"),
    pytest.param(
        json.dumps({"target": {"a": {"tags": ["r.io/x"]}, "b": {"tags": ["r.io/x"]}}}),
        "both publish",
        id="one-repository-twice",
    ),
]


@pytest.mark.parametrize(("text", "message"), REFUSED)
def test_refused_by_name(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message) as caught:
        parse_definition(text)
    assert caught.value.name == "bake-files"


def test_print_argv() -> None:
    assert print_argv(["a.hcl", "b.hcl"], ["api"], ["*.platform=linux/amd64"]) == [
        "docker",
        "buildx",
        "bake",
        "--print",
        "--file",
        "a.hcl",
        "--file",
        "b.hcl",
        "--set",
        "*.platform=linux/amd64",
        "--",
        "api",
    ]
    assert print_argv([], [], []) == ["docker", "buildx", "bake", "--print"]


def test_target_inputs() -> None:
    api = parse_definition(TWO_TARGETS)[0]
    step = {"bake-files": "docker-bake.hcl", "labels": "a=b", "fail-on": "HIGH", "push": "true"}
    got = target_inputs(BakeTarget(**{**api.__dict__, "args": (("Q", 'x,"y"'),)}), step, [API])
    assert got == {
        "images": "127.0.0.1:5000/acme/api",
        "context": "a",
        "file": "a/Dockerfile",
        "target": "",
        "build-args": '"Q=x,""y"""',
        "platforms": "linux/amd64",
        "labels": "a=b\nx.y=z",
        "fail-on": "HIGH",
        "push": "true",
    }
    remote = BakeTarget("r", context="https://github.com/acme/app.git#main", dockerfile="d/Df")
    assert target_inputs(remote, {}, [API])["file"] == "d/Df"  # a path inside that context


def test_images_come_from_tags_else_images_for_one_target() -> None:
    a, b = BakeTarget("a", images=(API,)), BakeTarget("b")
    web = parse_image_name("127.0.0.1:5000/acme/web")
    assert images_of([a, b], (web,)) == [(API,), (web,)]
    with pytest.raises(InputError, match="names no image") as caught:
        images_of([a, b], ())
    assert caught.value.name == "bake-files"
    with pytest.raises(InputError, match="both publish to `images`") as caught:
        images_of([a, b, BakeTarget("c")], (web,))
    assert caught.value.name == "images"
    with pytest.raises(InputError, match="same repository") as caught:
        images_of([a, b], (API,))
    assert caught.value.name == "images"


def test_result_and_summary_escape_what_the_bake_file_says() -> None:
    rows = [
        BakeRow("api", ("r.io/api",), "sha256:1", True),
        BakeRow("<img src=x>`|", ("r.io/web",), "sha256:2", False, ("CVE-1 @team [x](y)",)),
    ]
    text = bake_summary(rows, [])
    assert "| `<img src=x>'\\|` |" in text  # inert in a code span, the cell kept whole
    assert "@team" not in text
    assert "](y)" not in text
    assert "No tag was created or moved for any target" in text
    assert "Tagged, every target at once:\n- `r.io/api:1`" in bake_summary(rows[:1], ["r.io/api:1"])
    assert target_heading("a`b") == "## Bake target `a'b`\n"
    assert json.loads(result_json([("api", ["r.io/api"], "sha256:1", True, ["r.io/api:1"])])) == {
        "api": {
            "images": ["r.io/api"],
            "digest": "sha256:1",
            "passed": True,
            "tagged": ["r.io/api:1"],
        }
    }
