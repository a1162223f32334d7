"""A Bake definition, as ``docker buildx bake --print`` resolves it (pure): the argv that asks
for it, and the reading of its JSON into one `BakeTarget` per target to build.

Slipway builds each target through its own single-image pipeline (build, push by digest,
scan, gate), so only what that pipeline takes is read: the context, the Dockerfile, the
stage, the build args, the labels, the platforms, ``no-cache`` and ``pull``, and the image
names (the target's ``tags``, written without a tag: Slipway computes the tags). Every field
is optional; a field the pipeline cannot honour (``secret``, ``output``, ``cache-to``, ...) is
refused naming the input that brought it, never dropped in silence.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from slipway.errors import InputError
from slipway.oci.refs import ImageName, parse_image_name

FILES, TARGETS, SET = "bake-files", "bake-targets", "bake-set"

# Fields a target may carry that the per-target pipeline reads (the rest are refused).
READ = frozenset(
    {"context", "dockerfile", "target", "args", "labels", "platforms", "tags", "no-cache", "pull"}
)
# Fields that say nothing about what is built (or repeat what is read).
IGNORED = frozenset({"description", "inherits", "matrix", "name"})
NOT_TAKEN = (
    "Slipway builds each bake target with the step's own inputs for {field} (`secrets`, "
    "`cache-from`, `outputs`, ... apply to every target): remove `{field}` from target "
    "{target!r}, or set it through the step's input."
)
HINT = "Run `docker buildx bake --print` with the same files, targets and --set to see it."


@dataclass(frozen=True)
class BakeTarget:
    """One target to build, as the single-image pipeline takes it."""

    name: str
    context: str = "."
    dockerfile: str = "Dockerfile"  # relative to the context, as buildx reads it
    target: str = ""  # the Dockerfile stage
    args: tuple[tuple[str, str], ...] = ()
    labels: tuple[tuple[str, str], ...] = ()
    platforms: tuple[str, ...] = ()
    images: tuple[ImageName, ...] = ()  # from ``tags``: the repositories it publishes to
    no_cache: bool = False
    pull: bool = False


def print_argv(files: Sequence[str], targets: Sequence[str], sets: Sequence[str]) -> list[str]:
    """``docker buildx bake --print`` for the inputs (the JSON goes to stdout)."""
    argv = ["docker", "buildx", "bake", "--print"]
    for name in files:
        argv += ["--file", name]
    for override in sets:
        argv += ["--set", override]
    return [*argv, "--", *targets] if targets else argv


def parse_definition(text: str) -> tuple[BakeTarget, ...]:
    """The targets of ``--print``'s JSON, in its order; an `InputError` naming `bake-files`
    for what cannot be read or built here."""
    try:
        document = json.loads(text)
    except ValueError:
        raise InputError(FILES, "buildx printed no JSON definition", HINT) from None
    if not isinstance(document, Mapping):
        raise InputError(FILES, "the definition is not a JSON object", HINT)
    raw = document.get("target") or {}
    if not isinstance(raw, Mapping) or not raw:
        raise InputError(FILES, "the definition names no target", HINT)
    targets = tuple(_target(str(name), body) for name, body in raw.items())
    _check_distinct(targets)
    return targets


def _target(name: str, body: Any) -> BakeTarget:
    if not isinstance(body, Mapping):
        raise InputError(FILES, f"target {name!r} is not an object", HINT)
    for field in body:
        if field not in READ and field not in IGNORED:
            raise InputError(
                FILES, f"target {name!r} sets {field!r}", NOT_TAKEN.format(field=field, target=name)
            )
    return BakeTarget(
        name=name,
        context=_text(name, body, "context") or ".",
        dockerfile=_text(name, body, "dockerfile") or "Dockerfile",
        target=_text(name, body, "target"),
        args=_pairs(name, body, "args"),
        labels=_pairs(name, body, "labels"),
        platforms=_texts(name, body, "platforms"),
        images=_images(name, _texts(name, body, "tags")),
        no_cache=_flag(name, body, "no-cache"),
        pull=_flag(name, body, "pull"),
    )


def _text(name: str, body: Mapping[str, Any], field: str) -> str:
    value = body.get(field)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InputError(FILES, f"target {name!r}: {field!r} is not a string", HINT)
    return value


def _texts(name: str, body: Mapping[str, Any], field: str) -> tuple[str, ...]:
    value = body.get(field)
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InputError(FILES, f"target {name!r}: {field!r} is not a list of strings", HINT)
    return tuple(dict.fromkeys(value))


def _pairs(name: str, body: Mapping[str, Any], field: str) -> tuple[tuple[str, str], ...]:
    """A map of strings; a null value (an arg declared without one) is left out, as buildx does."""
    value = body.get(field)
    if value is None:
        return ()
    if not isinstance(value, Mapping):
        raise InputError(FILES, f"target {name!r}: {field!r} is not a map", HINT)
    pairs: list[tuple[str, str]] = []
    for key, item in value.items():
        if item is None:
            continue
        if not isinstance(item, str):
            raise InputError(FILES, f"target {name!r}: {field}.{key} is not a string", HINT)
        pairs.append((str(key), item))
    return tuple(pairs)


def _flag(name: str, body: Mapping[str, Any], field: str) -> bool:
    value = body.get(field)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise InputError(FILES, f"target {name!r}: {field!r} is not true or false", HINT)
    return value


def _images(name: str, tags: Sequence[str]) -> tuple[ImageName, ...]:
    images: list[ImageName] = []
    for tag in tags:
        try:
            image = parse_image_name(tag.lower())
        except ValueError as error:
            raise InputError(
                FILES,
                f"target {name!r}: tags: {error}",
                "In a bake file, `tags` names the repositories a target publishes to "
                '(`tags = ["ghcr.io/acme/api"]`); Slipway computes the tags from `tags` rules.',
            ) from None
        if image not in images:
            images.append(image)
    return tuple(images)


def _check_distinct(targets: Sequence[BakeTarget]) -> None:
    """Two targets publishing to one repository would race for its tags."""
    seen: dict[ImageName, str] = {}
    for target in targets:
        for image in target.images:
            if image in seen:
                raise InputError(
                    FILES,
                    f"targets {seen[image]!r} and {target.name!r} both publish {image}",
                    "Give each target repositories of its own in its `tags`.",
                )
            seen[image] = target.name


def _quoted(item: str) -> str:
    """One item of a list input, quoted when it holds what would split it (README: lists)."""
    if any(c in item for c in '",\n\r') or item != item.strip():
        return '"' + item.replace('"', '""') + '"'
    return item


def target_inputs(
    target: BakeTarget, step: Mapping[str, str], images: Sequence[ImageName]
) -> dict[str, str]:
    """The single-image inputs of ``target``'s run: ``step``'s own inputs (by name; `labels`,
    `no-cache`, `pull` for every target) with the target's build settings and ``images``.

    The Dockerfile is the context's (as buildx reads ``dockerfile``), or a path inside a
    remote context as it is."""
    remote = "://" in target.context or target.context.startswith("git@")
    dockerfile = target.dockerfile
    if not remote and not dockerfile.startswith("/"):
        dockerfile = str(PurePosixPath(target.context) / dockerfile)
    labels = [line for line in step.get("labels", "").splitlines() if line.strip()]
    labels += [_quoted(f"{k}={v}") for k, v in target.labels]
    values = {
        **step,
        "images": "\n".join(str(image) for image in images),
        "context": target.context,
        "file": dockerfile,
        "target": target.target,
        "build-args": "\n".join(_quoted(f"{k}={v}") for k, v in target.args),
        "platforms": ",".join(target.platforms),
        "labels": "\n".join(labels),
    }
    if target.no_cache:
        values["no-cache"] = "true"
    if target.pull:
        values["pull"] = "true"
    for name in (FILES, TARGETS, SET):
        values.pop(name, None)
    return values


def result_json(results: Sequence[tuple[str, Sequence[str], str, bool, Sequence[str]]]) -> str:
    """The `bake-result` output: target -> {images, digest, passed, tagged}."""
    return json.dumps(
        {
            name: {
                "images": list(images),
                "digest": digest,
                "passed": passed,
                "tagged": list(tagged),
            }
            for name, images, digest, passed, tagged in results
        },
        sort_keys=True,
    )
