"""The run's effects: `slipway.core.steps` decides which steps run and in what order,
`slipway.commands.run.STAGES` maps each step to its function here, one module per concern:

    LINT, POLICY -> policy    PREFLIGHT -> registries   BUILD, PUSH -> build   REUSE -> reuse
    MERGE -> merge            SIZE -> size              SCAN -> scan
    GATE -> gate              ATTACH -> attach          SIGN -> sign           TAG -> tag
    REPORT -> report
    SAVE -> cache (whose `restore` runs before the list is decided)

Every stage takes the run's `Run` (what does not change once the run starts) and its
`State` (what the stages found out so far); the decisions are made by the pure
packages (`slipway.core.plan`, `scan`, `policy`, `size`, `report`, `gate`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from slipway.buildx.builders import EngineFacts
from slipway.cache.restored import Restored
from slipway.core.context import Context
from slipway.core.plan import Plan
from slipway.dockerfile import Dockerfile
from slipway.errors import SlipwayError
from slipway.github.client import Retrier
from slipway.inputs import Access
from slipway.oci.attestations import Detached
from slipway.oci.manifest import Manifest
from slipway.policy.model import PolicyFindings
from slipway.report.summary import BuildStats
from slipway.runner import mounts, paths
from slipway.runner.mounts import Mount
from slipway.runner.workflow import Workflow
from slipway.scan.advice import Advice
from slipway.scan.delta import Delta
from slipway.scan.findings import Misconfiguration, PlatformScan
from slipway.sign.verify import Signed
from slipway.size.report import SizeReport
from slipway.tools.alongside import Alongside
from slipway.tools.builder import Builders
from slipway.tools.oci_layout import Layout
from slipway.tools.registry import RegistryClients
from slipway.tools.run import Runner

if TYPE_CHECKING:
    from slipway.stages.policy import DockerfileLint
    from slipway.tools.cache_service import CacheService


@dataclass(frozen=True)
class Run:
    """What every stage of one run works with, settled before the first step: the stages
    read the plan (what to do) and the access (how to reach registries and GitHub), never
    the inputs, which the plan and the access were made from."""

    runner: Runner  # runs programs with the run's child environment
    access: Access  # logins, plain-HTTP hosts, trust files, retry budget, GitHub token
    plan: Plan  # every decision of the run, final before its first step
    context: Context
    work: Path  # the run's private temporary folder
    now: datetime  # the run's one clock reading
    builders: Builders
    dockerfile: Dockerfile | None  # parsed once (None for one part of a split build)
    cache_env: Mapping[str, str] = field(default_factory=dict)  # type=gha: for buildx only
    github: Retrier = field(default_factory=Retrier)  # one retry budget for every API call
    mounts: tuple[Mount, ...] = ()  # the container's bind mounts (none outside a container)
    engine: Alongside[EngineFacts] | None = None  # `docker info`, asked when the run starts
    registry_clients: RegistryClients = field(default_factory=RegistryClients)  # one per registry
    # ACTIONS_ID_TOKEN_REQUEST_URL/_TOKEN (no program gets them): keyless signing's token
    id_token_env: Mapping[str, str] = field(default_factory=dict, repr=False)

    @property
    def workflow(self) -> Workflow:
        """Workflow commands, outputs and the job summary."""
        return self.runner.workflow

    @property
    def workspace(self) -> Path:
        """The runner's workspace (here: the current folder outside GitHub)."""
        return Path(self.runner.env.get("GITHUB_WORKSPACE") or ".")

    @property
    def reports_dir(self) -> Path:
        """Where the run's reports (scan JSON, SARIF, the comment body) are written: the
        state folder (runner temp under Actions), never the checkout (slipway.runner.paths)."""
        return paths.reports_dir(self.runner.env)

    def output_path(self, path: Path | str) -> str:
        """``path`` as the job's later steps see it: relative to the workspace when inside
        it (the container's /github/workspace is another path on the runner), else the
        runner's own path of the mount that holds it (/github/runner_temp/x -> $RUNNER_TEMP/x)."""
        try:
            return str(Path(path).resolve().relative_to(self.workspace.resolve()))
        except ValueError:
            return mounts.host_path(str(path), self.mounts)


@dataclass
class State:
    """What the stages found out so far."""

    digest: str = ""
    index: Manifest | None = None
    platform_digests: dict[str, str] = field(default_factory=dict)
    scans: list[PlatformScan] = field(default_factory=list)
    misconfigurations: tuple[Misconfiguration, ...] = ()  # the Dockerfile's (`policy: none`)
    tagged: list[str] = field(default_factory=list)
    build_metadata: dict[str, object] = field(default_factory=dict)  # buildx --metadata-file
    checks: PolicyFindings = field(default_factory=PolicyFindings)  # Dockerfile policy, image size
    comment_error: SlipwayError | None = None  # raised last: the gate's exit code wins
    build_stats: BuildStats | None = None  # build time and cache use, for the summary
    report_file: str = ""  # the scan report the gate decided on (stages/scan.py)
    sbom_files: dict[str, str] = field(default_factory=dict)  # platform -> CycloneDX file
    layout: Layout | None = None  # the OCI layout the build is in (None: pushed by the builder)
    lint: Alongside[DockerfileLint] | None = None  # the Dockerfile checks, run alongside
    sizing: Alongside[SizeReport] | None = None  # the size analysis, run alongside the scan
    failures: tuple[str, ...] = ()  # what breaks the gate (empty: passed)
    sarif: Path | None = None  # the SARIF file (written by the gate step)
    tag_error: SlipwayError | None = None  # raised after the report
    builder_pushes: bool = False  # planned: the builder Slipway creates pushes by digest
    restored: Restored = field(default_factory=Restored)  # what earlier jobs kept (cache)
    cache_service: CacheService | None = None  # GitHub's cache service, when there is one
    built: bool = False  # this run built the image and pushed it (its record can be saved)
    db_updated_at: str = ""  # the DB the scans used (UpdatedAt), "" when no scan ran
    db_unpacking: Alongside[None] | None = None  # the restored DB, unpacked while the build runs
    db_saving: Alongside[None] | None = None  # a new DB, saved while the scans run
    delta: Delta | None = None  # what this change adds and fixes against its baseline
    advice: tuple[Advice, ...] = ()  # newer base images on the same track, ranked
    report_artifact: str = ""  # the attached scan report's manifest digest (stages/attach.py)
    signed: list[Signed] = field(default_factory=list)  # per image: what was signed, how to verify
    not_signed: str = ""  # why signing was skipped or failed (`sign: auto`)
    # BuildKit's statements the push moved out of the index (`attestation-storage: referrers`)
    detached: tuple[Detached, ...] = ()

    def settle(self) -> None:
        """Wait for work still running alongside (a run that stops early)."""
        for work in (self.lint, self.sizing, self.db_unpacking, self.db_saving):
            if work is not None:
                work.settle()
