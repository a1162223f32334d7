"""``python -m slipway``: bad input stops before any build, with one ::error:: and no traceback."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from slipway.__main__ import main


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for key in list(os.environ):
        if key.startswith(("INPUT_", "GITHUB_")):
            monkeypatch.delenv(key)
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    monkeypatch.setenv("GITHUB_ACTIONS", "true")  # the runner's protocol (the CLI: test_cli.py)
    return summary


@pytest.mark.parametrize(
    ("inputs", "needle"),
    [
        ({}, "input 'images': no image name given"),
        (
            {"INPUT_IMAGES": "127.0.0.1:5000/a", "INPUT_PLATFORMS": "linux/arm65"},
            "did you mean 'arm64'",
        ),
        (
            {"INPUT_IMAGES": "ghcr.io/o/a", "INPUT_INSECURE-REGISTRIES": "http://ghcr.io"},
            "input 'insecure-registries': 'http://ghcr.io' is not a registry host[:port]",
        ),
    ],
)
def test_bad_input(
    inputs: dict[str, str],
    needle: str,
    clean_env: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for key, value in inputs.items():
        monkeypatch.setenv(key, value)
    assert main(["run"]) == 2
    out, err = capsys.readouterr()
    assert out.startswith("::error title=Invalid input::")
    assert needle in out
    assert "Traceback" not in out + err
    assert "How to fix" in clean_env.read_text()


@pytest.fixture
def under_actions(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")


@pytest.mark.usefixtures("under_actions")
def test_help_and_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    assert "usage: python -m slipway" in capsys.readouterr().out
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("slipway ")


@pytest.mark.usefixtures("under_actions")
def test_unknown_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bogus"]) == 2
    assert "unknown command" in capsys.readouterr().err


def test_an_event_payload_that_is_no_object_is_refused_by_name(tmp_path: Path) -> None:
    from slipway.core.context import load_event
    from slipway.errors import InputError

    payload = tmp_path / "event.json"
    payload.write_text("[1, 2]")
    with pytest.raises(InputError) as caught:
        load_event(str(payload))
    assert caught.value.name == "GITHUB_EVENT_PATH"
    assert load_event(str(tmp_path / "absent.json")) == {}  # outside GitHub: no payload
