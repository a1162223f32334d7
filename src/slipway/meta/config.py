"""The metadata inputs and switches, read from the action's environment.

Inputs have metadata-action's names (``images``, ``tags``, ``flavor``, ``labels``,
``annotations``, ``sep-*``, ``github-token``) and its ``DOCKER_METADATA_*`` switches.
`read_metadata_config` is pure: it takes the environment mapping and raises
`InputError` naming the input or variable at fault.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from slipway.buildx.attributes import parse_bool
from slipway.core.lists import CsvError, metadata_list
from slipway.core.numbers import NumberError, parse_int
from slipway.errors import InputError
from slipway.meta.rules import Flavor, ImageEntry, TagRule, parse_flavor, parse_images, parse_tags

DEFAULT_SHORT_SHA_LENGTH = 7
ANNOTATION_LEVELS = ("manifest", "index", "manifest-descriptor", "index-descriptor")
_LEVEL = re.compile(r"^(?:manifest|index|manifest-descriptor|index-descriptor)(?:\[[^\]]+\])?$")

BAD_SHORT_SHA = "{value!r} is not a positive whole number"
BAD_LEVEL = "{value!r} is not an annotation level"
BAD_BOOL = "{value!r} is not a boolean"
LEVELS_HINT = (
    "Use a comma-separated list of manifest, index, manifest-descriptor, index-descriptor, e.g.\n"
    "  env:\n    DOCKER_METADATA_ANNOTATIONS_LEVELS: manifest,index"
)


@dataclass(frozen=True)
class MetadataConfig:
    """Everything that shapes tags, labels and annotations, validated."""

    images: tuple[ImageEntry, ...] = ()
    tags: tuple[TagRule, ...] = ()
    flavor: Flavor = field(default_factory=Flavor)
    labels: tuple[str, ...] = ()
    annotations: tuple[str, ...] = ()
    sep_tags: str = "\n"
    sep_labels: str = "\n"
    sep_annotations: str = "\n"
    github_token: str = ""
    pr_head_sha: bool = False
    short_sha_length: int = DEFAULT_SHORT_SHA_LENGTH
    annotation_levels: tuple[str, ...] = ("manifest",)
    set_output_env: bool = True


def _input(env: Mapping[str, str], name: str, *, trim: bool = True) -> str:
    """``core.getInput(name)``: ``INPUT_<NAME>`` (spaces -> ``_``, upper case, hyphens kept)."""
    value = env.get("INPUT_" + name.replace(" ", "_").upper(), "")
    return value.strip() if trim else value


def _short_sha_length(env: Mapping[str, str]) -> int:
    raw = env.get("DOCKER_METADATA_SHORT_SHA_LENGTH", "")
    if not raw:
        return DEFAULT_SHORT_SHA_LENGTH
    try:
        return parse_int(raw.strip(), low=1)
    except NumberError:
        raise InputError(
            "DOCKER_METADATA_SHORT_SHA_LENGTH",
            BAD_SHORT_SHA.format(value=raw[:40]),
            "Example:\n  env:\n    DOCKER_METADATA_SHORT_SHA_LENGTH: 12",
        ) from None


def _annotation_levels(env: Mapping[str, str]) -> tuple[str, ...]:
    raw = env.get("DOCKER_METADATA_ANNOTATIONS_LEVELS", "") or "manifest"
    levels = tuple(level.strip() for level in raw.split(","))
    for level in levels:
        if not _LEVEL.match(level):
            raise InputError(
                "DOCKER_METADATA_ANNOTATIONS_LEVELS", BAD_LEVEL.format(value=level), LEVELS_HINT
            )
    return levels


def _set_output_env(env: Mapping[str, str]) -> bool:
    raw = env.get("DOCKER_METADATA_SET_OUTPUT_ENV", "")
    if not raw:
        return True
    try:  # Go's strconv.ParseBool, which actions-toolkit's Util.parseBool mirrors
        return parse_bool(raw)
    except CsvError:
        raise InputError(
            "DOCKER_METADATA_SET_OUTPUT_ENV", BAD_BOOL.format(value=raw), "Use true or false."
        ) from None


def read_metadata_config(env: Mapping[str, str]) -> MetadataConfig:
    """Read and validate the metadata inputs and switches from the environment."""
    return MetadataConfig(
        images=parse_images(_input(env, "images")),
        tags=parse_tags(_input(env, "tags")),
        flavor=parse_flavor(_input(env, "flavor")),
        labels=tuple(metadata_list(_input(env, "labels"))),
        annotations=tuple(metadata_list(_input(env, "annotations"))),
        sep_tags=_input(env, "sep-tags", trim=False) or "\n",
        sep_labels=_input(env, "sep-labels", trim=False) or "\n",
        sep_annotations=_input(env, "sep-annotations", trim=False) or "\n",
        github_token=_input(env, "github-token"),
        # metadata-action tests /true/i, so any value containing "true" switches it on.
        pr_head_sha="true" in env.get("DOCKER_METADATA_PR_HEAD_SHA", "").lower(),
        short_sha_length=_short_sha_length(env),
        annotation_levels=_annotation_levels(env),
        set_output_env=_set_output_env(env),
    )
