"""What a deterministic program printed, kept by what it depended on (tools/remembered.py)."""

from __future__ import annotations

from pathlib import Path

from slipway.tools.remembered import remembered


def test_the_same_parts_are_answered_from_the_folder(tmp_path: Path) -> None:
    calls: list[str] = []

    def produce() -> str:
        calls.append("ran")
        return f"report {len(calls)}"

    first = remembered(tmp_path, ["trivy config", b"FROM scratch\n"], produce)
    again = remembered(tmp_path, ["trivy config", b"FROM scratch\n"], produce)
    other = remembered(tmp_path, ["trivy config", b"FROM busybox\n"], produce)
    assert (first, again, other) == ("report 1", "report 1", "report 2")
    assert calls == ["ran", "ran"]


def test_parts_are_not_run_together(tmp_path: Path) -> None:
    remembered(tmp_path, ["ab", "c"], lambda: "one")
    assert remembered(tmp_path, ["a", "bc"], lambda: "two") == "two"


def test_no_folder_or_a_damaged_entry_runs_the_program(tmp_path: Path) -> None:
    assert remembered(None, ["x"], lambda: "ran") == "ran"
    remembered(tmp_path, ["x"], lambda: "kept")
    (entry,) = tmp_path.iterdir()
    entry.write_bytes(b"\xff\xfe not text")
    assert remembered(tmp_path, ["x"], lambda: "ran again") == "ran again"


def test_an_unwritable_folder_is_only_a_miss(tmp_path: Path) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    assert remembered(blocked, ["x"], lambda: "ran") == "ran"
