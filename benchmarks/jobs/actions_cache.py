"""actions/cache as a step runs it: the real ``@actions/cache`` client under node
(actions_cache.cjs), installed by install-actions-cache, talking to the cache service the
runner gives a node action.

The runner gives a node action ``ACTIONS_RESULTS_URL`` and ``ACTIONS_RUNTIME_TOKEN`` (as it
gives a container action, tests/support/job_runtime.py) and, where the job uses the v2 cache
service as every github.com job does, ``ACTIONS_CACHE_SERVICE_V2=True`` (actions/runner
``NodeScriptActionHandler.cs``, the variable ``actions_uses_cache_service_v2``); the same
variables reach buildx through build-push-action's environment, where ``type=gha`` reads them
(docker/buildx ``build/opt.go``, ``addGithubToken``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from pipeline.bench import run
from pipeline.timing import StepFailed

HERE = Path(__file__).resolve().parent
SCRIPT = HERE / "actions_cache.cjs"
INSTALL = HERE / "install-actions-cache"
RESULT = "actions-cache-result "


def node_action_env(results_url: str, token: str) -> dict[str, str]:
    """The cache service variables the runner sets for a node action's process."""
    return {
        "ACTIONS_RESULTS_URL": results_url,
        "ACTIONS_CACHE_URL": results_url,
        "ACTIONS_RUNTIME_TOKEN": token,
        "ACTIONS_CACHE_SERVICE_V2": "True",  # bool.TrueString, as the runner writes it
    }


def parse_result(output: str) -> str | None:
    """The key actions_cache.cjs restored from or saved as (its last result line), or None."""
    lines = [line for line in output.splitlines() if line.startswith(RESULT)]
    if not lines:
        raise StepFailed(f"actions_cache.cjs printed no result:\n{output[-3000:]}")
    key = json.loads(lines[-1].removeprefix(RESULT))["key"]
    return str(key) if key is not None else None


@dataclass(frozen=True)
class ActionsCache:
    """The installed client: its ``node_modules`` folder."""

    modules: Path

    @classmethod
    def install(cls) -> ActionsCache:
        """Install the pinned ``@actions/cache`` (once; idempotent)."""
        done = run([str(INSTALL)], timeout=600)
        return cls(Path(done.stdout.strip().splitlines()[-1]))

    def _node(self, env: Mapping[str, str], args: Sequence[str]) -> str:
        step = {**env, "NODE_PATH": str(self.modules)}
        done = run(["node", str(SCRIPT), *args], env=step, timeout=900)
        return done.stdout + done.stderr

    def restore(
        self, env: Mapping[str, str], key: str, restore_keys: Sequence[str], paths: Sequence[str]
    ) -> str | None:
        """actions/cache's main step: the key restored from, or None on a miss."""
        return parse_result(self._node(env, ["restore", key, "\n".join(restore_keys), *paths]))

    def save(self, env: Mapping[str, str], key: str, paths: Sequence[str]) -> str | None:
        """actions/cache's post step after a miss: the key saved, or None when the service
        refused it (another job made it first) or the upload failed (a warning)."""
        if not any(Path(path).exists() for path in paths):
            return None
        return parse_result(self._node(env, ["save", key, *paths]))
