"""GITHUB_ACTION per step, as actions/runner's workflow parser names steps
(``WorkflowTemplateConverter.ConvertToSteps`` + ``IdBuilder``; tests/support/step_ids.py).

Each table is one job's steps in order, with the names the runner's rules give them."""

from __future__ import annotations

import pytest

from tests.support.step_ids import (
    ActionReference,
    StepIdError,
    StepIds,
    action_reference,
    default_name,
)

# (uses, id) per step -> GITHUB_ACTION; uses None is a `run:` script
JOBS: dict[str, list[tuple[str | None, str | None, str]]] = {
    "scripts: __run, then _2 and _3 (GitHub's docs: the second script is __run_2)": [
        (None, None, "__run"),
        (None, None, "__run_2"),
        (None, None, "__run_3"),
    ],
    "owner/repo@ref: __owner_repo, the path and the ref left out": [
        ("actions/checkout@v4", None, "__actions_checkout"),
        ("slipway/slipway@v1", None, "__slipway_slipway"),
        ("slipway/slipway/sub/dir@main", None, "__slipway_slipway_2"),
        ("actions/checkout@v5", None, "__actions_checkout_2"),
    ],
    "'-' is kept, '.' and others become '_'": [
        ("docker/build-push-action@v6", None, "__docker_build-push-action"),
        ("aquasecurity/trivy-action@0.28.0", None, "__aquasecurity_trivy-action"),
        ("my.org/the.action@v1", None, "__my_org_the_action"),
    ],
    "./ and .\\ are __self; $/path is __selfRepository": [
        ("./", None, "__self"),
        ("./.github/actions/build", None, "__self_2"),
        (".\\win", None, "__self_3"),
        ("$/.github/actions/x", None, "__selfRepository"),
    ],
    "docker:// is the image, sanitized": [
        ("docker://alpine:3.8", None, "__alpine_3_8"),
        ("docker://ghcr.io/acme/tool@sha256:ab", None, "__ghcr_io_acme_tool_sha256_ab"),
        ("docker://alpine:3.8", None, "__alpine_3_8_2"),
        ("docker://", None, "__run"),  # nothing after the prefix: "run"
    ],
    "an explicit id is the name, and takes no default's number": [
        ("slipway/slipway@v1", "build", "build"),
        ("slipway/slipway@v1", None, "__slipway_slipway"),
        (None, "lint-2", "lint-2"),
        (None, None, "__run"),
        ("slipway/slipway@v1", "_private", "_private"),
    ],
    "names are compared ignoring case": [
        ("Acme/Tool@v1", None, "__Acme_Tool"),
        ("acme/tool@v2", None, "__acme_tool_2"),
    ],
}


@pytest.mark.parametrize("steps", JOBS.values(), ids=JOBS.keys())
def test_each_step_of_a_job_gets_its_name(
    steps: list[tuple[str | None, str | None, str]],
) -> None:
    ids = StepIds()
    assert [ids.add(uses, step_id) for uses, step_id, _ in steps] == [n for *_, n in steps]


def test_a_new_job_starts_counting_again() -> None:
    first, second = StepIds(), StepIds()
    assert first.add("slipway/slipway@v1") == "__slipway_slipway"
    assert first.add("slipway/slipway@v1") == "__slipway_slipway_2"
    assert second.add("slipway/slipway@v1") == "__slipway_slipway"


def test_a_long_name_is_cut_to_100_then_numbered_within_100() -> None:
    ids = StepIds()
    image = "docker://" + "a" * 150
    first, again = ids.add(image), ids.add(image)
    assert first == "__" + "a" * 98
    assert again == "__" + "a" * 96 + "_2"
    assert len(again) == 100


def test_a_character_outside_the_basic_plane_is_two_underscores() -> None:
    """IdBuilder works per UTF-16 unit: an emoji is a surrogate pair."""
    assert StepIds().add("docker://x\N{ROCKET}y") == "__x__y"
    assert StepIds().add("docker://x\N{LATIN SMALL LETTER E WITH ACUTE}y") == "__x_y"


def test_default_names_before_sanitizing() -> None:
    assert default_name(None) == "run"
    assert default_name("owner/repo/path@ref") == "owner/repo"
    assert default_name("owner\\repo@ref") == "owner/repo"
    assert default_name("docker://busybox") == "busybox"
    assert default_name("./x") == "self"
    assert default_name("$/x") == "selfRepository"


@pytest.mark.parametrize(
    ("uses", "reference"),
    [
        ("actions/checkout@v4", ActionReference("actions/checkout", "v4")),
        ("slipway/slipway/sub@main", ActionReference("slipway/slipway", "main")),
        ("./", ActionReference()),
        ("$/.github/actions/x", ActionReference()),
        ("docker://alpine:3.8", ActionReference()),
        (None, ActionReference()),
    ],
)
def test_action_repository_and_ref(uses: str | None, reference: ActionReference) -> None:
    """ActionRunner sets github.action_repository/_ref for a repository's action only."""
    assert action_reference(uses) == reference


# --- what the parser refuses --------------------------------------------------------------
INVALID_IDS = {
    "starts with a digit": "1build",
    "starts with '-'": "-build",
    "has a dot": "build.x",
    "has a space": "build x",
    "100 characters": "a" * 100,
}


@pytest.mark.parametrize("step_id", INVALID_IDS.values(), ids=INVALID_IDS.keys())
def test_an_invalid_id_is_refused(step_id: str) -> None:
    with pytest.raises(StepIdError, match="IDs may only contain alphanumeric characters"):
        StepIds().add(step_id=step_id)


def test_an_id_of_99_characters_is_taken() -> None:
    assert StepIds().add(step_id="a" * 99) == "a" * 99


def test_a_reserved_id_is_refused() -> None:
    with pytest.raises(StepIdError, match="IDs starting with '__' are reserved"):
        StepIds().add(step_id="__run")


def test_an_id_used_twice_in_a_job_is_refused_whatever_its_case() -> None:
    ids = StepIds()
    ids.add(step_id="Build")
    with pytest.raises(StepIdError, match="may not be used more than once"):
        ids.add("slipway/slipway@v1", "build")


BAD_USES = {
    "no ref": "owner/repo",
    "empty ref": "owner/repo@",
    "no repo": "owner@v1",
    "two @": "owner/repo@v1@v2",
    "$/ alone": "$/",
}


@pytest.mark.parametrize("uses", BAD_USES.values(), ids=BAD_USES.keys())
def test_a_uses_the_parser_refuses(uses: str) -> None:
    with pytest.raises(StepIdError, match=r"Expected format \{org\}/\{repo\}\[/path\]@ref"):
        StepIds().add(uses)
