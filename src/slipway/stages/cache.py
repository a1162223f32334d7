"""What crosses jobs: Slipway's state in GitHub's cache service (keys: `slipway.cache.keys`).

`restore` runs before the step list is decided: it asks, at once and on threads, for the
record of an identical build (`slipway.cache.build_key`), today's Trivy DB and Java DB (only
their keys: each DB itself is downloaded by the scan, and only when a scan needs it; the Java
DB only when a scan meets a JAR) and the newest scan state of the image, which it unpacks into
Trivy's cache. `save` is the last step: the build record, each DB when this run fetched a new
one, the scan state when its content changed.

A miss or a service error is never a failure: one warning line, and the run goes on cold.
Without a cache service (a laptop, `cache: false`, GHES) nothing is restored or saved; on a
laptop the records of pushed builds are kept in the state folder instead.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from slipway.cache import keys as cache_keys
from slipway.cache.config import service_config
from slipway.cache.keys import SavedDB
from slipway.cache.restored import BuildRecord, KeptDB, Restored, read_record
from slipway.errors import RegistryError
from slipway.runner import paths
from slipway.scan.db import JAVA_DB, VULNERABILITY_DB, Database
from slipway.stages.registries import client
from slipway.tools import remembered
from slipway.tools.alongside import Alongside
from slipway.tools.archive import ArchiveError, content_digest, pack, unpack
from slipway.tools.cache_service import CacheService, CacheUnavailable, Hit
from slipway.tools.layer_store import STORE_DIR

if TYPE_CHECKING:
    from slipway.runner.workflow import Workflow
    from slipway.stages import Run, State

# Trivy's layer analysis, Slipway's scan results, layer contents, and the Dockerfile checks'
# outputs (tools/remembered.py)
STATE_MEMBERS = ("fanal", "slipway-results", STORE_DIR, remembered.FOLDER)
DB_MEMBERS = ("db",)
JAVA_DB_MEMBERS = ("java-db",)
KEEP_SECONDS = 30 * 24 * 3600  # a scan result unused for a month is not kept
FANAL_LIMIT = 256 * 1024 * 1024  # Trivy's layer analysis past this starts over
SERVICE_PROBLEM = "GitHub's cache service: {problems}; the run goes on without it"
RESTORED_STATE = "restored the scan state of an earlier run ({key})"
REUSED_DB = "{name} of {day} from the cache service ({updated})"


def open_service(run: Run, env: Mapping[str, str]) -> CacheService | None:
    """The cache service when `cache` is on and the runner provides one (in ``env``, the
    action's environment: programs never see the runtime token); why not, said once."""
    if not run.plan.cache:
        return None
    config, why_not = service_config(env)
    if config is None:
        if env.get("GITHUB_ACTIONS") == "true":
            run.workflow.info(why_not)
        return None
    for value in (config.token,):
        run.workflow.mask(value)
    return CacheService(config)


def restore(run: Run, state: State, build_key: Callable[[], str]) -> None:
    """Look up the build record (its key computed by ``build_key`` meanwhile), today's DB and
    the scan state, at once (into the state)."""
    service = state.cache_service
    restored = state.restored
    if not run.plan.cache:
        return
    scans = service is not None and _scans(run)
    with ThreadPoolExecutor(max_workers=4, thread_name_prefix="slipway-restore") as pool:
        record = pool.submit(_find_record, run, service, build_key, restored)
        db = pool.submit(_find_db, run, service) if service and scans else None
        java = (
            pool.submit(_find_db, run, service, cache_keys.JAVA_DB) if service and scans else None
        )
        kept = pool.submit(_restore_state, run, service) if service and scans else None
        restored.record = record.result()
        if db is not None:
            restored.db = KeptDB(*db.result())
        if java is not None:  # only its key: a scan that meets a JAR downloads it
            restored.java_db = KeptDB(*java.result())
        if kept is not None:
            restored.state_key, restored.state_digest = kept.result()
    if service is not None:
        report_problems(run.workflow, service, restored.said)


def _scans(run: Run) -> bool:
    return run.plan.scan.enabled and bool(run.plan.scan.image_scanners) and not run.plan.split_part


def _cache_dir(run: Run) -> Path:
    return Path(run.plan.scan.cache_dir or paths.trivy_cache_dir(run.runner.env))


def _find_record(
    run: Run, service: CacheService | None, build_key: Callable[[], str], restored: Restored
) -> BuildRecord | None:
    """The record of an identical build whose index every image's registry still serves."""
    key = restored.build_key = build_key()
    if not key:
        return None
    text = ""
    if service is None:
        local = _local_record(run, key)
        text = local.read_text(encoding="utf-8") if local.is_file() else ""
    else:
        lookup = cache_keys.build_lookup(key)
        hit = service.lookup(lookup.key, lookup.restore_keys, lookup.version)
        if hit is not None:
            try:
                path = run.work / "build-record.json"
                service.download(hit, path)
                text = path.read_text(encoding="utf-8")
            except (CacheUnavailable, OSError, UnicodeDecodeError):
                text = ""
    record = read_record(text, key) if text else None
    if record is None:
        return None
    for image in run.plan.images:
        try:
            found = client(run, image).head_digest(image.repository, record.digest)
        except RegistryError:
            found = None
        if found is None:
            run.workflow.info(
                f"an identical build was pushed as {record.digest}, but {image} no longer "
                "serves it: building"
            )
            return None
    return record


def _local_record(run: Run, key: str) -> Path:
    return paths.state_dir(run.runner.env) / "builds" / f"{key}.json"


def _repositories(run: Run, kind: str) -> tuple[str, ...]:
    scan = run.plan.scan
    return scan.java_db_repositories if kind == cache_keys.JAVA_DB else scan.db_repositories


def _find_db(
    run: Run, service: CacheService, kind: str = cache_keys.DB
) -> tuple[Hit | None, SavedDB | None]:
    repositories = _repositories(run, kind)
    lookup = cache_keys.db_lookup(repositories, run.now.date(), kind)
    hit = service.lookup(lookup.key, lookup.restore_keys, lookup.version)
    saved = cache_keys.parse_db_key(hit.matched_key, repositories, kind) if hit else None
    return (hit, saved) if saved else (None, None)


def _restore_state(run: Run, service: CacheService) -> tuple[str, str]:
    """The newest scan state of the image, unpacked into Trivy's cache: (key, digest)."""
    scope = cache_keys.state_scope(run.plan.images, run.plan.platforms)
    lookup = cache_keys.state_lookup(scope)
    hit = service.lookup(lookup.key, lookup.restore_keys, lookup.version)
    if hit is None:
        return "", ""
    archive = run.work / "state.tar.gz"
    try:
        service.download(hit, archive)
        unpack(archive, _cache_dir(run))
    except (CacheUnavailable, ArchiveError) as error:
        run.workflow.debug(f"scan state not restored: {error}")
        return "", ""
    finally:
        archive.unlink(missing_ok=True)
    run.workflow.info(RESTORED_STATE.format(key=hit.matched_key))
    return hit.matched_key, content_digest(_cache_dir(run), STATE_MEMBERS)


def start_unpacking_db(run: Run, state: State) -> None:
    """A build's images are new, so their scans will need the DB: unpack the restored one on
    a thread while the build runs (`prepare_db` waits for it)."""
    if state.restored.db.entry is not None and state.cache_service is not None:
        state.db_unpacking = Alongside(
            run.runner, lambda quiet: unpack_db(run, state, quiet.workflow)
        )


def prepare_db(run: Run, state: State) -> None:
    """The restored DB in Trivy's cache, before the scans that need it."""
    if state.db_unpacking is not None:
        state.db_unpacking.result()
    else:
        unpack_db(run, state)


def unpack_db(run: Run, state: State, workflow: Workflow | None = None) -> None:
    """Unpack the restored DB into Trivy's cache (the scan needs it); a failure goes cold.
    ``workflow``: where to say so (a thread's own log, held back while the build prints)."""
    _unpack(run, state, state.restored.db, VULNERABILITY_DB, workflow or run.workflow)


def prepare_java_db(run: Run, state: State) -> None:
    """The saved Java DB in Trivy's cache, once a scan met a JAR (a failure goes cold: the
    scan then fetches it from the repositories)."""
    _unpack(run, state, state.restored.java_db, JAVA_DB, run.workflow)


def _unpack(run: Run, state: State, kept: KeptDB, database: Database, workflow: Workflow) -> None:
    """Download ``kept``'s entry and unpack it into Trivy's cache, once."""
    service = state.cache_service
    if service is None or kept.entry is None or kept.unpacked:
        return
    archive = run.work / f"trivy-{database.folder}.tar.gz"
    try:
        service.download(kept.entry, archive)
        unpack(archive, _cache_dir(run))
        kept.unpacked = True
        if kept.saved is not None:
            day, updated = kept.saved.day, kept.saved.updated_at
            workflow.info(REUSED_DB.format(name=database.name, day=day, updated=updated))
    except (CacheUnavailable, ArchiveError) as error:
        workflow.debug(f"{database.name} not restored: {error}")
    finally:
        archive.unlink(missing_ok=True)
    report_problems(workflow, service, state.restored.said)


def keep_java_db(run: Run, state: State, updated: str) -> None:
    """A Java DB the cache service does not have for today: saved by `save`, at the end."""
    fresh = state.restored.java_db.saved
    if state.cache_service is None or not updated:
        return
    if fresh is not None and fresh.updated_at == updated and fresh.day == run.now.date():
        return
    state.restored.java_db_fetched = updated


def save(run: Run, state: State) -> None:
    """The build record, a new DB, a changed scan state: what the next job can reuse."""
    service = state.cache_service
    restored = state.restored
    if restored.build_key and state.built and state.digest:
        record = BuildRecord(restored.build_key, state.digest, state.build_metadata)
        _save_record(run, service, record)
    if service is None:
        return
    cache_dir = _cache_dir(run)
    if state.db_saving is not None:  # started as soon as the DB was there (start_saving_db)
        state.db_saving.result()
    if restored.java_db_fetched:
        repositories = run.plan.scan.java_db_repositories
        key = cache_keys.db_key(
            repositories, run.now.date(), restored.java_db_fetched, cache_keys.JAVA_DB
        )
        version = cache_keys.version(cache_keys.JAVA_DB)
        _save_archive(run, service, key, version, JAVA_DB_MEMBERS)
    if state.scans:
        _trim_state(cache_dir, run.now.timestamp())
        digest = content_digest(cache_dir, STATE_MEMBERS)
        if digest != restored.state_digest:
            scope = cache_keys.state_scope(run.plan.images, run.plan.platforms)
            key = cache_keys.state_key(scope, digest)
            _save_archive(run, service, key, cache_keys.version(cache_keys.STATE), STATE_MEMBERS)
    report_problems(run.workflow, service, restored.said)


def start_saving_db(run: Run, state: State, updated: str) -> None:
    """A DB the cache service does not have for today (fetched, or refreshed): packed and
    uploaded on a thread while the scans run; `save` waits for it."""
    service, fresh = state.cache_service, state.restored.db.saved
    today = run.now.date()
    if service is None or not updated:
        return
    if fresh is not None and fresh.updated_at == updated and fresh.day == today:
        return
    key = cache_keys.db_key(run.plan.scan.db_repositories, today, updated)
    version = cache_keys.version(cache_keys.DB)
    state.db_saving = Alongside(
        run.runner,
        lambda quiet: _save_archive(
            run, service, key, version, DB_MEMBERS, workflow=quiet.workflow
        ),
    )


def _trim_state(cache_dir: Path, now: float) -> None:
    """Keep the scan state from growing without bound, job after job: scan results not used
    for a month go (as the layer store's entries do), and Trivy's layer analysis starts over
    when it has grown past `FANAL_LIMIT` (it is a cache: the next scan fills it again)."""
    kept = [
        *(cache_dir / "slipway-results").glob("*.json"),
        *(cache_dir / remembered.FOLDER).glob("*.txt"),
    ]
    for result in kept:
        if now - result.stat().st_mtime > KEEP_SECONDS:
            result.unlink(missing_ok=True)
    fanal = cache_dir / "fanal" / "fanal.db"
    if fanal.is_file() and fanal.stat().st_size > FANAL_LIMIT:
        fanal.unlink()


def _save_record(run: Run, service: CacheService | None, record: BuildRecord) -> None:
    if service is None:
        local = _local_record(run, record.key)
        local.parent.mkdir(parents=True, exist_ok=True)
        local.write_text(record.json(), encoding="utf-8")
        return
    path = run.work / "build-record.json"
    path.write_text(record.json(), encoding="utf-8")
    lookup = cache_keys.build_lookup(record.key)
    service.save(lookup.key, lookup.version, path)


def _save_archive(
    run: Run,
    service: CacheService,
    key: str,
    version: str,
    members: tuple[str, ...],
    *,
    workflow: Workflow | None = None,
) -> None:
    workflow = workflow or run.workflow
    archive = run.work / f"{key[:40]}.tar.gz"
    try:
        if not pack(_cache_dir(run), members, archive):
            return
        result = service.save(key, version, archive)
        if result.saved:
            workflow.info(f"saved {key} to the cache service ({result.size} bytes)")
    except OSError as error:
        workflow.debug(f"could not pack {key}: {error}")
    finally:
        archive.unlink(missing_ok=True)


def report_problems(workflow: Workflow, service: CacheService, said: set[str]) -> None:
    """The service's problems and notices so far, each said once."""
    for notice in service.notices:
        if notice not in said:
            workflow.info(notice)
            said.add(notice)
    problems = [p for p in service.problems if p not in said]
    if problems:
        workflow.warning(SERVICE_PROBLEM.format(problems="; ".join(problems)))
        said.update(problems)
