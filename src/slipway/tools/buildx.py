"""``docker buildx build``: argv from the plan (pure), metadata file parsed (pure), a thin run.

The build always writes an OCI layout (``type=oci,tar=false``); the registry adapter
pushes it by digest (buildx's docker driver cannot ``push-by-digest``), so no tag
exists until the scan gate has passed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from slipway.errors import BuildError
from slipway.plan import Plan
from slipway.tools.run import Runner


@dataclass(frozen=True)
class BuildResult:
    """What buildx reports about the pushed (or stored) result."""

    digest: str
    metadata: dict[str, Any]


def _quote_csv(value: str) -> str:
    """Quote a value for buildx's CSV-style ``--output`` option when needed."""
    if any(ch in value for ch in ',"\n'):
        return '"' + value.replace('"', '""') + '"'
    return value


def build_argv(plan: Plan, metadata_file: str, layout_dir: str) -> list[str]:
    """The ``docker buildx build`` command line for ``plan``."""
    argv = [
        "docker",
        "buildx",
        "build",
        "--file",
        plan.dockerfile,
        "--metadata-file",
        metadata_file,
    ]
    if plan.platforms:
        argv += ["--platform", ",".join(str(p) for p in plan.platforms)]
    for key, value in plan.labels.items():
        argv += ["--label", f"{key}={value}"]
    for key, value in plan.build_args.items():
        argv += ["--build-arg", f"{key}={value}"]
    argv += ["--output", f"type=oci,{_quote_csv('dest=' + layout_dir)},tar=false", plan.context]
    return argv


def parse_metadata(text: str) -> BuildResult:
    """Read buildx's ``--metadata-file`` JSON."""
    try:
        data: dict[str, Any] = json.loads(text or "{}")
    except ValueError as error:
        raise BuildError(f"buildx wrote an unreadable metadata file: {error}") from None
    digest = str(data.get("containerimage.digest", ""))
    return BuildResult(digest=digest, metadata=data)


def build(runner: Runner, plan: Plan, workdir: Path) -> BuildResult:
    """Run the build; raise BuildError with buildx's own last lines on failure."""
    metadata_file = workdir / "buildx-metadata.json"
    result = runner.stream(build_argv(plan, str(metadata_file), str(workdir / "layout")))
    if result.returncode != 0:
        tail = "\n".join(result.stdout.strip().splitlines()[-5:])
        raise BuildError(f"docker buildx build exited with {result.returncode}:\n{tail}")
    text = metadata_file.read_text(encoding="utf-8") if metadata_file.exists() else ""
    built = parse_metadata(text)
    if not built.digest:
        raise BuildError("buildx reported no image digest")
    return built
