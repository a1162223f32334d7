"""The builder inputs: build-push-action's `builder`, setup-buildx-action's and
setup-qemu-action's settings for the builder Slipway creates."""

from __future__ import annotations

from slipway.inputs.spec.model import Input, Kind, Relation, Section, conflicts, needs

B = Section.BUILD
REMOTE = ("remote",)
CREATES = ("docker-container", "remote")
OWN_BUILDER = "configures only a builder Slipway creates, not `builder` or `driver: remote`"
OWN_BUILDER_HINT = (
    "Configure that BuildKit daemon where it runs, or leave `builder`/`driver` empty."
)


def _own_builder_only() -> tuple[Relation, ...]:
    return (
        conflicts("builder", OWN_BUILDER, OWN_BUILDER_HINT),
        conflicts("driver", OWN_BUILDER, OWN_BUILDER_HINT, other_values=REMOTE),
    )


BUILDER = (
    Input(
        "builder",
        B,
        Kind.WORD,
        "an existing buildx builder to build with (not with `driver` "
        "`docker-container`/`remote` or `endpoint`, which make one)",
        shown_default="default builder",
        example="my-builder",
        relations=(
            conflicts(
                "driver",
                "names an existing builder, so `driver` has nothing to create",
                "Leave `driver` out, or `builder`.",
                other_values=CREATES,
            ),
            conflicts(
                "endpoint",
                "names an existing builder, so `endpoint` has nothing to connect",
                "Leave `endpoint` out, or `builder`.",
            ),
        ),
    ),
    Input(
        "driver",
        B,
        Kind.CHOICE,
        "the driver of the builder Slipway creates: `docker`, "
        "`docker-container` or `remote` (with `endpoint`); on an engine with the classic image "
        "store (GitHub's hosted runners) Slipway builds with a `docker-container` builder of its "
        "own: see [On GitHub's runners](#on-githubs-runners-what-the-actions-container-sees)",
        default="docker",
        choices=("docker", "docker-container", "remote"),
        relations=(
            needs(
                "endpoint",
                "driver 'remote' needs an endpoint",
                "e.g. `endpoint: tcp://buildkitd:1234`",
                values=REMOTE,
                blame="endpoint",
            ),
        ),
    ),
    Input(
        "endpoint",
        B,
        Kind.WORD,
        "the address of a remote BuildKit daemon "
        "(`tcp://buildkitd:1234`, `unix:///path`), with `driver: remote` only",
        example="tcp://buildkitd:1234",
        relations=(
            needs(
                "driver",
                "is the address of a remote BuildKit, so it needs `driver: remote`",
                "Add `driver: remote`, or leave `endpoint` out.",
                other_values=REMOTE,
            ),
        ),
    ),
    Input(
        "buildkit-image",
        B,
        Kind.WORD,
        "the BuildKit image of the `docker-container` builder "
        "Slipway creates (`name[:tag][@digest]`); name a mirror's copy to avoid Docker Hub's "
        "rate limits",
        shown_default="buildx's (`moby/buildkit:buildx-stable-1`)",
        example="moby/buildkit:v0.25.2",
    ),
    Input(
        "driver-opts",
        B,
        Kind.LINES,
        "setup-buildx-action's `driver-opts` for that builder: "
        "`key=value` per line, after Slipway's own (`network=host`, `image=`), so yours win; "
        "a value whose key names a credential is never shown",
        sensitive="env.AWS_SECRET_ACCESS_KEY={secret}",
        example="memory=4g",
    ),
    Input(
        "buildkitd-flags",
        B,
        Kind.LINE,
        "buildkitd's own options for that builder (`--debug`), quotes balanced",
        example="--debug",
    ),
    Input(
        "binfmt-image",
        B,
        Kind.WORD,
        "the image that registers QEMU for a platform the runner "
        "cannot run (setup-qemu-action's `image`); name a mirror's copy",
        shown_default="`tonistiigi/binfmt:qemu-v8.1.5`",
        example="tonistiigi/binfmt:qemu-v8.1.5",
    ),
    Input(
        "buildkitd-config",
        B,
        Kind.WORD,
        "setup-buildx-action's buildkitd.toml for the builder "
        "Slipway creates, as a file inside the workspace (or `buildkitd-config-inline`, the "
        "TOML itself, not both). Slipway's own registry settings (the engine's mirrors, "
        "`insecure-registries`, `registry-ca`) are merged in; where you set the same key for "
        "the same registry, yours wins, and `ca` lists get both. Setting either makes Slipway "
        "build with a builder of its own even where the engine's could do",
        files=True,
        example="buildkitd.toml",
        relations=(
            *_own_builder_only(),
            conflicts(
                "buildkitd-config-inline",
                "is given together with buildkitd-config",
                "Keep one: the file (`buildkitd-config`) or the text (`buildkitd-config-inline`).",
                blame="buildkitd-config-inline",
            ),
        ),
    ),
    Input(
        "buildkitd-config-inline",
        B,
        Kind.TEXT,
        "the same as TOML text",
        example="[worker.oci]\n  max-parallelism = 4",
        relations=_own_builder_only(),
    ),
)
