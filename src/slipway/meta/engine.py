"""The metadata engine: config + context (+ clock, repository, tag list passed in) -> `Metadata`.

Pure: no environment reads, no clock, no network. Behaves as docker/metadata-action
v5/v6 (tags, ``latest``, labels, annotations, outputs), plus Slipway's additions:
tag repair (`slipway.meta.tags.fix_tag`), merge queue runs as ``pr-N``,
``{{head_ref}}``, ``flavor: latest=highest`` and ``prerelease=false`` on semver rules.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from slipway.core.context import Context
from slipway.core.numbers import is_int
from slipway.errors import InputError
from slipway.meta import semver
from slipway.meta.config import MetadataConfig
from slipway.meta.expressions import derive_facts, global_scope
from slipway.meta.handlebars import TemplateError
from slipway.meta.labels import (
    base_annotations,
    build_args_from_labels,
    format_created,
    merge_annotations,
    repository_record,
)
from slipway.meta.rules import ImageEntry
from slipway.meta.tags import Engine, Version, clean_tag, compute_version

NO_VERSION = "No Docker image version has been generated. Check tags input."
NO_TAGS = "No Docker tag has been generated. Check tags input."
HIGHEST_UNKNOWN = (
    "latest=highest: the repository's tag list is unavailable, so 'latest' is not moved"
)
HIGHEST_NOT_SEMVER = "latest=highest: {value!r} is not a semver release, so 'latest' is not moved"
HIGHEST_OLDER = "latest=highest: {value} is older than {highest}, so 'latest' is not moved"
BAD_EPOCH = "{value!r} is not a number of seconds since 1970"


@dataclass(frozen=True)
class Metadata:
    """Everything the metadata step outputs and the pipeline needs."""

    version: str
    tags: tuple[str, ...]
    tag_names: tuple[str, ...]
    images: tuple[ImageEntry, ...]
    latest: bool
    labels: Mapping[str, str]
    annotation_values: Mapping[str, str]
    annotation_levels: tuple[str, ...]
    build_args: Mapping[str, str]
    warnings: tuple[str, ...]

    @property
    def image_names(self) -> tuple[str, ...]:
        """The enabled image names, lower-cased (metadata-action's sanitising)."""
        return tuple(image.name.lower() for image in self.images if image.enable)

    @property
    def annotations(self) -> tuple[str, ...]:
        """``level:key=value`` for every level in ``DOCKER_METADATA_ANNOTATIONS_LEVELS``."""
        return tuple(
            f"{level}:{key}={value}"
            for level in self.annotation_levels
            for key, value in self.annotation_values.items()
        )

    def as_json(self) -> dict[str, Any]:
        """The ``json`` output object, key for key (and in that order) metadata-action's
        ``getJSON``: ``tags``, ``tag-names``, ``labels``, ``annotations``."""
        return {
            "tags": list(self.tags),
            "tag-names": list(self.tag_names),
            "labels": dict(self.labels),
            "annotations": list(self.annotations),
        }


MAX_EPOCH = 253402300799  # 9999-12-31T23:59:59Z, the last second a timestamp can name


def created_time(env: Mapping[str, str], now: datetime) -> datetime:
    """``SOURCE_DATE_EPOCH`` when set (reproducible builds), else ``now``."""
    raw = env.get("SOURCE_DATE_EPOCH", "").strip()
    if not raw:
        return now
    if not is_int(raw):
        raise InputError(
            "SOURCE_DATE_EPOCH",
            BAD_EPOCH.format(value=raw[:40]),
            "Set it to `git log -1 --format=%ct`, or unset it.",
        )
    if not is_int(raw, high=MAX_EPOCH):
        raise InputError(
            "SOURCE_DATE_EPOCH",
            f"{raw[:30]!r} is out of range (after the year 9999)",
            "Set it to `git log -1 --format=%ct`, or unset it.",
        )
    return datetime.fromtimestamp(int(raw), tz=UTC)


def _highest(version: Version, released_tags: Sequence[str] | None) -> tuple[bool, str]:
    """Whether ``latest`` may move under ``latest=highest``, and why not."""
    if released_tags is None:
        return False, HIGHEST_UNKNOWN
    current = semver.parse(version.latest_source)
    if current is None or current.prerelease:
        return False, HIGHEST_NOT_SEMVER.format(value=version.latest_source)
    releases = [v for v in map(semver.parse, released_tags) if v and not v.prerelease]
    top = max(releases, key=semver.SemVer.sort_key, default=None)
    if top is not None and top.sort_key() > current.sort_key():
        return False, HIGHEST_OLDER.format(value=current.version, highest=top.raw)
    return True, ""


def _tag_names(config: MetadataConfig, version: Version) -> list[str]:
    if not version.main:
        return []
    names = [version.main, *version.partial]
    if version.latest:
        flavor = config.flavor
        prefix = flavor.prefix if flavor.prefix_latest else ""
        suffix = flavor.suffix if flavor.suffix_latest else ""
        names.append(clean_tag(f"{prefix}latest{suffix}"))
    return names


def _labels(
    config: MetadataConfig,
    context: Context,
    engine: Engine,
    *,
    version: str,
    created: str,
    repo: Any,
) -> tuple[dict[str, str], dict[str, str]]:
    record = repository_record(context, repo)
    base = base_annotations(record, version=version, created=created, revision=engine.facts.sha)
    result: list[dict[str, str]] = []
    for name, extra in (("labels", config.labels), ("annotations", config.annotations)):
        try:
            result.append(merge_annotations(base, extra, engine.scope))
        except TemplateError as error:
            raise InputError(name, str(error)) from None
    return result[0], result[1]


def compute_metadata(
    config: MetadataConfig,
    context: Context,
    *,
    env: Mapping[str, str],
    now: datetime,
    repo: Mapping[str, Any] | None = None,
    released_tags: Sequence[str] | None = None,
    commit_date: datetime | None = None,
) -> Metadata:
    """Compute tags, labels, annotations and build args for one run.

    ``commit_date`` is the commit's committer date from the API (as metadata-action reads
    it for ``{{commit_date}}``); without it the push payload's, else the run time, is used.
    """
    facts = derive_facts(context, pr_head_sha=config.pr_head_sha)
    if commit_date is not None:
        facts = replace(facts, commit_date=commit_date)
    record = repository_record(context, repo)
    engine = Engine(
        facts=facts,
        flavor=config.flavor,
        scope=global_scope(facts, now=now, short_sha_length=config.short_sha_length),
        default_branch=str(record.get("default_branch") or ""),
        short_sha_length=config.short_sha_length,
    )
    version = compute_version(engine, config.tags)
    warnings = list(version.warnings)
    if version.latest and config.flavor.latest == "highest":
        version.latest, why = _highest(version, released_tags)
        warnings += [why] if why else []
    names = _tag_names(config, version)
    images = tuple(i.name.lower() for i in config.images if i.enable)
    tags = [f"{image}:{name}" for image in images for name in names] if images else names
    created = format_created(created_time(env, now))
    labels, annotations = _labels(
        config, context, engine, version=version.main or "", created=created, repo=repo
    )
    warnings += [] if version.main else [NO_VERSION, NO_TAGS]
    return Metadata(
        version=version.main or "",
        tags=tuple(tags),
        tag_names=tuple(names),
        images=config.images,
        latest=bool(version.latest),
        labels=labels,
        annotation_values=annotations,
        annotation_levels=config.annotation_levels,
        build_args=build_args_from_labels(labels),
        warnings=tuple(warnings),
    )


def render_outputs(metadata: Metadata, config: MetadataConfig) -> dict[str, str]:
    """The step outputs, named and joined as metadata-action writes them."""
    return {
        "version": metadata.version,
        "tags": config.sep_tags.join(metadata.tags),
        "tag-names": config.sep_tags.join(metadata.tag_names),
        "labels": config.sep_labels.join(f"{k}={v}" for k, v in metadata.labels.items()),
        "annotations": config.sep_annotations.join(metadata.annotations),
        "json": json.dumps(metadata.as_json(), ensure_ascii=False, separators=(",", ":")),
    }


def uses_commit_date(config: MetadataConfig) -> bool:
    """True when any rule, flavor, label or annotation uses ``{{commit_date}}``."""
    return "commit_date" in repr((config.tags, config.flavor, config.labels, config.annotations))
