"""A cancelled job's signals (slipway.runner.cancel): raised once, never inside a shielded
section, never cutting short what is being undone; retry waits end at once."""

from __future__ import annotations

import signal
import threading

import pytest

from slipway.errors import Cancelled, ExitCode
from slipway.runner.cancel import Cancellation


def cancellation() -> tuple[Cancellation, list[str]]:
    state, stopped = Cancellation(), []
    state._stop_programs = lambda: stopped.append("stopped")
    return state, stopped


def test_the_first_signal_stops_the_programs_and_raises() -> None:
    state, stopped = cancellation()
    with pytest.raises(Cancelled) as raised:
        state.handle(signal.SIGTERM, None)
    assert stopped == ["stopped"]
    assert raised.value.message == "cancelled (SIGTERM)"
    assert raised.value.exit_code == ExitCode.CANCELLED
    assert int(ExitCode.CANCELLED) == 130
    assert not isinstance(raised.value, Exception)  # no `except Exception` takes it


def test_a_second_signal_changes_nothing() -> None:
    state, stopped = cancellation()
    with pytest.raises(Cancelled):
        state.handle(signal.SIGINT, None)
    state.handle(signal.SIGTERM, None)  # the runner's SIGTERM, 7.5 s later: clean-up goes on
    assert stopped == ["stopped"]
    assert state.signal_name == "SIGINT"


def test_a_shielded_section_is_not_interrupted_and_sees_it_at_its_check() -> None:
    state, stopped = cancellation()
    with state.shielded():
        state.handle(signal.SIGINT, None)  # no raise here: a write in flight finishes
        assert state.requested
        assert stopped == []  # nothing stopped under the section's feet
        with pytest.raises(Cancelled, match=r"cancelled \(SIGINT\)"):
            state.check()


def test_what_is_undone_is_never_cut_short() -> None:
    state, _ = cancellation()
    with state.shielded():
        state.handle(signal.SIGINT, None)
        with state.ignored():
            state.check()  # no raise
            state.sleep(0.01)  # a whole wait, no raise


def test_no_signal_no_raise() -> None:
    state, stopped = cancellation()
    state.check()
    state.sleep(0)
    assert not state.requested
    assert stopped == []


def test_a_retry_wait_ends_at_once_when_a_signal_comes() -> None:
    state, _ = cancellation()
    with state.shielded():  # the handler (main thread) only records; the wait sees the event
        threading.Timer(0.05, state.handle, (signal.SIGTERM, None)).start()
        with pytest.raises(Cancelled):
            state.sleep(3600)  # ended by the signal (else the tier's time limit fails the test)


def test_a_real_signal_reaches_the_handler() -> None:
    state, stopped = cancellation()
    previous = signal.signal(signal.SIGTERM, state.handle)
    try:
        with pytest.raises(Cancelled, match=r"SIGTERM"):
            signal.raise_signal(signal.SIGTERM)
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert stopped == ["stopped"]


def test_the_detail_says_what_happened_to_the_tags() -> None:
    error = Cancelled("SIGINT", "tagging stopped; the 2 tag(s) already written were put back")
    assert error.message == (
        "cancelled (SIGINT): tagging stopped; the 2 tag(s) already written were put back"
    )
    assert "half-moved" in error.hint
