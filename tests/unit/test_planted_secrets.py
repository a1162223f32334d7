"""A secret planted in every input that can hold one (its declaration says where:
slipway.inputs.spec's ``sensitive``), then everything ``python -m slipway`` printed and wrote
grepped for it: the dry run's plan, and the error paths (the input itself refused; a later
input refused, after the secrets are known). ``::add-mask::`` is the one line it may be in.

The full run, on real parts, is tests/e2e/test_secrets_stay_out.py; the slipway command's
dry run, tests/integration/test_cli_plan.py.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from slipway.__main__ import _guarded
from slipway.inputs.spec import INPUTS, Input

SECRET = "pl4nt3d-s3cr3t-" + "q7" * 8
# github-token reaches the GitHub API (no socket in unit tests): tests/e2e/test_secrets_stay_out.py
PLANTED = [spec for spec in INPUTS if spec.sensitive and spec.name != "github-token"]
MORE: dict[str, dict[str, str]] = {
    "password": {"username": "octocat"},
    "sign-key-password": {"sign-key": "-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----"},
}
SECRET_ENVS_VARIABLE = "NPM_TOKEN"  # the variable secret-envs' planted entry names


def inputs_for(spec: Input) -> dict[str, str]:
    return {
        "images": "127.0.0.1:5000/acme/app",
        **MORE.get(spec.name, {}),
        spec.name: spec.sensitive.replace("{secret}", SECRET),
    }


def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, inputs: dict[str, str]) -> tuple[int, str]:
    """``python -m slipway --dry-run`` as the runner starts it, from its entry point's guard
    (GITHUB_ACTIONS is left out: on a machine that is itself a container, the action would ask
    the engine for its mounts); (exit code, all it wrote to files)."""
    workspace = tmp_path / "workspace"
    workspace.mkdir(exist_ok=True)
    (workspace / "Dockerfile").write_text("FROM scratch AS runtime\n")
    for key in list(os.environ):
        if key.startswith(("INPUT_", "GITHUB_", "RUNNER_", "ACTIONS_")):
            monkeypatch.delenv(key)
    output, summary = tmp_path / "output", tmp_path / "summary"
    environment = {
        "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_OUTPUT": str(output),
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_REF": "refs/heads/main",
        "GITHUB_SHA": "a" * 40,
        "GITHUB_REPOSITORY": "acme/app",
        "GITHUB_EVENT_NAME": "push",
        SECRET_ENVS_VARIABLE: SECRET,
        **{f"INPUT_{name.upper()}": value for name, value in inputs.items()},
    }
    for key, value in environment.items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(workspace)
    code = _guarded("plan")
    written = "".join(p.read_text() for p in (output, summary) if p.exists())
    return code, written


def shown(printed: str) -> str:
    return "\n".join(line for line in printed.splitlines() if not line.startswith("::add-mask::"))


@pytest.mark.parametrize("spec", PLANTED, ids=lambda s: s.name)
def test_the_dry_run_shows_no_planted_secret(
    spec: Input, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, written = run(tmp_path, monkeypatch, inputs_for(spec))
    out, err = capsys.readouterr()
    assert code == 0, out + err
    assert "plan:" in out
    assert SECRET not in shown(out + err) + written


@pytest.mark.parametrize("spec", PLANTED, ids=lambda s: s.name)
@pytest.mark.parametrize(
    "breakage",
    [
        {"trivy-cache-dir": "Dockerfile"},  # refused after every input was read and masked
        {"platforms": "linux/amd65"},  # refused while the inputs are read
        {"fail-on": "\x07"},  # refused by the declared checks, before anything else
    ],
    ids=["late", "while-reading", "first"],
)
def test_errors_show_no_planted_secret(
    spec: Input,
    breakage: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, written = run(tmp_path, monkeypatch, {**inputs_for(spec), **breakage})
    out, err = capsys.readouterr()
    assert code == 2, out + err
    assert "::error title=Invalid input::" in out
    assert SECRET not in shown(out + err) + written


@pytest.mark.parametrize(
    "spec", [s for s in PLANTED if "{secret}" in s.sensitive], ids=lambda s: s.name
)
def test_a_malformed_value_holding_a_secret_is_not_echoed(
    spec: Input, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = spec.sensitive.replace("{secret}", SECRET + '\x07,"')
    code, written = run(tmp_path, monkeypatch, {**inputs_for(spec), spec.name: broken})
    out, err = capsys.readouterr()
    assert code == 2, out + err
    assert SECRET not in shown(out + err) + written
