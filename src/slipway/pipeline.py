"""The stages of one run, in the order that never tags what fails the gate.

build + push by digest -> read the index -> scan every platform -> gate ->
tag (only when the gate passes) -> summary and outputs -> exit status.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from slipway import gha_cache, image_checks, mounts, paths
from slipway.alongside import Alongside
from slipway.context import Context, load_event, read_context
from slipway.dockerfile import Dockerfile
from slipway.errors import GateFailed, InputError, RegistryError, SlipwayError
from slipway.gate import gate_failures
from slipway.github import load_repository_facts
from slipway.image_checks import ImageChecks, policy_sarif_findings
from slipway.inputs import Inputs, credential_for, read_inputs
from slipway.merge import MergeError, merge_index
from slipway.meta.engine import uses_commit_date
from slipway.metadata_command import write_outputs
from slipway.plan import Plan, make_plan
from slipway.policy.stage import DockerfileCheck, read_dockerfile
from slipway.refs import ImageName, allows_plain_http
from slipway.report.summary import BuildStats, Outcome, render_summary
from slipway.reporting import deliver, finding_annotations
from slipway.scan import stage as scan_stage
from slipway.scan.merge import vulnerability_counts
from slipway.scan.sarif import add_results, render_sarif
from slipway.scan.stage import SARIF_FILE
from slipway.size.store import STORE_DIR, LayerStore
from slipway.tagging import Target, apply_tags
from slipway.tools import builder, buildx, docker, oci_layout, trivy
from slipway.tools.builder import Builders
from slipway.tools.oci_layout import Descriptor, Layout
from slipway.tools.registry import Manifest, RegistryClient, client_for, platform_manifests
from slipway.tools.run import Runner, child_environment
from slipway.workflow import Workflow


@dataclass
class State:
    """What the stages found out so far."""

    digest: str = ""
    index: Manifest | None = None
    platform_digests: dict[str, str] = field(default_factory=dict)
    scans: list[trivy.ImageScan] = field(default_factory=list)
    tagged: list[str] = field(default_factory=list)
    build_metadata: dict[str, object] = field(default_factory=dict)  # buildx --metadata-file
    checks: ImageChecks = field(default_factory=ImageChecks)  # Dockerfile policy, image size
    comment_error: SlipwayError | None = None  # raised last: the gate's exit code wins
    build_stats: BuildStats | None = None  # build time and cache use, for the summary


def run(env: Mapping[str, str], workflow: Workflow, now: datetime) -> None:
    """Run the whole pipeline from the action's environment."""
    inputs = read_inputs(env)
    if mounts.has_absolute_paths(inputs):  # host paths in inputs, seen from our container
        inputs = mounts.localize(inputs, docker.own_mounts(env))
    for secret in inputs.secrets:
        workflow.mask(secret)
    context = read_context(env, load_event(env.get("GITHUB_EVENT_PATH", "")))
    want_tags = inputs.metadata.flavor.latest == "highest"
    facts = load_repository_facts(
        context,
        inputs.github_token,
        want_tags=want_tags,
        want_commit_date=uses_commit_date(inputs.metadata),
    )
    plan = make_plan(
        inputs,
        context,
        env=env,
        now=now,
        repo=facts.repo,
        released_tags=facts.released_tags,
        commit_date=facts.commit_date,
    )
    for warning in (*facts.warnings, *plan.metadata.warnings):
        workflow.warning(warning)
    with tempfile.TemporaryDirectory(prefix="slipway-") as tmp:
        work = Path(tmp)
        config = docker.private_docker_config(env, work / "docker-config")
        _login(inputs, config)
        # Programs get what they need and no secret (build secrets go to buildx alone, by name).
        child_env = child_environment(env, (*inputs.secrets, inputs.github_token))
        runner = Runner(workflow, {**child_env, "DOCKER_CONFIG": str(config)})
        builders = Builders(runner, work)
        try:
            _execute(
                runner,
                workflow,
                inputs,
                plan,
                context=context,
                work=work,
                now=now,
                builders=builders,
                cache_env=_cache_service_env(env, plan, workflow),
            )
        finally:
            builders.close()


def _cache_service_env(env: Mapping[str, str], plan: Plan, workflow: Workflow) -> dict[str, str]:
    """type=gha: the runner's cache service, for buildx alone (slipway.gha_cache)."""
    entries = (*plan.build.cache_from, *plan.build.cache_to)
    if not any(gha_cache.is_gha(e) for e in entries):
        return {}
    found = gha_cache.service_env(env, plan.build.gha_token)
    if found.get(gha_cache.TOKEN):
        workflow.mask(found[gha_cache.TOKEN])
    return found


def _login(inputs: Inputs, config: Path) -> None:
    """Check every login with its registry (what `docker login` does), then store them all."""
    for credential in inputs.credentials:
        _client(inputs, ImageName(credential.registry, "_")).check_login()
    docker.write_credentials(config, inputs.credentials)


def _client(inputs: Inputs, image: ImageName) -> RegistryClient:
    credential = credential_for(inputs.credentials, image.registry)
    return client_for(
        image,
        credential.username if credential else "",
        credential.password if credential else "",
        retry_budget=inputs.registry_timeout,
        insecure_registries=inputs.insecure_registries,
    )


def _execute(
    runner: Runner,
    workflow: Workflow,
    inputs: Inputs,
    plan: Plan,
    *,
    context: Context,
    work: Path,
    now: datetime,
    builders: Builders,
    cache_env: Mapping[str, str],
) -> None:
    state = State()
    layout: Layout | None = None
    # Read once: the policy, the scan's and the size table's lines all come from this model.
    dockerfile = (
        None
        if inputs.push_by_digest
        else read_dockerfile(
            Path(plan.dockerfile), target=plan.build.target, display_path=plan.dockerfile
        )
    )
    # The Dockerfile checks need only the Dockerfile: they run while the build does.
    dockerfile_check = (
        None
        if dockerfile is None
        else Alongside(
            runner, lambda quiet: image_checks.lint(quiet, inputs, plan, dockerfile, work)
        )
    )
    if plan.push:
        with workflow.group("Preflight"):
            _preflight(workflow, inputs, plan)
    if inputs.merge_digests:
        with workflow.group("Merge"):
            _merge(workflow, inputs, plan, state)
    else:
        layout = Layout(paths.layout_dir(runner.env))
        with workflow.group("Build"):
            options = plan.build
            name = builder.set_up(
                runner,
                builders,
                plan.platforms,
                builder=options.builder,
                driver=options.driver,
                endpoint=options.endpoint,
                image=options.buildkit_image,
                insecure=inputs.insecure_registries,
            )
            started = time.monotonic()
            built = buildx.build(
                runner, plan, work, layout.root, builder=name, service_env=cache_env
            )
            state.build_stats = BuildStats(time.monotonic() - started, built.steps, built.cached)
        top = buildx.built_top(layout, built)
        state.digest = top.digest
        state.build_metadata = built.metadata
        _read_layout(layout, top, plan, state)
        if plan.push:
            with workflow.group("Push by digest"):
                _push(workflow, inputs, plan, layout, top)
        # Keep the export store from growing without bound: blobs unused for a week go.
        layout.prune(top, older_than=oci_layout.LAYOUT_KEEP_SECONDS, now=now.timestamp())
    if inputs.push_by_digest:  # one part of a split build: the merge job scans and tags
        _report(workflow, inputs, plan, state, (), context=context, now=now, by_digest_only=True)
        return
    tag_error: SlipwayError | None = None
    if plan.push and inputs.tag_on_gate_failure:  # opt-in: publish, then scan
        _tag(inputs, plan, state)
    if plan.scan.enabled:
        with workflow.group("Scan"):
            _scan(runner, plan, state, work, now, dockerfile)
    with workflow.group("Dockerfile policy and image size"):
        assert dockerfile_check is not None
        state.checks = _image_checks(
            runner,
            inputs,
            plan,
            context=context,
            state=state,
            layout=layout,
            check=dockerfile_check.result(),
        )
    _write_sarif(runner, plan, state)
    failures = gate_failures(plan.scan, state.scans) + state.checks.failures
    if plan.push and not failures and not inputs.tag_on_gate_failure:
        try:
            _tag(inputs, plan, state)
        except RegistryError as error:
            tag_error = error
    _report(workflow, inputs, plan, state, failures, context=context, now=now)
    if tag_error is not None:
        raise tag_error
    if failures:
        raise GateFailed(
            "; ".join(failures), "No tag was created or moved. Fix the findings or raise `fail-on`."
        )
    if state.comment_error is not None:  # pr-comment: always
        raise state.comment_error


def _image_checks(
    runner: Runner,
    inputs: Inputs,
    plan: Plan,
    *,
    context: Context,
    state: State,
    layout: Layout | None,
    check: DockerfileCheck,
) -> ImageChecks:
    """The seed's guidance as checks (slipway.image_checks); configs from the layout or registry."""
    image = plan.images[0]
    client = _client(inputs, image) if plan.push else None

    def read_config(manifest_digest: str) -> Mapping[str, Any]:
        if layout is not None:
            return layout.read_json(layout.read_json(manifest_digest)["config"]["digest"])
        assert client is not None
        manifest = client.get_manifest(image.repository, manifest_digest).json()
        return client.get_blob_json(image.repository, manifest["config"]["digest"])

    # Layer contents are kept with the scan results: both are worth keeping between runs.
    cache_dir = plan.scan.cache_dir or scan_stage.default_cache_dir(runner.env)
    layers = LayerStore(Path(cache_dir) / STORE_DIR)
    checks = image_checks.run_image_checks(
        runner,
        inputs,
        plan,
        context,
        check=check,
        platform_digests=state.platform_digests,
        read_config=read_config,
        client=client,
        digest=state.digest,
        scans=state.scans,
        layer_cache=layers,
    )
    layers.prune()
    return checks


def _preflight(workflow: Workflow, inputs: Inputs, plan: Plan) -> None:
    """Fail in seconds, not after the build, when a registry refuses the push."""
    for image in plan.images:
        _client(inputs, image).check_push(image.repository)
        workflow.info(f"push to {image} allowed")


def _merge(workflow: Workflow, inputs: Inputs, plan: Plan, state: State) -> None:
    """Create the index of a split build from its parts' digests, in every image repository."""
    first = plan.images[0]
    sources = [
        _client(inputs, first).get_manifest(first.repository, d) for d in inputs.merge_digests
    ]
    index_annotations = dict(
        entry.removeprefix("index:").split("=", 1)
        for entry in plan.annotations
        if entry.startswith("index:")
    )
    try:
        state.index = merge_index(sources, index_annotations)
    except MergeError as error:
        raise InputError("merge-digests", str(error)) from None
    state.digest = state.index.digest
    state.platform_digests = {m.platform: m.digest for m in platform_manifests(state.index.json())}
    for image in plan.images:
        _client(inputs, image).put_manifest(image.repository, state.digest, state.index)
        workflow.info(
            f"merged {image.with_digest(state.digest)} ({', '.join(state.platform_digests)})"
        )


def _read_layout(layout: Layout, top: Descriptor, plan: Plan, state: State) -> None:
    state.index = Manifest(top.digest, top.media_type, layout.read(top.digest))
    if state.index.is_index:
        found = platform_manifests(state.index.json())
        state.platform_digests = {m.platform: m.digest for m in found}
    else:
        state.platform_digests = {
            str(plan.platforms[0]) if plan.platforms else "default": state.digest
        }


def _push(workflow: Workflow, inputs: Inputs, plan: Plan, layout: Layout, top: Descriptor) -> None:
    """Push blobs, then manifests, then the index, by digest, to every image; no tags."""
    uploads = layout.uploads(top)
    for image in plan.images:
        client = _client(inputs, image)
        sent = 0
        for upload in uploads:
            digest = upload.descriptor.digest
            if upload.is_manifest:
                manifest = Manifest(digest, upload.descriptor.media_type, layout.read(digest))
                client.put_manifest(image.repository, digest, manifest)
            elif client.push_blob(image.repository, digest, layout.path(digest)):
                sent += 1
        workflow.info(
            f"pushed {image.with_digest(uploads[-1].descriptor.digest)} ({sent} new blobs)"
        )


def _scan(
    runner: Runner,
    plan: Plan,
    state: State,
    work: Path,
    now: datetime,
    dockerfile: Dockerfile | None,
) -> None:
    # --- scan stage (issue 5): every platform by digest, one DB download, reports written
    # before the gate is looked at. Not pushed: the OCI layout the build wrote is scanned.
    image = plan.images[0]
    targets = [
        scan_stage.Target(
            platform,
            digest,
            image.with_digest(digest) if plan.push else f"{image}@{digest} (local build)",
            layout_dir="" if plan.push else f"{paths.layout_dir(runner.env)}@{state.digest}",
            insecure=allows_plain_http(image.registry, plan.scan.insecure_registries),
        )
        for platform, digest in state.platform_digests.items()
    ]
    workspace = _workspace(runner.env)
    out_dir = workspace / ".slipway"
    outcome = scan_stage.scan_platforms(
        runner,
        plan.scan,
        targets,
        dockerfile=dockerfile,
        work=work,
        out_dir=out_dir,
        now=now,  # the run's one clock reading (__main__)
    )
    for warning in outcome.warnings:
        runner.workflow.warning(warning)
    for scan in outcome.scans:
        if scan.reused:
            runner.workflow.info(f"{scan.platform}: unchanged image and DB, scan result reused")
    state.scans.extend(outcome.scans)
    # Relative to the workspace: the container's /github/workspace is another path for
    # the job's later steps, which run in the workspace.
    relative = {k: scan_stage.workspace_path(v, workspace) for k, v in outcome.sbom_files.items()}
    runner.workflow.set_output(
        "report-file", scan_stage.workspace_path(outcome.report_file, workspace)
    )
    if outcome.sbom_files:
        runner.workflow.set_output("sbom-files", json.dumps(relative, sort_keys=True))
    # --- end scan stage


def _write_sarif(runner: Runner, plan: Plan, state: State) -> None:
    """SARIF once, from every finding: the scan's (vulnerabilities, secrets, the Dockerfile's
    misconfigurations) and the policy's; written with `scan: false` too."""
    misconfigurations = state.scans[0].misconfigurations if state.scans else ()
    rendered = render_sarif(state.scans, misconfigurations, plan.scan.severity, plan.dockerfile)
    sarif = add_results(rendered, policy_sarif_findings(state.checks))
    workspace = _workspace(runner.env)
    path = workspace / ".slipway" / SARIF_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(sarif, separators=(",", ":")) + "\n", encoding="utf-8")
    runner.workflow.set_output("sarif-file", scan_stage.workspace_path(str(path), workspace))


def _workspace(env: Mapping[str, str]) -> Path:
    """Where reports are written (the runner's workspace; here outside GitHub)."""
    return Path(env.get("GITHUB_WORKSPACE") or ".")


def _tag(inputs: Inputs, plan: Plan, state: State) -> None:
    """Point every tag of every image at the scanned index (see slipway.tagging)."""
    assert state.index is not None
    targets = [Target(image, _client(inputs, image)) for image in plan.images]
    apply_tags(targets, plan.tags, state.index)
    state.tagged.extend(plan.refs)


def _report(
    workflow: Workflow,
    inputs: Inputs,
    plan: Plan,
    state: State,
    failures: tuple[str, ...],
    *,
    context: Context,
    now: datetime,
    by_digest_only: bool = False,
) -> None:
    outcome = Outcome(
        state.digest,
        state.platform_digests,
        tuple(state.tagged),
        tuple(state.scans),
        failures,
        by_digest_only=by_digest_only,
        checks=state.checks,
        build_stats=state.build_stats,
    )
    summary = render_summary(plan, outcome)
    workflow.append_summary(summary)
    write_outputs(workflow, inputs.metadata, plan.metadata)
    workflow.set_output("digest", state.digest)
    workflow.set_output("platform-digests", json.dumps(state.platform_digests))
    # build-push-action's outputs: imageid is the config digest of a one-platform build.
    workflow.set_output(
        "imageid", str(state.build_metadata.get("containerimage.config.digest") or state.digest)
    )
    workflow.set_output("metadata", json.dumps(state.build_metadata, sort_keys=True))
    counts = vulnerability_counts(state.scans, plan.scan.scan_severities)  # scan stage (issue 5)
    workflow.set_output("vulnerabilities", json.dumps(counts, sort_keys=True))
    workflow.set_output(
        "scan-result", "skipped" if not state.scans else ("failed" if failures else "passed")
    )
    if by_digest_only:
        return
    marks = finding_annotations(plan, state.scans, state.checks)
    delivered = deliver(
        workflow,
        inputs,
        plan,
        context,
        summary=summary,
        marks=marks,
        failed=bool(failures),
        now=now,
    )
    workflow.set_output("comment-file", delivered.comment_file)
    state.comment_error = delivered.error
