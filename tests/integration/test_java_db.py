"""Trivy's Java DB through Slipway's own path (issue 28), with real Trivy and the local registry.

Two tiny single-platform images are written as OCI layouts by hand (no engine, no build): one
holds a JAR without Maven coordinates, which only the Java DB's SHA-1 index can name
(``com.example.slipway:greeter`` 1.2.3, affected by the planted CVE-2099-40001); the other
holds no JAR. The vulnerability DB (with that Maven advisory) and a Java DB are pushed to the
local registry as the OCI artifacts Trivy downloads, and the scan stage runs in-process with a
Runner that records every command.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from slipway.core.context import read_context
from slipway.core.plan import make_plan
from slipway.errors import ScanError
from slipway.inputs import access_for, read_inputs
from slipway.runner.workflow import Workflow
from slipway.scan.options import ScanOptions
from slipway.stages import Run, State, cache
from slipway.stages import scan as stage
from slipway.tools.builder import Builders
from slipway.tools.run import Result, Runner
from tests.support.devenv import ROOT, DevEnv
from tests.support.gha_cache import (
    Azurite,
    AzuriteUnavailableError,
    GhaCacheStandin,
    find_azurite_blob,
)
from tests.support.gha_cache.azurite import INSTALL_SCRIPT
from tests.support.payloads import load_event, runner_env
from tests.support.trivydb.javadb import anonymous_jar, build_java_db, indexed, push_java_db
from tests.support.trivydb.publish import DATA_DIR, LAYER_TITLE, build_db, make_tarball, push_db

pytestmark = [pytest.mark.integration, pytest.mark.no_engine]

CLOSED = "127.0.0.1:1/slipway-test/trivy-java-db:1"  # nothing listens on port 1
PLATFORM = "linux/amd64"
GREETER = anonymous_jar("greeter")
GREETER_ROW = indexed(GREETER, "com.example.slipway", "greeter", "1.2.3")
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"


class RecordingRunner(Runner):
    """A real Runner that remembers every command line."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.log = io.StringIO()
        super().__init__(Workflow({}, self.log), env)
        self.commands: list[tuple[str, ...]] = []

    def run(self, argv: Sequence[str], **kwargs: Any) -> Result:
        self.commands.append(tuple(argv))
        return super().run(argv, **kwargs)

    def count(self, *words: str) -> int:
        return sum(1 for argv in self.commands if all(w in argv for w in words))


def _blob(layout: Path, data: bytes) -> dict[str, Any]:
    digest = hashlib.sha256(data).hexdigest()
    path = layout / "blobs" / "sha256" / digest
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return {"digest": f"sha256:{digest}", "size": len(data)}


def write_layout(layout: Path, files: Mapping[str, bytes]) -> stage.ScanTarget:
    """An OCI layout holding an index of one linux/amd64 image whose one layer has ``files``;
    the scan target the stage gets for an image that was not pushed."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, data in sorted(files.items()):
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), 0o644, 1_767_225_600
            tar.addfile(info, io.BytesIO(data))
    diff_id = "sha256:" + hashlib.sha256(raw.getvalue()).hexdigest()
    layer = _blob(layout, gzip.compress(raw.getvalue(), mtime=0))
    config = {
        "architecture": "amd64",
        "os": "linux",
        "config": {},
        "rootfs": {"type": "layers", "diff_ids": [diff_id]},
        "history": [{"created_by": "COPY app/ /app/ # buildkit"}],
    }
    manifest = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {
            "mediaType": "application/vnd.oci.image.config.v1+json",
            **_blob(layout, json.dumps(config).encode()),
        },
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", **layer}],
    }
    manifest_ref = _blob(layout, json.dumps(manifest).encode())
    index = {
        "schemaVersion": 2,
        "mediaType": OCI_INDEX,
        "manifests": [
            {
                "mediaType": OCI_MANIFEST,
                **manifest_ref,
                "platform": {"architecture": "amd64", "os": "linux"},
            },
        ],
    }
    index_ref = _blob(layout, json.dumps(index).encode())
    top = {"schemaVersion": 2, "manifests": [{"mediaType": OCI_INDEX, **index_ref}]}
    (layout / "index.json").write_text(json.dumps(top))
    (layout / "oci-layout").write_text('{"imageLayoutVersion": "1.0.0"}')
    digest = manifest_ref["digest"]
    return stage.ScanTarget(
        PLATFORM, digest, f"local@{digest}", layout_dir=f"{layout}@{index_ref['digest']}"
    )


@pytest.fixture(scope="module")
def repositories(devenv: DevEnv, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The vulnerability DB (with the Maven advisory) and a Java DB naming GREETER, each
    pushed to a repository of this module's own."""
    run = uuid.uuid4().hex[:8]
    now = datetime.now(UTC).replace(microsecond=0)
    work = tmp_path_factory.mktemp("java-dbs")
    db_dir = build_db(DATA_DIR, work, updated_at=now)
    tarball = make_tarball(db_dir, work / LAYER_TITLE, mtime=now)
    vulnerability_db = f"slipway-test/java-{run}/trivy-db"
    push_db(devenv.registry, vulnerability_db, "2", tarball, created=now)
    java_db = push_java_db(
        devenv.registry,
        f"slipway-test/java-{run}/trivy-java-db",
        "1",
        [GREETER_ROW],
        updated_at=now,
    )
    return {"db": f"{devenv.registry}/{vulnerability_db}:2", "java_db": java_db}


@pytest.fixture(scope="module")
def images(tmp_path_factory: pytest.TempPathFactory) -> dict[str, stage.ScanTarget]:
    base = tmp_path_factory.mktemp("java-images")
    return {
        "jar": write_layout(base / "jar", {"app/lib/greeter.jar": GREETER}),
        "plain": write_layout(base / "plain", {"app/greeting.txt": b"hello\n"}),
    }


def options_for(repositories: Mapping[str, str], cache: Path, **changes: Any) -> ScanOptions:
    base = ScanOptions(
        db_repositories=(repositories["db"],),
        java_db_repositories=(repositories["java_db"],),
        cache_dir=str(cache),
        scanners=("vuln",),
        db_backoff=0.01,
    )
    return replace(base, **changes)


def scan(
    tmp_path: Path, options: ScanOptions, target: stage.ScanTarget, now: datetime | None = None
) -> tuple[stage.ScanOutcome, RecordingRunner]:
    runner = RecordingRunner({"PATH": str(ROOT / ".venv" / "bin") + ":/usr/bin:/bin"})
    work = tmp_path / "work"
    work.mkdir(parents=True, exist_ok=True)
    job = stage.ScanJob(options, [target], None, work, tmp_path / "out", now or datetime.now(UTC))
    return stage.scan_platforms(runner, job, sleep=lambda _seconds: None), runner


def greeter(outcome: stage.ScanOutcome) -> list[tuple[str, str, str, str]]:
    (platform_scan,) = outcome.scans
    return [
        (v.id, v.package, v.installed, v.fixed)
        for v in platform_scan.vulnerabilities
        if v.id == "CVE-2099-40001"
    ]


FOUND = [("CVE-2099-40001", "com.example.slipway:greeter", "1.2.3", "1.2.4")]


def test_a_jar_is_named_by_the_java_db_slipway_fetched_past_a_failing_repository(
    repositories: dict[str, str], images: dict[str, stage.ScanTarget], tmp_path: Path
) -> None:
    java_db = repositories["java_db"]
    options = options_for(repositories, tmp_path / "cache", java_db_repositories=(CLOSED, java_db))
    outcome, runner = scan(tmp_path, options, images["jar"])
    # Known only by its SHA-1 in the Java DB, the JAR is the affected greeter 1.2.3.
    assert greeter(outcome) == FOUND
    # Slipway fetched the Java DB, not Trivy: the refused repository retried, then the next.
    assert runner.count("--download-java-db-only", CLOSED) == options.db_retries
    assert runner.count("--download-java-db-only", java_db) == 1
    assert runner.count("--java-db-repository") == options.db_retries + 1  # no scan has one
    assert runner.count("--skip-java-db-update", "--scanners") == 2  # stopped at the JAR, again
    assert outcome.java_db_updated_at
    (warning,) = outcome.warnings
    assert warning.startswith(f"Trivy Java DB repository {CLOSED} failed (")
    assert "connection refused" in warning
    assert warning.endswith(f"using the DB from {java_db} instead.")
    # The next run has the Java DB already: one scan, no download.
    again, runner = scan(
        tmp_path / "again", replace(options, scanners=("vuln", "secret")), images["jar"]
    )
    assert greeter(again) == FOUND
    assert runner.count("--download-java-db-only") == 0
    assert runner.count("--scanners") == 1


def test_an_image_without_a_jar_never_fetches_the_java_db(
    repositories: dict[str, str], images: dict[str, stage.ScanTarget], tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    outcome, runner = scan(tmp_path, options_for(repositories, cache), images["plain"])
    assert outcome.scans[0].vulnerabilities == ()
    assert runner.count("--download-java-db-only") == 0
    assert runner.count("--java-db-repository") == 0
    assert runner.count("--skip-java-db-update", "--scanners") == 1
    assert outcome.java_db_downloads == 0
    assert not (cache / "java-db").exists()
    assert (cache / "db" / "trivy.db").is_file()  # the vulnerability DB was fetched


def test_every_java_repository_down_uses_a_cached_java_db_within_db_max_age(
    repositories: dict[str, str], images: dict[str, stage.ScanTarget], tmp_path: Path
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    cache = tmp_path / "cache"
    four_days = now - timedelta(days=4)  # past its NextUpdate (3 days on): Trivy wants a newer
    build_java_db([GREETER_ROW], cache, updated_at=four_days, downloaded_at=four_days)
    options = options_for(repositories, cache, java_db_repositories=(CLOSED,), db_retries=2)
    outcome, runner = scan(tmp_path, options, images["jar"], now)
    assert greeter(outcome) == FOUND
    assert runner.count("--download-java-db-only", CLOSED) == 2
    (warning,) = outcome.warnings
    assert warning.startswith(f"No Trivy Java DB repository could be reached ({CLOSED});")
    assert "(4d 0h old, within db-max-age)" in warning
    # The same Java DB, older than db-max-age allows: a failure naming the input to change.
    old = tmp_path / "old-cache"
    build_java_db([GREETER_ROW], old, updated_at=four_days, downloaded_at=four_days)
    too_old = replace(options, cache_dir=str(old), db_max_age=3 * 86400.0)
    with pytest.raises(ScanError) as raised:
        scan(tmp_path / "old", too_old, images["jar"], now)
    error = raised.value
    assert error.message == "Could not get Trivy's Java DB: every repository failed."
    assert f"  - {CLOSED}: " in error.hint
    assert "older than db-max-age (3d 0h)" in error.hint
    assert "`trivy-java-db-repository`" in error.hint


def test_a_due_java_db_stays_out_of_a_scan_without_a_jar(
    repositories: dict[str, str], images: dict[str, stage.ScanTarget], tmp_path: Path
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    cache = tmp_path / "cache"
    four_days = now - timedelta(days=4)
    build_java_db([GREETER_ROW], cache, updated_at=four_days, downloaded_at=four_days)
    _, runner = scan(tmp_path, options_for(repositories, cache), images["plain"], now)
    assert runner.count("--download-java-db-only") == 0
    # A JAR later brings it back and refreshes it from the repository.
    outcome, runner = scan(tmp_path / "jar", options_for(repositories, cache), images["jar"], now)
    assert greeter(outcome) == FOUND
    assert runner.count("--download-java-db-only") == 1
    assert outcome.warnings == []
    assert outcome.java_db_updated_at > four_days.isoformat()


# --- across jobs: GitHub's cache service (the v2 stand-in on Azurite) ------------------------


@pytest.fixture(scope="module")
def azurite() -> Iterator[Azurite]:
    try:
        find_azurite_blob()
    except AzuriteUnavailableError:
        pytest.fail(
            f"azurite-blob is not installed: run {INSTALL_SCRIPT} (part of scripts/dev-env)"
        )
    with Azurite() as running:
        yield running


def job(
    tmp_path: Path, service: GhaCacheStandin, repositories: Mapping[str, str]
) -> tuple[Run, State]:
    """One job's run on a new machine (its own Trivy cache) with the cache service."""
    payload = load_event("push", index=4)
    event = tmp_path / "event.json"
    event.parent.mkdir(parents=True, exist_ok=True)
    event.write_text(json.dumps(payload), encoding="utf-8")
    env = {
        **runner_env("push", payload, event, "http://127.0.0.1:9"),
        "GITHUB_WORKSPACE": str(tmp_path),
        "ACTIONS_RESULTS_URL": service.url,
        "ACTIONS_RUNTIME_TOKEN": service.token,
        "ACTIONS_CACHE_URL": service.url,
        "ACTIONS_RUNTIME_URL": "http://127.0.0.1:9/",
        "INPUT_IMAGES": "127.0.0.1:5000/acme/java-app",
        "INPUT_TRIVY-DB-REPOSITORY": repositories["db"],
        "INPUT_TRIVY-JAVA-DB-REPOSITORY": repositories["java_db"],
        "INPUT_TRIVY-CACHE-DIR": str(tmp_path / "trivy"),
        "INPUT_SCANNERS": "vuln",
    }
    inputs = read_inputs(env)
    context = read_context(env, payload)
    now = datetime.now(UTC)
    plan = make_plan(inputs, context, env=env, now=now)
    runner = RecordingRunner(
        {
            **env,
            "PATH": str(ROOT / ".venv" / "bin") + ":/usr/bin:/bin",
            "SLIPWAY_STATE_DIR": str(tmp_path / "state"),
        }
    )
    work = tmp_path / "work"
    work.mkdir(parents=True, exist_ok=True)
    run = Run(runner, access_for(inputs), plan, context, work, now, Builders(runner, work), None)
    state = State()
    state.cache_service = cache.open_service(run, env)
    assert state.cache_service is not None
    cache.restore(run, state, lambda: "")
    return run, state


def scan_in_job(run: Run, state: State, target: stage.ScanTarget) -> stage.ScanOutcome:
    """The scan stage as `stages.scan.scan` wires it to the cache service."""
    scan_job = stage.ScanJob(
        run.plan.scan,
        [target],
        None,
        run.work,
        run.work / "out",
        run.now,
        prepare_java_db=lambda: cache.prepare_java_db(run, state),
        java_db_ready=lambda updated: cache.keep_java_db(run, state, updated),
    )
    return stage.scan_platforms(run.runner, scan_job, sleep=lambda _seconds: None)


def test_the_java_db_crosses_jobs_through_the_cache_service_only_when_needed(
    azurite: Azurite,
    repositories: dict[str, str],
    images: dict[str, stage.ScanTarget],
    tmp_path: Path,
) -> None:
    container = f"cache-{uuid.uuid4().hex[:12]}"
    with GhaCacheStandin(azurite.account_url, container=container) as service:
        # A job without a JAR neither fetches nor keeps a Java DB.
        run, state = job(tmp_path / "plain", service, repositories)
        scan_in_job(run, state, images["plain"])
        cache.save(run, state)
        assert not [e.key for e in service.entries if "trivy-java-db" in e.key]
        # A job with one fetches it and keeps it in the cache service.
        run, state = job(tmp_path / "first", service, repositories)
        first = scan_in_job(run, state, images["jar"])
        assert greeter(first) == FOUND
        cache.save(run, state)
        saved = [e.key for e in service.entries if e.key.startswith("slipway-trivy-java-db-")]
        assert len(saved) == 1, service.entries
        # The next job, on a new machine, takes it from there: Trivy deems it fresh.
        run, state = job(tmp_path / "second", service, repositories)
        assert state.restored.java_db.saved is not None
        second = scan_in_job(run, state, images["jar"])
        assert greeter(second) == FOUND
        assert second.java_db_updated_at == first.java_db_updated_at
        assert isinstance(run.runner, RecordingRunner)
        assert "Trivy Java DB of " in run.runner.log.getvalue()  # restored, not downloaded:
        kept = [
            tmp_path / name / "trivy" / "java-db" / "metadata.json" for name in ("first", "second")
        ]
        assert kept[0].read_text() == kept[1].read_text()  # the same DownloadedAt
        service.assert_no_violations()
