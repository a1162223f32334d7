"""The two sides Slipway is compared with, each one round = one fresh hosted job.

Both start with nothing: a new docker-container builder (so no build cache), a new buildx
configuration (``BUILDX_CONFIG``, as a new runner has), a new Trivy cache (so the DB is
downloaded), and both remove their builder at the end, as the job's post step does.

* :func:`bare`: the commands a user would script: ``docker buildx create``, ``docker
  buildx build --push``, ``trivy image`` per platform, ``docker buildx rm``.
* :func:`anchor`: the chain of the actions Slipway replaces, run the way they run it,
  read from their sources (docker/setup-buildx-action 37fe631, docker/metadata-action
  dc80280, docker/build-push-action cb941d0, docker/actions-toolkit 3d440be,
  aquasecurity/trivy-action df678db): metadata-action's own bundle under node (when
  METADATA_ACTION_JS names it), setup-buildx-action's commands, build-push-action's argv and
  its build record, trivy-action's ``trivy image`` with the variables it sets.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support.actionrun import parse_outputs
from tests.support.launcher import JOB_TOKEN
from tests.support.payloads import load_event, runner_env

from pipeline.bench import REPOSITORY, TRIVY, Bench, new_name, run
from pipeline.timing import Stopwatch, stream, trivy_split
from pipeline.workloads import Workload

# setup-buildx-action's default (context.ts, defaultBuildkitdFlags)
BUILDKITD_FLAGS = (
    "--allow-insecure-entitlement security.insecure --allow-insecure-entitlement network.host"
)
METADATA_SKIPPED = (
    "anchor: metadata-action skipped (set METADATA_ACTION_JS=/path/to/dist/index.cjs and "
    "install node); the tags and labels for build-push-action come from Slipway's port of it, "
    "untimed"
)


def job_dir(bench: Bench, label: str) -> Path:
    """A new, empty folder for one job of a side."""
    path = bench.work / label
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def create_argv(bench: Bench, name: str, *options: str) -> list[str]:
    """``docker buildx create`` of a docker-container builder on the host's network (the
    local registry is on loopback), with the BuildKit image and config every side uses."""
    argv = ["docker", "buildx", "create", "--name", name, "--driver", "docker-container"]
    argv += ["--driver-opt", "network=host", "--driver-opt", f"image={bench.devenv.buildkit_image}"]
    return [*argv, *options, "--buildkitd-config", str(bench.buildkitd_config)]


def scan(clock: Stopwatch, platform: str, argv: list[str], env: Mapping[str, str]) -> None:
    """One ``trivy image``: its DB download (the first scan of a job) and its scan, timed
    apart from Trivy's own log line. Exit code 1 is a gate that failed (trivy-action's
    ``exit-code: 1``); the job's next scan runs anyway, as with ``continue-on-error``."""
    done = stream(argv, env=env).check(allowed=(0, 1))
    db, rest = trivy_split(done)
    if db:
        clock.add("scan DB", db)
    clock.add(f"scan {platform}", rest)


def bare(bench: Bench, workload: Workload, context: Path, nonce: str) -> dict[str, float]:
    """The bare commands, one fresh job; seconds per stage."""
    job = job_dir(bench, f"bare-{nonce}")
    env = {**os.environ, "BUILDX_CONFIG": str(job / "buildx")}
    repository = bench.repository(workload.name, "bare")
    name = new_name("bench-bare")
    clock = Stopwatch()
    try:
        with clock.stage("builder"):
            bench.made_builder(name, env)
            run([*create_argv(bench, name), "--bootstrap"], env=env)
        metadata = job / "metadata.json"
        argv = ["docker", "buildx", "build", "--builder", name]
        argv += ["--platform", workload.platform_list]
        for key, value in workload.build_args(nonce).items():
            argv += ["--build-arg", f"{key}={value}"]
        argv += ["--metadata-file", str(metadata), "--tag", f"{repository}:master", "--push"]
        with clock.stage("build+push"):
            run([*argv, str(context)], env=env)
        digest = json.loads(metadata.read_text(encoding="utf-8"))["containerimage.digest"]
        for platform in workload.platforms:
            argv = [str(TRIVY), "image", "--format", "json", "--output", str(job / "report.json")]
            argv += ["--severity", "HIGH,CRITICAL", "--cache-dir", str(job / "trivy")]
            argv += ["--db-repository", bench.devenv.trivy_db, "--platform", platform]
            argv += ["--image-src", "remote", "--insecure", f"{repository}@{digest}"]
            scan(clock, platform, argv, env)
    finally:
        with clock.stage("builder rm"):
            run(["docker", "buildx", "rm", name], env=env, check=False)
    return clock.result()


# --- the anchor chain ----------------------------------------------------------------------
def anchor_env(bench: Bench, job: Path, payload: dict[str, Any] | None = None) -> dict[str, str]:
    """What each step of the job sees: the runner's GITHUB_* of the push (``payload``, an
    example push by default), its folders and file commands, a fresh buildx configuration."""
    payload = payload or load_event("push", index=4)
    event = job / "event.json"
    event.write_text(json.dumps(payload), encoding="utf-8")
    workspace, temp = job / "workspace", job / "runner_temp"
    env = {**os.environ, **runner_env("push", payload, event, bench.api_url, REPOSITORY)}
    env.update(
        GITHUB_WORKSPACE=str(workspace),
        RUNNER_TEMP=str(temp),
        RUNNER_TOOL_CACHE=str(job / "toolcache"),
        BUILDX_CONFIG=str(job / "buildx"),
    )
    for variable in ("GITHUB_OUTPUT", "GITHUB_STATE", "GITHUB_ENV", "GITHUB_PATH",
                     "GITHUB_STEP_SUMMARY"):  # fmt: skip
        env[variable] = str(job / "file_commands" / variable.lower())
    for path in (workspace, temp, job / "toolcache", job / "file_commands"):
        path.mkdir(parents=True, exist_ok=True)
    return env


def step_env(env: Mapping[str, str], inputs: Mapping[str, str]) -> dict[str, str]:
    """A node action's environment: the job's, fresh file commands, ``INPUT_*``."""
    step = dict(env)
    for variable in ("GITHUB_OUTPUT", "GITHUB_STATE", "GITHUB_ENV", "GITHUB_PATH",
                     "GITHUB_STEP_SUMMARY"):  # fmt: skip
        Path(step[variable]).write_text("", encoding="utf-8")
    for name, value in inputs.items():
        step[f"INPUT_{name.replace(' ', '_').upper()}"] = value
    return step


def metadata(
    bench: Bench, env: Mapping[str, str], repository: str, clock: Stopwatch
) -> dict[str, str]:
    """docker/metadata-action with ``images`` set (its defaults: context workflow, the
    job's token): its outputs. Timed when its bundle runs; otherwise Slipway's port of it
    (``python -m slipway metadata``, the same outputs) fills the argv, untimed."""
    inputs = {"images": repository, "context": "workflow", "github-token": JOB_TOKEN}
    step = step_env(env, inputs)
    if bench.metadata_js is not None:
        with clock.stage("metadata"):
            run(["node", str(bench.metadata_js)], env=step)
    else:
        run([sys.executable, "-m", "slipway", "metadata"], env=step)
    return parse_outputs(Path(step["GITHUB_OUTPUT"]).read_text(encoding="utf-8"))


def setup_buildx(bench: Bench, env: dict[str, str], clock: Stopwatch) -> str:
    """setup-buildx-action's main step (driver docker-container, driver-opts network=host
    and the BuildKit image, the machine's buildkitd config as ``buildkitd-config-inline``);
    returns the builder's name."""
    name = f"builder-{uuid.uuid4()}"  # setup-buildx-action's name for it
    bench.made_builder(name, env)
    create = create_argv(bench, name, "--buildkitd-flags", BUILDKITD_FLAGS, "--use")
    with clock.stage("builder"):
        for argv in (
            ["docker", "version"],  # group "Docker info"
            ["docker", "info"],
            ["docker", "buildx", "version"],  # "Buildx version"
            ["docker", "context", "inspect", "--format=json", "default"],
            create,  # "Creating a new builder instance"
            ["docker", "buildx", "inspect", "--bootstrap", "--builder", name],  # "Booting builder"
            ["docker", "buildx", "inspect", name],  # "Inspect builder"; BuildKit version
        ):
            run(argv, env=env)
    return name


@dataclass(frozen=True)
class Build:
    """What build-push-action is given: the builder, the workload and its context, the
    round's nonce, metadata-action's outputs (tags, labels, annotations), and its
    ``cache-from`` / ``cache-to`` when the workflow sets them."""

    builder: str
    workload: Workload
    context: Path
    nonce: str
    meta: Mapping[str, str]
    cache_from: tuple[str, ...] = ()
    cache_to: tuple[str, ...] = ()


def build_push(env: dict[str, str], build: Build, clock: Stopwatch) -> dict[str, object]:
    """build-push-action's main step with tags, labels and annotations from metadata-action,
    platforms, build-args, push; provenance as it defaults for a public repository
    (mode=max with the run's builder-id); returns its metadata file."""
    temp = Path(env["RUNNER_TEMP"]) / "docker-actions-toolkit-bench"
    temp.mkdir(parents=True, exist_ok=True)
    metadata_file = temp / "build-metadata.json"
    run_url = f"https://github.com/{REPOSITORY}/actions/runs/{env['GITHUB_RUN_ID']}/attempts/1"
    argv = ["docker", "buildx", "build"]  # in context.ts getArgs' order
    for annotation in build.meta.get("annotations", "").splitlines():
        argv += ["--annotation", annotation]
    for key, value in build.workload.build_args(build.nonce).items():
        argv += ["--build-arg", f"{key}={value}"]
    for entry in build.cache_from:
        argv += ["--cache-from", entry]
    for entry in build.cache_to:
        argv += ["--cache-to", entry]
    argv += ["--iidfile", str(temp / "build-iidfile.txt")]
    for label in build.meta.get("labels", "").splitlines():
        argv += ["--label", label]
    argv += ["--platform", build.workload.platform_list]
    argv += ["--attest", f"type=provenance,mode=max,builder-id={run_url}"]
    for tag in build.meta.get("tags", "").splitlines():
        argv += ["--tag", tag]
    argv += ["--builder", build.builder, "--metadata-file", str(metadata_file), "--push"]
    with clock.stage("build+push"):
        for info in (["docker", "version"], ["docker", "info"], ["docker", "buildx", "version"],
                     ["docker", "buildx", "inspect", build.builder]):  # fmt: skip
            run(info, env=env)
        run([*argv, str(build.context)], env={**env, "BUILDX_METADATA_WARNINGS": "true"})
    result: dict[str, object] = json.loads(metadata_file.read_text(encoding="utf-8"))
    return result


def build_record(env: dict[str, str], builder: str, ref: str, job: Path) -> None:
    """build-push-action's post step: the build summary's record (actions-toolkit's
    History.export: ``history inspect``, then ``history export --finalize``). Uploading it
    as an artifact needs the runner's results service, which is not here."""
    build_id = ref.split("/")[2]
    name = f"{REPOSITORY.replace('/', '~')}~{build_id[:6].upper()}.dockerbuild"
    out = job / "runner_temp" / "export" / name
    out.parent.mkdir(parents=True, exist_ok=True)
    run(["docker", "buildx", "history", "inspect", "--format", "json", "--builder", builder,
         build_id], env=env)  # fmt: skip
    run(["docker", "buildx", "history", "export", "--builder", builder, "--output", str(out),
         build_id, "--finalize"], env=env)  # fmt: skip


def trivy_action(
    bench: Bench, env: dict[str, str], image: str, platforms: tuple[str, ...], clock: Stopwatch
) -> None:
    """trivy-action once per platform, as its README's example sets it up (format table,
    exit-code 1, ignore-unfixed, severity CRITICAL,HIGH), the platform and the local DB as
    TRIVY_* variables; setup-trivy installs nothing (Trivy is there) and its cache dir,
    ``$GITHUB_WORKSPACE/.cache/trivy``, starts empty: no actions/cache entry yet."""
    cache = Path(env["GITHUB_WORKSPACE"]) / ".cache" / "trivy"
    for platform in platforms:
        variables = {
            "TRIVY_CACHE_DIR": str(cache),  # "Run Trivy": always set
            "TRIVY_EXIT_CODE": "1",
            "TRIVY_IGNORE_UNFIXED": "true",
            "TRIVY_SEVERITY": "CRITICAL,HIGH",
            "TRIVY_PLATFORM": platform,  # the workflow's env: (no input for it)
            "TRIVY_DB_REPOSITORY": bench.devenv.trivy_db,
            "TRIVY_INSECURE": "true",  # the local registry is plain HTTP
        }
        scan(clock, platform, [str(TRIVY), "image", image], {**env, **variables})


def anchor(bench: Bench, workload: Workload, context: Path, nonce: str) -> dict[str, float]:
    """The anchor chain, one fresh job; seconds per stage."""
    job = job_dir(bench, f"anchor-{nonce}")
    env = anchor_env(bench, job)
    repository = bench.repository(workload.name, "anchor")
    clock = Stopwatch()
    builder = ""
    try:
        builder = setup_buildx(bench, env, clock)
        meta = metadata(bench, env, repository, clock)
        built = build_push(env, Build(builder, workload, context, nonce, meta), clock)
        digest = str(built["containerimage.digest"])
        trivy_action(bench, env, f"{repository}@{digest}", workload.platforms, clock)
        with clock.stage("build record"):
            build_record(env, builder, str(built["buildx.build.ref"]), job)
    finally:
        if builder:
            with clock.stage("builder rm"):  # setup-buildx-action's post step
                run(["docker", "buildx", "rm", builder], env=env, check=False)
    return clock.result()


def metadata_bundle() -> Path | None:
    """METADATA_ACTION_JS, when it names a file and node is on PATH; else None."""
    value = os.environ.get("METADATA_ACTION_JS", "")
    path = Path(value) if value else None
    if path is None or not path.is_file() or shutil.which("node") is None:
        return None
    return path
