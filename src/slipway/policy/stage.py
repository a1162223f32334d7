"""The policy stage: read the Dockerfile, run ``trivy config`` and hadolint, evaluate.

The only module of `slipway.policy` that reads a file or runs a program (through the
adapters). A missing or failing linter does not stop the run: the checks it would
have mapped are skipped and a warning says so (the other sources still apply).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from slipway.dockerfile import Dockerfile, for_target, parse_dockerfile
from slipway.errors import SlipwayError
from slipway.policy.evaluate import (
    check_dockerfile,
    check_image,
    drop_root_set_by_base,
    merge,
)
from slipway.policy.layer_secrets import check_scan_secrets
from slipway.policy.model import PolicyConfig, PolicyResult, ToolFinding
from slipway.scan.findings import PlatformScan
from slipway.tools import hadolint, trivy_config
from slipway.tools.run import Runner

TOOL_SKIPPED = "{tool} did not run, so the policy rules it covers were not checked: {error}"
UNREADABLE = "cannot read the Dockerfile {path}: {error}"


@dataclass(frozen=True)
class DockerfileCheck:
    """The parsed Dockerfile, its findings, and warnings about checks that could not run."""

    dockerfile: Dockerfile
    result: PolicyResult
    warnings: tuple[str, ...] = ()


def read_dockerfile(path: Path, *, target: str = "", display_path: str = "") -> Dockerfile:
    """The Dockerfile as ``--target`` builds it, parsed once for every stage of the run
    (``display_path`` is how findings name the file)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise SlipwayError(UNREADABLE.format(path=path, error=error.strerror)) from None
    return for_target(parse_dockerfile(text, display_path or str(path)), target)


def lint_dockerfile(
    runner: Runner, dockerfile: Dockerfile, path: Path, work: Path, config: PolicyConfig
) -> DockerfileCheck:
    """All Dockerfile checks on ``dockerfile``, read from ``path``."""
    if not config.enabled:
        return DockerfileCheck(dockerfile, PolicyResult(()))
    found: list[ToolFinding] = []
    warnings: list[str] = []
    try:
        found += trivy_config.check_dockerfile(runner, path, work / "trivy-config.json")
    except SlipwayError as error:
        warnings.append(TOOL_SKIPPED.format(tool="trivy config", error=error.message))
    try:
        found += hadolint.lint_dockerfile(runner, str(path))
    except SlipwayError as error:
        warnings.append(TOOL_SKIPPED.format(tool="hadolint", error=error.message))
    last_line = max((i.end_line for i in dockerfile.instructions), default=0)
    found = [f for f in found if f.line <= last_line]  # stages after --target are not built
    return DockerfileCheck(dockerfile, check_dockerfile(dockerfile, found, config), tuple(warnings))


def check_images(
    check: DockerfileCheck,
    image_configs: Mapping[str, Mapping[str, Any]],
    config: PolicyConfig,
    scans: Sequence[PlatformScan] = (),
) -> PolicyResult:
    """The Dockerfile's findings, the image-config findings of every platform, and the
    secrets the scan found in the layers (SW017)."""
    if not config.enabled:
        return check.result
    dockerfile_result = drop_root_set_by_base(check.result, check.dockerfile, image_configs)
    image_result = check_image(check.dockerfile, image_configs, config, dockerfile_result)
    secrets = check_scan_secrets(scans, check.dockerfile, config)
    return merge(dockerfile_result, image_result, secrets)
