"""The policy stage (steps LINT and POLICY): the image-security practices as checks that can
fail the gate.

Dockerfile policy on the file (Slipway's own rules, ``trivy config`` and hadolint, mapped
by `slipway.policy`), on the built image configs, and on the secrets the scan found in
the layers (SW017); then the image size from the registry (`slipway.stages.size`). Runs
before the gate: what fails here is never tagged either. A missing or failing linter
does not stop the run: the checks it would have mapped are skipped, with a warning.

The lint is the run's one ``trivy config``: with `policy: none` its findings are the scan's
misconfigurations instead (`slipway.core.plan.ConfigFindings`), and a failure is then the scan's.

Compared with a baseline (the baseline step's `slipway.scan.delta.Delta`), the policy's findings
are split into new, fixed and unchanged here, and with `fail-on-scope: new` only the new ones
block (`slipway.core.gate.policy_reasons`). They also join the scan report, which is attached
to the image: that is where a later run comparing with this image finds them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from slipway.core.gate import policy_reasons
from slipway.core.plan import ConfigFindings, Plan
from slipway.dockerfile import Dockerfile, for_target, parse_dockerfile
from slipway.errors import SlipwayError
from slipway.policy.evaluate import (
    check_dockerfile,
    check_image,
    combine_results,
    drop_root_set_by_base,
    from_trivy,
)
from slipway.policy.identity import identify_misconfigurations
from slipway.policy.layer_secrets import check_scan_secrets
from slipway.policy.model import (
    Finding,
    PolicyConfig,
    PolicyFindings,
    PolicyResult,
    ToolFinding,
)
from slipway.runner import paths
from slipway.scan.combined import with_policy
from slipway.scan.findings import Misconfiguration, PlatformScan
from slipway.scan.options import DEFAULT_SCAN_TIMEOUT
from slipway.size.report import SizeReport
from slipway.stages.gate import gate_rules
from slipway.stages.registries import client
from slipway.tools import hadolint, remembered, trivy
from slipway.tools.alongside import Alongside
from slipway.tools.oci_layout import Layout
from slipway.tools.run import Runner

if TYPE_CHECKING:
    from slipway.stages import Run, State

TOOL_SKIPPED = "{tool} did not run, so the policy rules it covers were not checked: {error}"
UNREADABLE = "cannot read the Dockerfile {path}: {error}"


@dataclass(frozen=True)
class DockerfileLint:
    """The parsed Dockerfile, its findings, and warnings about checks that could not run."""

    dockerfile: Dockerfile
    result: PolicyResult
    warnings: tuple[str, ...] = ()
    misconfigurations: tuple[Misconfiguration, ...] = ()  # ConfigFindings.SCAN: the scan's


def read_dockerfile(path: Path, *, target: str = "", display_path: str = "") -> Dockerfile:
    """The Dockerfile as ``--target`` builds it, parsed once for every stage of the run
    (``display_path`` is how findings name the file)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise SlipwayError(UNREADABLE.format(path=path, error=error.strerror)) from None
    return for_target(parse_dockerfile(text, display_path or str(path)), target)


def lint_dockerfile(
    runner: Runner,
    dockerfile: Dockerfile,
    path: Path,
    work: Path,
    config: PolicyConfig,
    *,
    findings: ConfigFindings = ConfigFindings.POLICY,
    timeout: float = DEFAULT_SCAN_TIMEOUT,
    remember: Path | None = None,
) -> DockerfileLint:
    """All Dockerfile checks on ``dockerfile``, read from ``path``: ``trivy config`` once,
    its findings the policy's or (``findings``: SCAN) the scan's; hadolint for the policy."""
    last_line = max((i.end_line for i in dockerfile.instructions), default=0)

    def trivy_config() -> list[Misconfiguration]:
        report = work / "trivy-config.json"
        found = trivy.check_dockerfile(
            runner, path, report, display_path=dockerfile.path, timeout=timeout, remember=remember
        )
        # stages after --target are not built: what Trivy finds there is not in the image
        return [m for m in found if (m.start_line or 0) <= last_line]

    if findings is ConfigFindings.SCAN:  # a failure is the scan's: it stops the run
        found_now = identify_misconfigurations(trivy_config(), dockerfile)
        return DockerfileLint(dockerfile, PolicyResult(()), (), found_now)
    if findings is ConfigFindings.NONE or not config.enabled:
        return DockerfileLint(dockerfile, PolicyResult(()))
    found: list[ToolFinding] = []
    warnings: list[str] = []
    try:
        found += from_trivy(trivy_config())
    except SlipwayError as error:
        warnings.append(TOOL_SKIPPED.format(tool="trivy config", error=error.message))
    try:
        found += hadolint.lint(runner, str(path), remember)
    except SlipwayError as error:
        warnings.append(TOOL_SKIPPED.format(tool="hadolint", error=error.message))
    found = [f for f in found if f.line <= last_line]
    return DockerfileLint(dockerfile, check_dockerfile(dockerfile, found, config), tuple(warnings))


def check_images(
    check: DockerfileLint,
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
    return combine_results(dockerfile_result, image_result, secrets)


def lint(runner: Runner, plan: Plan, dockerfile: Dockerfile, work: Path) -> DockerfileLint:
    """The Dockerfile's own checks (they need no image: the pipeline runs them alongside)."""
    return lint_dockerfile(
        runner,
        dockerfile,
        Path(plan.dockerfile),
        work,
        plan.policy.policy,
        findings=plan.config_findings,
        timeout=plan.scan.timeout,
        remember=Path(plan.scan.cache_dir or paths.trivy_cache_dir(runner.env)) / remembered.FOLDER,
    )


def image_checks(
    run: Run,
    state: State,
    layout: Layout | None,
    check: DockerfileLint,
    size: SizeReport | None = None,
) -> PolicyFindings:
    """Each platform's config (from the layout, or the registry once pushed) and the scan's
    layer secrets added to the Dockerfile's findings; ``size`` (`measure_size`, when pushed)
    gated with them."""
    plan = run.plan
    for warning in check.warnings:
        run.workflow.warning(warning)
    image = plan.images[0]
    registry = client(run, image) if plan.push else None

    def read_config(manifest_digest: str) -> Mapping[str, Any]:
        if layout is not None:
            return layout.read_json(layout.read_json(manifest_digest)["config"]["digest"])
        assert registry is not None
        manifest = registry.get_manifest(image.repository, manifest_digest).json()
        return registry.get_blob_json(image.repository, manifest["config"]["digest"])

    configs = {platform: read_config(d) for platform, d in state.platform_digests.items()}
    policy = check_images(check, configs, plan.policy.policy, state.scans)
    if state.delta is not None and plan.policy.policy.enabled:
        state.delta = state.delta.with_policy(policy.findings)
    failures = list(
        policy_reasons(
            plan.scan.fail_on, policy.findings, delta=state.delta, rules=gate_rules(plan.scan)
        )
    )
    if size is not None:
        failures += size.failures
    return PolicyFindings(policy, size, check.dockerfile, tuple(failures))


def start_lint(run: Run, state: State) -> None:
    """Step LINT: the Dockerfile checks need only the Dockerfile, so they run on a thread
    while the build does; `check` collects them."""
    dockerfile = run.dockerfile
    assert dockerfile is not None
    state.lint = Alongside(run.runner, lambda quiet: lint(quiet, run.plan, dockerfile, run.work))


def check(run: Run, state: State) -> None:
    """Step POLICY: the Dockerfile's findings, the image configs', the scan's layer secrets
    and the size gates (without a Dockerfile here, a remote context: the size gates only)."""
    size = state.sizing.result() if state.sizing is not None else None
    if state.lint is None:
        failures = size.failures if size is not None else ()
        state.checks = PolicyFindings(size=size, failures=failures)
        return
    state.checks = image_checks(run, state, state.layout, state.lint.result(), size)
    if state.report_file and state.checks.policy is not None and run.plan.policy.policy.enabled:
        _report_policy(Path(state.report_file), state.checks.policy.findings)


def _report_policy(path: Path, findings: Sequence[Finding]) -> None:
    """The policy's findings added to the scan report (`with_policy`), before it is attached
    to the image: a later run that compares with the image reads them there."""
    report = json.loads(path.read_text(encoding="utf-8"))
    text = json.dumps(with_policy(report, findings), separators=(",", ":"))
    path.write_text(text + "\n", encoding="utf-8")
