"""The bake inputs, as docker/bake-action names them (several images in one step)."""

from __future__ import annotations

from slipway.inputs.spec.model import GIVEN, Input, Kind, Relation, Section, conflicts, needs

K = Section.BAKE
TRUE = ("true",)
SINGLE = "belongs to one build; with bake-files each target's comes from the bake definition"
SINGLE_HINT = "Set it in the bake file's target, or with `bake-set` (`api.args.VERSION=1.2`)."
NEEDS_FILES = needs(
    "bake-files",
    "names what to take from a bake definition, so it needs bake-files",
    "Add `bake-files: docker-bake.hcl`.",
    blame="bake-files",
)


def _single(name: str, values: tuple[str, ...] = (GIVEN,)) -> Relation:
    return conflicts(name, SINGLE, SINGLE_HINT, other_values=values, blame=name)


BAKE = (
    Input(
        "bake-files",
        K,
        Kind.LIST,
        "Bake definition files (`docker-bake.hcl`, "
        "`compose.yaml`, JSON) inside the workspace, comma- or line-separated; with it, each "
        "target is built, pushed by digest, scanned and gated, and tags move only when every "
        "target passed (not with `context`, `file`, `target`, `build-args`, `build-contexts`, "
        "`platforms`, `push-by-digest`, `merge-digests`, `tag-on-gate-failure`)",
        shown_default="(no bake)",
        files=True,
        example="docker-bake.hcl",
        relations=(
            *(
                _single(name)
                for name in (
                    "file",
                    "target",
                    "build-args",
                    "build-contexts",
                    "platforms",
                    "merge-digests",
                )
            ),
            _single("push-by-digest", TRUE),
            _single("tag-on-gate-failure", TRUE),
        ),
    ),
    Input(
        "bake-targets",
        K,
        Kind.LIST,
        "the targets or groups to build (needs `bake-files`), comma- or line-separated",
        shown_default="the `default` group",
        example="api,web",
        relations=(NEEDS_FILES,),
    ),
    Input(
        "bake-set",
        K,
        Kind.LINES,
        "overrides, `target.key=value` per line, as buildx's "
        "`--set` (`*.platform=linux/amd64,linux/arm64`, `api.args.VERSION=1.2`; needs "
        "`bake-files`)",
        example="*.platform=linux/amd64",
        relations=(NEEDS_FILES,),
    ),
)
