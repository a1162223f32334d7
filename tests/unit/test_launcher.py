"""The runner-faithful launcher's pure parts: what a step's environment and ``docker run``
line hold (tests/support/runner_step.py), the runtime variables (job_runtime.py) and which
builders a job made (launcher.job_builders). The e2e side is tests/e2e/test_launcher_jobs.py."""

from __future__ import annotations

import fcntl
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.engines import (
    Engine,
    EngineJobs,
    builders_named,
    job_builders,
    reused_builders,
)
from tests.support.gha_cache.tokens import WRITE, token_scopes
from tests.support.job_runtime import REFUSED, Runtime
from tests.support.payloads import load_event
from tests.support.runner_step import (
    Layout,
    Step,
    docker_run_argv,
    file_command_paths,
    step_variables,
)

ALWAYS = (
    "ACTIONS_RUNTIME_URL",
    "ACTIONS_RUNTIME_TOKEN",
    "ACTIONS_RESULTS_URL",
    "ACTIONS_CACHE_URL",
)
ID_TOKEN = ("ACTIONS_ID_TOKEN_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_TOKEN")


@dataclass(frozen=True)
class CacheAddress:
    """What a runtime takes of a cache service stand-in: its URL and token."""

    url: str
    token: str


def variables(
    runtime: Runtime | None = None,
    *,
    hosted: bool = True,
    uses: str | None = "slipway/slipway@v1",
    action: str = "__slipway_slipway",
    env: dict[str, str] | None = None,
    inputs: dict[str, str] | None = None,
) -> dict[str, str]:
    layout = Layout(Path("/home/runner"))
    return step_variables(
        layout,
        runtime or Runtime(),
        Step(action, uses, inputs or {}, env or {}),
        hosted=hosted,
        event="push",
        payload=load_event("push", index=4),
        event_path=layout.workflow_dir / "event.json",
        files=file_command_paths(layout),
        api_url="http://127.0.0.1:9",
    )


# --- ACTIONS_* ------------------------------------------------------------------------------
def test_without_a_cache_service_the_always_there_variables_point_where_nothing_answers() -> None:
    env = Runtime().env()
    assert sorted(env) == sorted(ALWAYS)
    for name in ("ACTIONS_RUNTIME_URL", "ACTIONS_RESULTS_URL", "ACTIONS_CACHE_URL"):
        assert env[name].startswith(REFUSED), name
    assert REFUSED == "http://127.0.0.1:9/"


def test_the_default_runtime_token_is_shaped_as_githubs() -> None:
    """A JWT with cache scopes: BuildKit's gha client refuses anything else."""
    scopes = token_scopes(Runtime().token)
    assert scopes
    assert all(scope.permission & WRITE for scope in scopes)


def test_a_cache_service_gives_its_url_and_token() -> None:
    cache = CacheAddress("http://127.0.0.1:4321/", "the-runtime-token")
    env = Runtime.for_cache(cache).env()
    assert env["ACTIONS_RESULTS_URL"] == env["ACTIONS_CACHE_URL"] == cache.url
    assert env["ACTIONS_RUNTIME_TOKEN"] == cache.token
    assert env["ACTIONS_RUNTIME_URL"].startswith(REFUSED)
    assert not set(ID_TOKEN) & set(env)
    assert "ACTIONS_CACHE_MODE" not in env


def test_id_token_write_adds_the_request_url_and_the_same_access_token() -> None:
    """ContainerActionHandler: ACTIONS_ID_TOKEN_REQUEST_TOKEN is the connection's access
    token, the one ACTIONS_RUNTIME_TOKEN carries."""
    runtime = Runtime().with_id_token("http://127.0.0.1:7000/idtoken?api-version=2.0")
    env = runtime.env()
    assert env["ACTIONS_ID_TOKEN_REQUEST_URL"] == "http://127.0.0.1:7000/idtoken?api-version=2.0"
    assert env["ACTIONS_ID_TOKEN_REQUEST_TOKEN"] == env["ACTIONS_RUNTIME_TOKEN"] == runtime.token


@pytest.mark.parametrize("mode", ["read", "write", "write-only", "none"])
def test_the_cache_mode_when_set(mode: str) -> None:
    assert Runtime(cache_mode=mode).env()["ACTIONS_CACHE_MODE"] == mode


def test_an_empty_cache_mode_is_not_passed() -> None:
    assert "ACTIONS_CACHE_MODE" not in Runtime(cache_mode="").env()


def test_a_server_without_cache_urls_still_gives_the_runtime_url_and_token() -> None:
    env = Runtime().without_cache_service().env()
    assert sorted(env) == ["ACTIONS_RUNTIME_TOKEN", "ACTIONS_RUNTIME_URL"]


# --- the step's environment -----------------------------------------------------------------
def test_every_step_gets_the_runtime_variables() -> None:
    runtime = Runtime()
    env = variables(runtime)
    assert {name: env[name] for name in ALWAYS} == runtime.env()


@pytest.mark.parametrize(("hosted", "kind"), [(True, "github-hosted"), (False, "self-hosted")])
def test_runner_environment_says_the_machine_kind(hosted: bool, kind: str) -> None:
    assert variables(hosted=hosted)["RUNNER_ENVIRONMENT"] == kind


def test_the_step_names_itself_and_its_action() -> None:
    env = variables(uses="slipway/slipway@v1", action="__slipway_slipway_2")
    assert env["GITHUB_ACTION"] == "__slipway_slipway_2"
    assert env["GITHUB_ACTION_REPOSITORY"] == "slipway/slipway"
    assert env["GITHUB_ACTION_REF"] == "v1"
    local = variables(uses="./", action="__self")
    assert (local["GITHUB_ACTION_REPOSITORY"], local["GITHUB_ACTION_REF"]) == ("", "")


def test_a_steps_env_cannot_override_what_the_runner_sets() -> None:
    """ContainerActionHandler sets HOME, the contexts' GITHUB_*/RUNNER_* and ACTIONS_* after
    the step's env:, so those win; the step's own variables stay."""
    runtime = Runtime()
    env = variables(
        runtime,
        env={
            "GITHUB_ACTION": "mine",
            "RUNNER_TEMP": "/elsewhere",
            "HOME": "/root",
            "ACTIONS_RUNTIME_TOKEN": "forged",
            "SLIPWAY_STATE_DIR": "/kept",
        },
    )
    assert env["GITHUB_ACTION"] == "__slipway_slipway"
    assert env["RUNNER_TEMP"] == "/home/runner/work/_temp"
    assert env["HOME"] == "/home/runner/work/_temp/_github_home"
    assert env["ACTIONS_RUNTIME_TOKEN"] == runtime.token
    assert env["SLIPWAY_STATE_DIR"] == "/kept"


def test_inputs_have_their_defaults_and_the_steps_values() -> None:
    env = variables(inputs={"push": "true", "build-args": "A=1"})
    assert env["INPUT_PUSH"] == "true"
    assert env["INPUT_BUILD-ARGS"] == "A=1"  # hyphens kept, as the runner does
    assert env["INPUT_SCAN"] == "true"  # action.yml's default


def test_ci_and_github_actions_come_from_docker_run_itself() -> None:
    env = variables()
    assert "CI" not in env
    assert "GITHUB_ACTIONS" not in env


def test_paths_are_translated_only_when_whole() -> None:
    layout = Layout(Path("/home/runner"))
    env = variables()
    assert layout.translate(env["RUNNER_TEMP"]) == "/github/runner_temp"
    assert layout.translate(env["HOME"]) == "/github/home"
    assert layout.translate(env["GITHUB_OUTPUT"]).startswith("/github/file_commands/set_output_")
    assert layout.translate(env["GITHUB_WORKSPACE"]) == "/github/workspace"
    assert layout.translate(env["RUNNER_WORKSPACE"]) == env["RUNNER_WORKSPACE"]
    assert layout.translate("x=" + env["RUNNER_TEMP"]) == "x=" + env["RUNNER_TEMP"]


# --- docker run -----------------------------------------------------------------------------
def test_docker_run_names_variables_but_never_their_values() -> None:
    runtime = Runtime()
    env = variables(runtime)
    argv = docker_run_argv(
        Layout(Path("/home/runner")), "img", env, name="img_abcdef", socket="/s.sock"
    )
    assert runtime.token not in " ".join(argv)
    assert argv[argv.index("ACTIONS_RUNTIME_TOKEN") - 1] == "-e"
    assert argv[-1] == "img"
    assert "-v" in argv
    assert "/s.sock:/var/run/docker.sock" in argv
    assert argv.count("CI=true") == 1


def test_docker_run_order_as_dockerrun_builds_it() -> None:
    argv = docker_run_argv(
        Layout(Path("/r")),
        "img",
        {"CI": "false"},
        name="n",
        socket="/s",
        network="github_network_x",
        entrypoint="/bin/sh",
        args=("-c", "true"),
    )
    assert "CI=true" not in argv  # the step set CI itself
    assert argv.index("--entrypoint") < argv.index("--network") < argv.index("-v")
    assert argv[-3:] == ["img", "-c", "true"]


# --- which builders a job made --------------------------------------------------------------
SLIPWAY_LOG = """\
::group::Build
$ docker buildx create --name slipway-0123456789 --driver docker-container --bootstrap
#1 [internal] booting buildkit
#1 creating container buildx_buildkit_slipway-01234567890 0.5s done
"""


def test_a_builder_is_named_by_its_create_line() -> None:
    assert builders_named(SLIPWAY_LOG) == {
        "buildx_buildkit_slipway-01234567890",
        "buildx_buildkit_slipway-01234567890_state",
    }
    assert builders_named("docker buildx create --driver x --name=probe") >= {
        "buildx_buildkit_probe0",
        "buildx_buildkit_probe0_state",
    }


def test_a_job_claims_only_builders_that_are_new_and_named_by_its_steps() -> None:
    ours = "buildx_buildkit_slipway-01234567890"
    before = frozenset({"buildx_buildkit_slipway-tests-1-20", "buildx_buildkit_other0"})
    after = before | {ours, f"{ours}_state", "buildx_buildkit_someone-elses0"}
    logs = [SLIPWAY_LOG, "docker buildx create --name other"]  # `other` existed before
    assert job_builders(before, after, logs) == {ours, f"{ours}_state"}
    assert job_builders(before, after, []) == set()


def test_a_job_that_used_a_builder_it_found_has_reused_it() -> None:
    """A new VM would not have had it: the launcher fails a hosted job that did."""
    ours = "buildx_buildkit_slipway-01234567890"
    before = frozenset({ours, f"{ours}_state", "buildx_buildkit_other0"})
    assert reused_builders(before, [SLIPWAY_LOG]) == {ours, f"{ours}_state"}
    assert reused_builders(frozenset({"buildx_buildkit_other0"}), [SLIPWAY_LOG]) == set()


# --- one launcher job per engine across processes ---------------------------------------------
def test_jobs_of_other_processes_wait_for_the_engine_and_this_process_never_does(
    tmp_path: Path,
) -> None:
    engine = Engine("test", str(tmp_path / "docker.sock"))
    lock = EngineJobs.path(engine)

    def taken_elsewhere() -> bool:  # another open file: what another process would meet
        with lock.open("a", encoding="utf-8") as other:
            try:
                fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            fcntl.flock(other, fcntl.LOCK_UN)
            return False

    jobs = EngineJobs()
    jobs.acquire(engine)
    jobs.acquire(engine)  # a second job of this process: no wait
    assert taken_elsewhere()
    jobs.release(engine)
    assert taken_elsewhere()
    jobs.release(engine)
    assert not taken_elsewhere()
    lock.unlink()
