"""One run at a time uses the state folder (slipway.runner.paths.held): a second waits, and
says for what; the whole step (one image, or a Bake definition's targets) holds it."""

from __future__ import annotations

import fcntl
import io
import os
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest

from slipway.commands import bake as bake_command
from slipway.commands import run as one_image
from slipway.commands import step
from slipway.errors import InputError
from slipway.runner import paths
from slipway.runner.workflow import Workflow


@contextmanager
def another_run(folder: Path) -> Iterator[None]:
    """What another process holding the folder looks like: the lock on its own open file."""
    folder.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(folder / paths.LOCK_FILE, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)


def is_held(folder: Path) -> bool:
    descriptor = os.open(folder / paths.LOCK_FILE, os.O_RDWR)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(descriptor)
    return False


def test_a_free_folder_is_taken_at_once_and_given_back(tmp_path: Path) -> None:
    env = {"SLIPWAY_STATE_DIR": str(tmp_path / "state")}
    said: list[str] = []
    with paths.held(env, said.append):
        assert is_held(tmp_path / "state")
    assert not is_held(tmp_path / "state")
    assert said == []


def test_a_second_run_waits_says_why_and_goes_on_when_the_first_ends(tmp_path: Path) -> None:
    folder = tmp_path / "state"
    env = {"SLIPWAY_STATE_DIR": str(folder)}
    said: list[str] = []
    told, entered = threading.Event(), threading.Event()

    def waiting(message: str) -> None:
        said.append(message)
        told.set()

    def second() -> None:
        with paths.held(env, waiting):
            entered.set()

    with another_run(folder):
        thread = threading.Thread(target=second)
        thread.start()
        assert told.wait(10)
        assert not entered.wait(0.2)  # it waits while the first holds the folder
        assert str(folder) in said[0]
        assert "SLIPWAY_STATE_DIR" in said[0]
    assert entered.wait(10)  # and goes on once the first ended
    thread.join(10)
    assert len(said) == 1


def test_a_folder_that_cannot_be_made_is_used_as_it_is(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a folder")
    ran = False
    with paths.held({"SLIPWAY_STATE_DIR": str(tmp_path / "file" / "state")}, print):
        ran = True
    assert ran


@pytest.mark.parametrize("bake", [False, True], ids=["one image", "bake"])
def test_the_whole_step_holds_the_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bake: bool
) -> None:
    folder = tmp_path / "state"
    env = {"SLIPWAY_STATE_DIR": str(folder)}
    seen: list[bool] = []

    def pipeline(env: Mapping[str, str], workflow: Workflow, now: datetime) -> None:
        seen.append(is_held(folder))

    monkeypatch.setattr(bake_command, "wanted", lambda env: bake)
    monkeypatch.setattr(bake_command if bake else one_image, "run", pipeline)
    step.run(env, Workflow(env), datetime(2026, 1, 1, tzinfo=UTC))
    assert seen == [True]
    assert not is_held(folder)


def test_a_refused_input_does_not_wait_for_the_other_run(tmp_path: Path) -> None:
    folder = tmp_path / "state"
    env = {"SLIPWAY_STATE_DIR": str(folder), "INPUT_IMAGES": "", "GITHUB_WORKSPACE": str(tmp_path)}
    raised: list[BaseException] = []

    def second() -> None:
        try:
            step.run(env, Workflow(env, io.StringIO()), datetime(2026, 1, 1, tzinfo=UTC))
        except InputError as error:
            raised.append(error)

    with another_run(folder):
        thread = threading.Thread(target=second, daemon=True)
        thread.start()
        thread.join(30)
        assert not thread.is_alive()  # refused while the other run still holds the folder
    assert len(raised) == 1
    assert isinstance(raised[0], InputError)
    assert "images" in str(raised[0])
