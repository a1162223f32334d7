"""The scan stage: one DB download, every platform by digest, reports written.

The only module of `slipway.scan` that runs Trivy or touches files; decisions are made
by the pure modules beside it. Platform scans run one after another: Trivy locks its
cache directory. Trivy's Java DB is fetched by Slipway too, and only when a scan meets a JAR:
every scan tells Trivy not to fetch it, Trivy stops at the first JAR when none is cached
(`db.needs_java_db`), and that scan runs again once the Java DB is there (issue 28). The Dockerfile's misconfigurations (`policy: none`) come from the run's
one ``trivy config``, which the lint ran alongside the build (`slipway.stages.policy`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from slipway.core.plan import ConfigFindings
from slipway.dockerfile import Dockerfile
from slipway.dockerfile.history import layer_lines
from slipway.errors import ScanError
from slipway.oci.refs import ImageName, allows_plain_http
from slipway.runner import cancel, paths
from slipway.runner.paths import trivy_cache_dir
from slipway.scan import db
from slipway.scan.combined import combine, merged_report
from slipway.scan.findings import Misconfiguration, PlatformScan, Secret, Vulnerability
from slipway.scan.ignores import merge_ignorefiles
from slipway.scan.options import ScanOptions
from slipway.scan.reuse import scan_key
from slipway.stages import cache
from slipway.tools import trivy
from slipway.tools.run import Runner
from slipway.tools.trivy_db import bring_back_java_db, fetch_db, set_aside_due_java_db

if TYPE_CHECKING:
    from slipway.stages import Run, State

REPORT_FILE = "slipway-scan.json"
RESULTS_DIR = "slipway-results"  # inside the Trivy cache dir: reused scan results


@dataclass(frozen=True)
class ScanTarget:
    """One platform image: a pushed ``image@digest``, or a manifest in a local OCI layout."""

    platform: str
    digest: str
    image: str  # image@digest (pushed) or a label for the local build
    layout_dir: str = ""  # not pushed: ``LAYOUT_DIR@<index digest>`` (--platform picks)
    insecure: bool = False


@dataclass
class ScanOutcome:
    """What the stage produced."""

    scans: list[PlatformScan] = field(default_factory=list)
    db_updated_at: str = ""
    warnings: list[str] = field(default_factory=list)
    report_file: str = ""
    sbom_files: dict[str, str] = field(default_factory=dict)
    trivy_runs: int = 0  # image scans Trivy actually ran (reused ones are not counted)
    db_downloads: int = 0
    java_db_updated_at: str = ""  # the Java DB's UpdatedAt, once a scan needed it
    java_db_downloads: int = 0  # Java DB download commands run (0: no scan met a JAR)
    java_db_fetched: bool = False  # asked for once this stage, whatever came of it


def default_cache_dir(env: Mapping[str, str]) -> str:
    """Trivy's cache when `trivy-cache-dir` is not given: in the run's state folder."""
    return str(trivy_cache_dir(env))


def _documents(options: ScanOptions) -> dict[str, str]:
    documents: dict[str, str] = {}
    for name in (*options.trivyignores, *options.vex):
        path = Path(name)
        if not path.is_file():
            raise ScanError(
                f"{name} was not found.",
                "List existing files in `trivyignores` / `vex` (paths relative to the workspace).",
            )
        documents[name] = path.read_text(encoding="utf-8")
    return documents


def _ignorefile(options: ScanOptions, documents: dict[str, str], work: Path) -> str:
    """Trivy takes one ignore file: several are merged into one YAML document."""
    if not options.trivyignores:
        return ""
    if len(options.trivyignores) == 1:
        return options.trivyignores[0]
    merged = work / "merged.trivyignore.yaml"
    merged.write_text(
        merge_ignorefiles([(n, documents[n]) for n in options.trivyignores]), encoding="utf-8"
    )
    return str(merged)


@dataclass(frozen=True)
class ScanJob:
    """What the stage is asked for: the options, the platforms, the Dockerfile, where."""

    options: ScanOptions
    targets: Sequence[ScanTarget]
    dockerfile: Dockerfile | None  # None: findings without lines
    work: Path  # the run's temporary folder
    out_dir: Path  # where the merged report is written
    now: datetime  # the run's one clock reading
    known_db: str = ""  # UpdatedAt of today's DB in the cache service (not downloaded yet)
    prepare_db: Callable[[], None] | None = None  # restores that DB into the cache dir
    db_ready: Callable[[str], None] | None = None  # told the DB's UpdatedAt once it is there
    prepare_java_db: Callable[[], None] | None = None  # restores a saved Java DB, when needed
    java_db_ready: Callable[[str], None] | None = None  # told a fetched Java DB's UpdatedAt
    misconfigurations: Sequence[Misconfiguration] = ()  # the Dockerfile's, for the report
    config_checked: bool = False  # they are trivy config's whole answer (`policy: none`)


@dataclass(frozen=True)
class _Prepared:
    """Read once per stage, used by every platform's scan."""

    cache_dir: str
    documents: dict[str, str]  # the ignore files and VEX documents, by name
    ignorefile: str
    trivy_identity: str  # in the reuse key: a new Trivy scans again


@dataclass(frozen=True)
class _Scanning:
    """One stage's run: what each platform's scan needs, and where it says what it did."""

    runner: Runner
    job: ScanJob
    prepared: _Prepared
    outcome: ScanOutcome
    sleep: Callable[[float], None]


def scan_platforms(
    runner: Runner, job: ScanJob, *, sleep: Callable[[float], None] = cancel.sleep
) -> ScanOutcome:
    """Run the whole stage; reports are written before anyone looks at the gate."""
    options = job.options
    outcome = ScanOutcome()
    documents = _documents(options)
    prepared = _Prepared(
        cache_dir=options.cache_dir or default_cache_dir(runner.env),
        documents=documents,
        ignorefile=_ignorefile(options, documents, job.work),
        trivy_identity=trivy.identity(runner) if options.image_scanners else "",
    )
    reused = _known_results(job, prepared) if options.image_scanners else None
    set_aside_due_java_db(prepared.cache_dir, job.now)
    if reused is not None:  # every platform's result with today's DB: no DB needed at all
        outcome.db_updated_at, outcome.scans = job.known_db, reused
    elif options.image_scanners:
        if job.prepare_db is not None:
            job.prepare_db()
        fetched = fetch_db(runner, options, prepared.cache_dir, now=job.now, sleep=sleep)
        outcome.db_updated_at, outcome.db_downloads = fetched.updated_at, fetched.runs
        if job.db_ready is not None and not fetched.warnings:  # a DB fetched, not a fallback
            job.db_ready(fetched.updated_at)
        outcome.warnings.extend(fetched.warnings)
    scanning = _Scanning(runner, job, prepared, outcome, sleep)
    if reused is None and options.image_scanners:
        for target in job.targets:
            outcome.scans.append(_scan_one(scanning, target))
    if options.sbom_file:
        for target in job.targets:
            outcome.sbom_files[target.platform] = _sbom(scanning, target)
    _write_reports(options, outcome, job.misconfigurations, job.out_dir, job.config_checked)
    return outcome


def _stored(job: ScanJob, target: ScanTarget, prepared: _Prepared, db_updated_at: str) -> Path:
    """Where the result of scanning ``target`` with this DB and these options is kept."""
    options = job.options
    key = scan_key(
        target.digest,
        db_updated_at,
        severities=options.scan_severities,
        scanners=options.image_scanners,
        ignore_unfixed=options.ignore_unfixed,
        documents=prepared.documents,
        trivy_version=prepared.trivy_identity,
    )
    return Path(prepared.cache_dir) / RESULTS_DIR / f"{key}.json"


def _known_results(job: ScanJob, prepared: _Prepared) -> list[PlatformScan] | None:
    """Every platform's kept result with today's DB from the cache service, without
    downloading that DB; None when one is missing (or an SBOM needs Trivy anyway)."""
    if not job.known_db or job.options.sbom_file:
        return None
    stored = [_stored(job, target, prepared, job.known_db) for target in job.targets]
    if not all(path.is_file() for path in stored):
        return None
    for path in stored:
        path.touch()  # used: kept another month (slipway.stages.cache)
    return [
        _platform_scan(job, target, path.read_text(encoding="utf-8"), reused=True)
        for target, path in zip(job.targets, stored, strict=True)
    ]


def _platform_scan(job: ScanJob, target: ScanTarget, text: str, *, reused: bool) -> PlatformScan:
    vulnerabilities, secrets = attributed(trivy.load_report(text), job.dockerfile)
    return PlatformScan(
        target.platform,
        target.image,
        tuple(vulnerabilities),
        tuple(secrets),
        digest=target.digest,
        reused=reused,
    )


def _scan_one(scanning: _Scanning, target: ScanTarget) -> PlatformScan:
    job, prepared, outcome = scanning.job, scanning.prepared, scanning.outcome
    stored = _stored(job, target, prepared, outcome.db_updated_at)
    reused = stored.is_file() and bool(outcome.db_updated_at)
    if reused:
        text = stored.read_text(encoding="utf-8")
        stored.touch()  # used: kept another month (slipway.stages.cache)
    else:
        text = _trivy_image(scanning, target)
        outcome.trivy_runs += 1
        if outcome.db_updated_at:
            stored.parent.mkdir(parents=True, exist_ok=True)
            stored.write_text(text, encoding="utf-8")
    return _platform_scan(job, target, text, reused=reused)


def _trivy_image(scanning: _Scanning, target: ScanTarget) -> str:
    """One platform's ``trivy image`` report (JSON text)."""
    job, prepared = scanning.job, scanning.prepared
    options = job.options
    report = job.work / f"trivy-{target.platform.replace('/', '-')}.json"
    request = trivy.ImageRequest(
        target.image,
        str(report),
        severities=options.scan_severities,
        db_repositories=(),
        cache_dir=prepared.cache_dir,
        insecure=target.insecure,
        scanners=options.image_scanners,
        skip_db_update=True,  # fetch_db downloaded it once for every platform
        ignore_unfixed=options.ignore_unfixed,
        ignorefile=prepared.ignorefile,
        vex=options.vex,
        platform=target.platform if target.layout_dir else "",
        layout_dir=target.layout_dir,
    )
    _run_with_java_db(scanning, trivy.image_argv(request))
    return report.read_text(encoding="utf-8")


def _run_with_java_db(scanning: _Scanning, argv: list[str]) -> None:
    """Run one scan; when it stopped at a JAR for want of the Java DB, fetch that DB (once
    per stage) and run it again."""
    runner, timeout = scanning.runner, scanning.job.options.timeout
    try:
        trivy.run_trivy(runner, argv, timeout=timeout)
    except ScanError as error:
        if scanning.outcome.java_db_fetched or not db.needs_java_db(error.message):
            raise
        _fetch_java_db(scanning)
        trivy.run_trivy(runner, argv, timeout=timeout)


def _fetch_java_db(scanning: _Scanning) -> None:
    """The Java DB into the cache dir the way the vulnerability DB came: a saved one from the
    cache service or a set-aside one first (Trivy refreshes it only when due, and it is the
    fallback), then each repository in turn."""
    job, cache_dir, outcome = scanning.job, scanning.prepared.cache_dir, scanning.outcome
    outcome.java_db_fetched = True
    if job.prepare_java_db is not None:
        job.prepare_java_db()
    bring_back_java_db(cache_dir)
    fetched = fetch_db(
        scanning.runner,
        job.options,
        cache_dir,
        now=job.now,
        sleep=scanning.sleep,
        database=db.JAVA_DB,
    )
    outcome.java_db_updated_at, outcome.java_db_downloads = fetched.updated_at, fetched.runs
    outcome.warnings.extend(fetched.warnings)
    if job.java_db_ready is not None and not fetched.warnings:  # fetched, not a fallback
        job.java_db_ready(fetched.updated_at)


def attributed(
    document: Mapping[str, Any], dockerfile: Dockerfile | None
) -> tuple[list[Vulnerability], list[Secret]]:
    """A Trivy image report's findings, each at the Dockerfile line that added its layer."""
    vulnerabilities, secrets = trivy.parse_image_document(document)
    metadata = document.get("Metadata") or {}
    config = metadata.get("ImageConfig") or {}
    lines = layer_lines(config, metadata.get("DiffIDs") or [], dockerfile)
    if lines:
        vulnerabilities = [replace(v, dockerfile_line=lines.get(v.layer)) for v in vulnerabilities]
        secrets = [replace(s, dockerfile_line=lines.get(s.layer)) for s in secrets]
    return vulnerabilities, secrets


def sbom_path(sbom_file: str, platform: str) -> str:
    """``sbom.cdx.json`` + ``linux/arm64`` -> ``sbom-linux-arm64.cdx.json``."""
    path = Path(sbom_file)
    stem, dot, rest = path.name.partition(".")
    return str(path.with_name(f"{stem}-{platform.replace('/', '-')}{dot}{rest}"))


def _sbom(scanning: _Scanning, target: ScanTarget) -> str:
    options = scanning.job.options
    output = sbom_path(options.sbom_file, target.platform)
    Path(output).parent.mkdir(parents=True, exist_ok=True)
    argv = trivy.image_argv(
        trivy.ImageRequest(
            target.image,
            output,
            severities=(),
            db_repositories=(),
            cache_dir=scanning.prepared.cache_dir,
            insecure=target.insecure,
            skip_db_update=True,
            platform=target.platform if target.layout_dir else "",
            layout_dir=target.layout_dir,
            output_format="cyclonedx",
        )
    )
    _run_with_java_db(scanning, argv)  # an SBOM names JARs too
    return output


def _write_reports(
    options: ScanOptions,
    outcome: ScanOutcome,
    misconfigurations: Sequence[Misconfiguration],
    out_dir: Path,
    config_checked: bool = False,
) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    merged = combine(outcome.scans, options.severity)
    report = merged_report(
        outcome.scans,
        misconfigurations,
        options.severity,
        outcome.db_updated_at,
        merged=merged,
        scanners=options.image_scanners,
        ignore_unfixed=options.ignore_unfixed,
        config_checked=config_checked,
    )
    report_path = out_dir / REPORT_FILE
    # Compact: a 10,000-finding report is written in a third of the time indent takes.
    # (SARIF is rendered once at the end of the run, from every stage's findings.)
    report_path.write_text(json.dumps(report, separators=(",", ":")) + "\n", encoding="utf-8")
    outcome.report_file = str(report_path)


def scan_published(
    run: Run, name: ImageName, platforms: Sequence[tuple[str, str]], *, known_db: str, folder: str
) -> ScanOutcome:
    """Images other than the run's (a baseline, a candidate base): each (platform, manifest
    digest) of ``name`` scanned by digest with the run's options and DB (``known_db``: the one
    its own scan used), no SBOM; a kept result is reused. The report goes to ``folder`` of
    the run's temporary folder, never over the run's own."""
    options = run.plan.scan
    targets = [
        ScanTarget(
            platform,
            digest,
            name.with_digest(digest),
            insecure=allows_plain_http(name.registry, options.insecure_registries),
        )
        for platform, digest in platforms
    ]
    job = ScanJob(
        replace(options, sbom_file=""),
        targets,
        None,
        run.work,
        run.work / folder,
        run.now,
        known_db=known_db,
    )
    return scan_platforms(run.runner, job)


def scan(run: Run, state: State) -> None:
    """Every platform by digest (not pushed: in the OCI layout the build wrote), one DB
    download; reports written before the gate is looked at."""
    plan, workflow = run.plan, run.workflow
    image = plan.images[0]
    targets = [
        ScanTarget(
            platform,
            digest,
            image.with_digest(digest) if plan.push else f"{image}@{digest} (local build)",
            layout_dir="" if plan.push else f"{paths.layout_dir(run.runner.env)}@{state.digest}",
            insecure=allows_plain_http(image.registry, plan.scan.insecure_registries),
        )
        for platform, digest in state.platform_digests.items()
    ]
    saved = state.restored.db.saved
    config_checked = plan.config_findings is ConfigFindings.SCAN and state.lint is not None
    if config_checked and state.lint is not None:
        state.misconfigurations = state.lint.result().misconfigurations
    job = ScanJob(
        plan.scan,
        targets,
        run.dockerfile,
        run.work,
        run.reports_dir,
        run.now,
        known_db=saved.updated_at if saved and saved.day == run.now.date() else "",
        prepare_db=lambda: cache.prepare_db(run, state),
        db_ready=lambda updated: cache.start_saving_db(run, state, updated),
        prepare_java_db=lambda: cache.prepare_java_db(run, state),
        java_db_ready=lambda updated: cache.keep_java_db(run, state, updated),
        misconfigurations=state.misconfigurations,
        config_checked=config_checked,
    )
    outcome = scan_platforms(run.runner, job)
    state.db_updated_at = outcome.db_updated_at
    for warning in outcome.warnings:
        workflow.warning(warning)
    for found in outcome.scans:
        if found.reused:
            workflow.info(f"{found.platform}: unchanged image and DB, scan result reused")
    state.scans.extend(outcome.scans)
    state.report_file, state.sbom_files = outcome.report_file, dict(outcome.sbom_files)
    workflow.set_output("report-file", run.output_path(outcome.report_file))
    if outcome.sbom_files:
        sboms = {k: run.output_path(v) for k, v in outcome.sbom_files.items()}
        workflow.set_output("sbom-files", json.dumps(sboms, sort_keys=True))
