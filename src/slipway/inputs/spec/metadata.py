"""The metadata inputs, as docker/metadata-action names them."""

from __future__ import annotations

from slipway.inputs.spec.model import Input, Kind, Section

M = Section.METADATA

METADATA = (
    Input(
        "images",
        M,
        Kind.LINES,
        "image names, one per line (`name=...,enable=...` works), "
        "no tag: `registry/namespace/name` in lower case, 255 characters at most",
        shown_default="(required)",
        example="ghcr.io/acme/app",
    ),
    Input(
        "tags",
        M,
        Kind.LINES,
        "tag rules, one per line (`type=ref,event=branch`, "
        "`type=semver,pattern={{version}}`, ...); templates and `type=match` patterns are "
        "compiled whatever the event; `priority=` is a number as JavaScript reads it",
        shown_default="metadata-action's defaults",
        example="type=ref,event=branch",
    ),
    Input(
        "flavor",
        M,
        Kind.LINES,
        "`latest=` (`auto`, `true`, `false`, `highest`), `prefix=`, `suffix=`, `onlatest=`",
        shown_default="`latest=auto`",
        example="latest=auto",
    ),
    Input(
        "labels",
        M,
        Kind.LINES,
        "extra or overriding labels, `key=value` per line",
        example="org.opencontainers.image.vendor=Acme",
    ),
    Input(
        "annotations",
        M,
        Kind.LINES,
        "extra or overriding annotations, `key=value` per line "
        "(`index:`, `manifest:` prefixes pick the level)",
        example="org.opencontainers.image.vendor=Acme",
    ),
    Input(
        "sep-tags",
        M,
        Kind.ANY,
        "separator of the `tags` output (any text)",
        shown_default="newline",
        example=",",
    ),
    Input(
        "sep-labels",
        M,
        Kind.ANY,
        "separator of the `labels` output (any text)",
        shown_default="newline",
        example=",",
    ),
    Input(
        "sep-annotations",
        M,
        Kind.ANY,
        "separator of the `annotations` output (any text)",
        shown_default="newline",
        example=",",
    ),
    Input(
        "github-token",
        M,
        Kind.TOKEN,
        "GitHub API token (repository facts, the pull-request "
        "comment, the check run, code scanning); one word, no whitespace; masked",
        default="${{ github.token }}",
        sensitive="{secret}",
        example="ghs_" + "x" * 36,
    ),
)
