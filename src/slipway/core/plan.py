"""The pure core: inputs + context (+ the clock and repository record, passed in) -> `Plan`.

Nothing here touches the environment, the clock, the network or a file: every
decision about what to build, push, scan and tag is made here and unit-tested
with tables; the stages only carry it out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from slipway.buildx import gha_cache
from slipway.core.context import Context
from slipway.core.signing import SignPlan, sign_plan
from slipway.inputs import BuildOptions, Inputs
from slipway.inputs.policy import PolicyInputs
from slipway.inputs.report import ReportOptions
from slipway.meta.config import MetadataConfig
from slipway.meta.engine import Metadata, compute_metadata
from slipway.oci.platforms import Platform
from slipway.oci.refs import ImageName
from slipway.scan.options import ScanOptions


class ConfigFindings(StrEnum):
    """Where the findings of ``trivy config`` on the Dockerfile are reported. It runs once
    per run either way (alongside the build, `slipway.stages.policy.lint`); `config_findings`
    is the one place that decides."""

    POLICY = "policy"  # mapped onto the practices' rules (slipway.policy): the policy is on
    SCAN = "scan"  # the scan's misconfigurations (`policy: none`, scanner `config`)
    NONE = "none"  # not run: neither asks for it


@dataclass(frozen=True)
class Plan:
    """Everything one run does, decided up front."""

    images: tuple[ImageName, ...]
    metadata: Metadata  # the metadata-action compatible result: tags, labels, outputs
    context: str
    dockerfile: str
    platforms: tuple[Platform, ...]
    push: bool
    scan: ScanOptions  # what Trivy is asked for, and the gate applied to what it finds
    build: BuildOptions = field(default_factory=BuildOptions)
    provenance: str = ""  # the resolved --provenance value
    annotations: tuple[str, ...] = ()  # level-prefixed, for buildx --annotation
    split_part: bool = False  # `push-by-digest`: one part of a split build (no scan, no tag)
    merge_digests: tuple[str, ...] = ()  # the parts a merge job makes one index of
    tag_on_gate_failure: bool = False  # publish, then scan (the anchors' order, opt-in)
    attach: bool = False  # attach evidence to the published image
    cache: bool = True  # keep state in GitHub's cache service when there is one
    config_findings: ConfigFindings = ConfigFindings.POLICY  # where trivy config's go
    policy: PolicyInputs = field(default_factory=PolicyInputs)  # Dockerfile policy, size gates
    report: ReportOptions = field(default_factory=ReportOptions)  # comment, check run, SARIF
    metadata_config: MetadataConfig = field(default_factory=MetadataConfig)  # outputs' form
    sign: SignPlan = field(default_factory=SignPlan)  # keyless, with a key, or not at all
    hold_tags: bool = False  # one bake target: its tags move once every target passed

    @property
    def version(self) -> str:
        """The main version (metadata-action's ``version`` output)."""
        return self.metadata.version

    @property
    def tags(self) -> tuple[str, ...]:
        """Tag names, most important first."""
        return self.metadata.tag_names

    @property
    def labels(self) -> Mapping[str, str]:
        """OCI labels for ``--label``."""
        return self.metadata.labels

    @property
    def build_args(self) -> Mapping[str, str]:
        """The ``org_oci_*`` build args."""
        return self.metadata.build_args

    @property
    def refs(self) -> tuple[str, ...]:
        """Every ``image:tag`` the run publishes, image by image."""
        return tuple(image.with_tag(tag) for image in self.images for tag in self.tags)


def make_plan(
    inputs: Inputs,
    context: Context,
    *,
    env: Mapping[str, str],
    now: datetime,
    repo: Mapping[str, Any] | None = None,
    released_tags: Sequence[str] | None = None,
    commit_date: datetime | None = None,
) -> Plan:
    """Decide the run: tags, labels, annotations, build args, platforms, scan and gate."""
    metadata = compute_metadata(
        inputs.metadata,
        context,
        env=env,
        now=now,
        repo=repo,
        released_tags=released_tags,
        commit_date=commit_date,
    )
    dockerfile = inputs.dockerfile  # "" for a remote context: BuildKit reads the context's own
    return Plan(
        images=inputs.images,
        metadata=metadata,
        context=inputs.context,
        dockerfile=dockerfile,
        platforms=inputs.platforms,
        push=inputs.push,
        build=with_cache_scopes(inputs.build, inputs),
        provenance=resolve_provenance(inputs.build.provenance, context),
        annotations=build_annotations(metadata),
        scan=inputs.scan,
        split_part=inputs.push_by_digest,
        merge_digests=inputs.merge_digests,
        tag_on_gate_failure=inputs.tag_on_gate_failure,
        attach=bool(inputs.report.attach),
        cache=inputs.cache,
        config_findings=config_findings(inputs),
        policy=inputs.policy,
        report=inputs.report,
        metadata_config=inputs.metadata,
        sign=sign_plan(inputs, context, env),
    )


def with_cache_scopes(build: BuildOptions, where: Inputs | Plan) -> BuildOptions:
    """The build options with a per image and platform ``scope`` on gha caches that name
    none (slipway.buildx.gha_cache): the parts of a split build keep their own caches."""
    scope = gha_cache.default_scope(where.images, where.platforms)
    return replace(
        build,
        cache_from=tuple(gha_cache.with_scope(e, scope) for e in build.cache_from),
        cache_to=tuple(gha_cache.with_scope(e, scope) for e in build.cache_to),
    )


def config_findings(inputs: Inputs) -> ConfigFindings:
    """Where ``trivy config``'s findings go: with the Dockerfile policy on, the policy owns
    the Dockerfile checks (DS-xxxx mapped onto its rules, whatever `scanners` says); with
    `policy: none`, the scan reports them as misconfigurations when its `config` scanner is
    on; else it does not run."""
    if inputs.policy.policy.enabled:
        return ConfigFindings.POLICY
    if inputs.scan.enabled and "config" in inputs.scan.scanners:
        return ConfigFindings.SCAN
    return ConfigFindings.NONE


def build_annotations(metadata: Metadata) -> tuple[str, ...]:
    """Annotations for the build: the requested levels, and always the index and manifests.

    metadata-action's ``annotations`` output follows DOCKER_METADATA_ANNOTATIONS_LEVELS
    (default ``manifest``); the pushed image carries them on its index too.
    """
    levels = list(dict.fromkeys([*metadata.annotation_levels, "manifest", "index"]))
    return tuple(
        f"{level}:{key}={value}"
        for level in levels
        for key, value in metadata.annotation_values.items()
    )


def resolve_provenance(requested: str, context: Context) -> str:
    """``provenance`` as build-push-action resolves it: by default mode=max for public
    repositories and mode=min for private ones (max can reveal build arguments)."""
    if requested:
        return requested.lower() if requested.lower() in ("true", "false") else requested
    repo = context.payload.get("repository")
    private = bool(repo.get("private", True)) if isinstance(repo, Mapping) else True
    return "mode=min" if private else "mode=max"
