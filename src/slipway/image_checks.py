"""The seed's image guidance as a stage: Dockerfile policy on the file and the built
image configs, and image size from the registry (with the base-branch delta).

Runs after the push (sizes are read from the registry, layers streamed, never pulled)
and before the gate: blocking policy findings and size-gate failures break it like
vulnerabilities do, so an image that fails them is never tagged either.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from slipway.context import Context
from slipway.dockerfile import Dockerfile
from slipway.inputs import Inputs
from slipway.plan import Plan
from slipway.policy.model import PolicyResult
from slipway.policy.stage import DockerfileCheck, check_images, lint_dockerfile
from slipway.scan.findings import PlatformScan
from slipway.size.measure import LayerCache
from slipway.size.stage import SizeReport, analyse_size, baseline_reference
from slipway.tools.registry import RegistryClient
from slipway.tools.run import Runner

POLICY_BLOCKS = "{count} Dockerfile policy finding(s) at or above {fail_on}"


@dataclass(frozen=True)
class ImageChecks:
    """What the policy and size checks found, and why (if) they fail the gate."""

    policy: PolicyResult | None = None
    size: SizeReport | None = None
    dockerfile: Dockerfile | None = None
    failures: tuple[str, ...] = ()


def lint(
    runner: Runner, inputs: Inputs, plan: Plan, dockerfile: Dockerfile, work: Path
) -> DockerfileCheck:
    """The Dockerfile's own checks (they need no image: the pipeline runs them alongside)."""
    return lint_dockerfile(runner, dockerfile, Path(plan.dockerfile), work, inputs.policy.policy)


def run_image_checks(
    runner: Runner,
    inputs: Inputs,
    plan: Plan,
    context: Context,
    *,
    check: DockerfileCheck,
    platform_digests: Mapping[str, str],
    read_config: Callable[[str], Mapping[str, Any]],
    client: RegistryClient | None,
    digest: str,
    scans: Sequence[PlatformScan] = (),
    layer_cache: LayerCache | None = None,
) -> ImageChecks:
    """Add each platform's config to the Dockerfile's findings; measure sizes when pushed."""
    for warning in check.warnings:
        runner.workflow.warning(warning)
    configs = {platform: read_config(d) for platform, d in platform_digests.items()}
    policy = check_images(check, configs, inputs.policy.policy, scans)
    failures: list[str] = []
    blocking = policy.blocking(plan.scan.fail_on)
    if blocking:
        failures.append(POLICY_BLOCKS.format(count=len(blocking), fail_on=plan.scan.fail_on))
    size = None
    if client is not None and plan.images:
        baseline = baseline_reference(
            inputs.policy.size_baseline, context.event_name, context.base_ref
        )
        size = analyse_size(
            client,
            plan.images[0].repository,
            digest,
            check.dockerfile,
            baseline_ref=baseline,
            limits=inputs.policy.limits,
            cache=layer_cache,
        )
        failures += size.failures
    return ImageChecks(policy, size, check.dockerfile, tuple(failures))


POLICY_DOCS = "https://github.com/slipway/slipway#image-policy-and-image-size"


def policy_sarif_findings(
    checks: ImageChecks,
) -> list[tuple[str, str, str, str, str, str, int | None]]:
    """The policy findings as SARIF results (``scan.sarif.add_results``); INFO is advice."""
    if checks.policy is None:
        return []
    return [
        (f.id, f.title, f.severity, POLICY_DOCS, f"{f.title}. Fix: {f.fix}", f.file, f.line or None)
        for f in checks.policy.findings
        if f.severity != "INFO"
    ]
