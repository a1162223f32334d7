"""``docker buildx build``: argv from the plan (pure), metadata file parsed (pure), a thin run.

A builder of Slipway's own pushes the build by digest itself (``export="push"``); otherwise
(the engine's docker driver, which cannot ``push-by-digest``, no ``push``, or a push the builder
could not finish) the build writes an OCI layout (``type=oci,tar=false``) that the registry
adapter pushes by digest. Either way no tag exists until the scan gate has passed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from slipway.buildx import attributes as buildx_csv
from slipway.core.lists import CsvError
from slipway.core.plan import Plan
from slipway.errors import BuildError
from slipway.tools.oci_layout import Descriptor, Layout
from slipway.tools.run import Runner

Export = Literal["layout", "push", "load", "outputs"]


@dataclass(frozen=True)
class BuildResult:
    """What buildx reports about the pushed (or stored) result."""

    digest: str
    metadata: dict[str, Any]
    steps: int = 0  # Dockerfile steps buildx ran or took from its cache
    cached: int = 0  # of those, from the cache
    pushed: bool = False  # the builder pushed it by digest (export "push")

    @property
    def descriptor(self) -> dict[str, Any]:
        """The OCI descriptor of the built image or index."""
        value = self.metadata.get("containerimage.descriptor")
        return value if isinstance(value, dict) else {}


def build_argv(
    plan: Plan,
    metadata_file: str,
    layout_dir: str,
    *,
    builder: str = "",
    export: Export = "layout",
) -> list[str]:
    """The ``docker buildx build`` command line for ``plan`` (no secret value in it).

    The main build writes the OCI layout only (``export="layout"``). `load` and the user's
    `outputs` are each a second, fully cached invocation of the same build: one build with
    several exporters leaves the layout's index blob out (BuildKit 0.13). The image loaded into
    the engine goes without attestations: the classic image store cannot hold an index.
    """
    # A remote context has no Dockerfile path here (plan.dockerfile ""): BuildKit reads its own
    argv = ["docker", "buildx", "build", *(["--file", plan.dockerfile] if plan.dockerfile else [])]
    argv += ["--metadata-file", metadata_file]
    if builder:
        argv += ["--builder", builder]
    if plan.platforms:
        argv += ["--platform", ",".join(str(p) for p in plan.platforms)]
    if plan.build.target:
        argv += ["--target", plan.build.target]
    for key, value in plan.labels.items():
        argv += ["--label", f"{key}={value}"]
    # A loaded image, and a one-platform build without attestations, is one manifest: there
    # is no index to annotate (BuildKit refuses "index annotations ... single platform").
    one_manifest = export == "load" or not makes_index(plan)
    annotations = [a for a in plan.annotations if not (one_manifest and a.startswith("index"))]
    argv += _repeat("--annotation", annotations)
    argv += _inputs(plan) + _switches(plan, export) + _outputs(plan, layout_dir, export)
    argv.append(plan.context)
    return argv


def _off(value: str) -> bool:
    try:
        return not value or not buildx_csv.parse_bool(value)
    except CsvError:
        return False  # attributes (mode=max, generator=...): on


def makes_index(plan: Plan) -> bool:
    """True when the build's result is an index: several platforms, or an attestation."""
    attested = not (_off(plan.provenance) and _off(plan.build.sbom)) or bool(plan.build.attests)
    return len(plan.platforms) > 1 or attested


def _inputs(plan: Plan) -> list[str]:
    """What the build reads: build args, contexts, secrets (by name), SSH, caches."""
    options = plan.build
    argv: list[str] = []
    # The org_oci_* args first, so a user's own build-args can override them.
    for key, value in [*plan.build_args.items(), *options.build_args]:
        argv += ["--build-arg", f"{key}={value}"]
    argv += _repeat("--build-context", [f"{name}={path}" for name, path in options.build_contexts])
    argv += _repeat("--secret", [f"id={sid},env={env}" for sid, env in secret_env_names(plan)])
    argv += _repeat("--secret", [f"id={sid},src={path}" for sid, path in options.secret_files])
    argv += _repeat("--ssh", options.ssh)
    argv += _repeat("--cache-from", options.cache_from)
    return argv + _repeat("--cache-to", [_ignoring_errors(e) for e in options.cache_to])


def _ignoring_errors(entry: str) -> str:
    """A cache export that fails does not fail the build (``ignore-error=true``), unless the
    entry says otherwise: the image is what counts (a long-standing build-push-action ask)."""
    if "=" not in entry:  # a bare reference: type=registry,ref=...
        entry = f"type=registry,ref={entry}"
    if buildx_csv.value_of(buildx_csv.attributes(entry), "ignore-error") is not None:
        return entry
    return f"{entry},ignore-error=true"


def _switches(plan: Plan, export: Export) -> list[str]:
    """Limits, network, cache and pull switches, and the attestations (none on a loaded
    image; ``attests`` of a type replace ``provenance``/``sbom``)."""
    options = plan.build
    argv = _repeat("--ulimit", options.ulimit) + _repeat("--add-host", options.add_hosts)
    argv += _repeat("--allow", options.allow)
    argv += _repeat("--no-cache-filter", options.no_cache_filters)
    if options.network:
        argv += ["--network", options.network]
    if options.cgroup_parent:
        argv += ["--cgroup-parent", options.cgroup_parent]
    if options.shm_size:
        argv += ["--shm-size", options.shm_size]
    if options.no_cache:
        argv.append("--no-cache")
    if options.pull:
        argv.append("--pull")
    if export == "load":
        return [*argv, "--provenance=false", "--sbom=false"]
    attested = {
        buildx_csv.value_of(buildx_csv.attributes(entry), "type") for entry in options.attests
    }
    if plan.provenance and "provenance" not in attested:
        argv.append(f"--provenance={plan.provenance}")
    if options.sbom and "sbom" not in attested:
        argv.append(f"--sbom={options.sbom}")
    return argv + _repeat("--attest", options.attests)


def _outputs(plan: Plan, layout_dir: str, export: Export) -> list[str]:
    if export == "push":  # by digest, to every image: no tag until the gate has passed
        names = buildx_csv.quote("name=" + ",".join(str(image) for image in plan.images))
        options = "push-by-digest=true,name-canonical=true,push=true,oci-mediatypes=true"
        return ["--output", f"type=image,{names},{options}"]
    if export == "layout":
        return ["--output", f"type=oci,{buildx_csv.quote('dest=' + layout_dir)},tar=false"]
    if export == "load":
        return ["--output", f"type=docker,{buildx_csv.quote('name=' + ','.join(plan.refs))}"]
    return _repeat("--output", plan.build.outputs)


def _repeat(flag: str, values: Sequence[str]) -> list[str]:
    return [part for value in values for part in (flag, value)]


def secret_env_names(plan: Plan) -> list[tuple[str, str]]:
    """(secret id, environment variable) pairs: secrets reach buildx through its environment."""
    return [(sid, f"SLIPWAY_BUILD_SECRET_{n}") for n, (sid, _) in enumerate(plan.build.secrets)]


def secret_env(plan: Plan) -> dict[str, str]:
    """The environment that carries the secret values to buildx."""
    names = dict(secret_env_names(plan))
    return {names[sid]: value for sid, value in plan.build.secrets}


_STEP = re.compile(r"^#(\d+) \[[^\]]*\d+/\d+\] ", re.MULTILINE)
_CACHED = re.compile(r"^#(\d+) CACHED$", re.MULTILINE)


def count_steps(log: str) -> tuple[int, int]:
    """(Dockerfile steps, steps from cache) in buildx's plain progress output."""
    steps = set(_STEP.findall(log))
    return len(steps), len(steps & set(_CACHED.findall(log)))


def parse_metadata(text: str) -> BuildResult:
    """Read buildx's ``--metadata-file`` JSON."""
    try:
        data: dict[str, Any] = json.loads(text or "{}")
    except ValueError as error:
        raise BuildError(f"buildx wrote an unreadable metadata file: {error}") from None
    digest = str(data.get("containerimage.digest", ""))
    return BuildResult(digest=digest, metadata=data)


def build(
    runner: Runner,
    plan: Plan,
    workdir: Path,
    layout_dir: Path | None,
    *,
    builder: str = "",
    service_env: Mapping[str, str] | None = None,
    export: Export = "layout",
) -> BuildResult:
    """Run the build into ``layout_dir`` (or, ``export="push"`` with no layout, pushed by
    digest by the builder itself); raise BuildError with buildx's last lines on failure (`PushFailed` when
    the build was done and only its push failed).

    ``layout_dir`` may hold earlier builds: BuildKit skips blobs it already has there,
    which makes a warm rebuild's export several times faster.
    """
    metadata_file = workdir / f"buildx-metadata-{export}.json"
    env = {  # secrets and the cache service: this process alone gets them
        **secret_env(plan),
        **(service_env or {}),
        "BUILDX_METADATA_WARNINGS": "1",  # BuildKit's build checks, into the metadata file
    }
    layout = str(layout_dir) if layout_dir is not None else ""
    argv = build_argv(plan, str(metadata_file), layout, builder=builder, export=export)
    result = runner.stream(argv, env=env)
    if result.returncode != 0:
        tail = "\n".join(result.stdout.strip().splitlines()[-5:])
        failed = PushFailed if export == "push" and _push_failed(result.stdout) else BuildError
        raise failed(f"docker buildx build exited with {result.returncode}:\n{tail}")
    text = metadata_file.read_text(encoding="utf-8") if metadata_file.exists() else ""
    steps, cached = count_steps(result.stdout)
    built = replace(parse_metadata(text), steps=steps, cached=cached)
    if not built.digest:
        raise BuildError("buildx reported no image digest")
    extras: list[Export] = []
    if plan.build.load:
        extras.append("load")
    if plan.build.outputs:
        extras.append("outputs")
    for extra in extras:
        argv = build_argv(
            plan, str(workdir / f"buildx-{extra}.json"), "", builder=builder, export=extra
        )
        again = runner.stream(argv, env=env)
        if again.returncode != 0:
            what = (
                "loading the image into the engine (load)"
                if extra == "load"
                else "writing `outputs`"
            )
            raise BuildError(f"{what} failed with {again.returncode}")
    return built


class PushFailed(BuildError):
    """The builder built the image but could not push it."""


_PUSH_ERROR = re.compile(
    r"failed to push|pushing|push access denied|unexpected status from (PUT|POST|HEAD)",
    re.IGNORECASE,
)


def _push_failed(output: str) -> bool:
    """True when buildx's error is about the push, not the build (the steps all ran)."""
    tail = "\n".join(output.strip().splitlines()[-12:])
    return bool(_PUSH_ERROR.search(tail)) and "did not complete successfully" not in tail


def built_top(layout: Layout, built: BuildResult) -> Descriptor:
    """The build's index in the layout: buildx's descriptor (index.json as a fallback)."""
    if built.descriptor:
        described = Descriptor.of(built.descriptor)
        if layout.path(described.digest).is_file():
            return described
    return layout.top()
