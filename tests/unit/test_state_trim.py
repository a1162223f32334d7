"""The scan state kept in the cache service does not grow without bound (stages/cache.py)."""

from __future__ import annotations

import os
from pathlib import Path

from slipway.stages.cache import FANAL_LIMIT, KEEP_SECONDS, _trim_state

NOW = 2_000_000_000.0


def test_results_unused_for_a_month_go_and_a_grown_analysis_starts_over(tmp_path: Path) -> None:
    results = tmp_path / "slipway-results"
    results.mkdir()
    old, recent = results / "old.json", results / "recent.json"
    for path, age in ((old, KEEP_SECONDS + 60), (recent, KEEP_SECONDS - 60)):
        path.write_text("{}")
        os.utime(path, (NOW - age, NOW - age))
    fanal = tmp_path / "fanal" / "fanal.db"
    fanal.parent.mkdir()
    with fanal.open("wb") as handle:
        handle.truncate(FANAL_LIMIT + 1)  # sparse: no disk used
    _trim_state(tmp_path, NOW)
    assert not old.exists()
    assert recent.exists()
    assert not fanal.exists()


def test_a_small_analysis_is_kept(tmp_path: Path) -> None:
    fanal = tmp_path / "fanal" / "fanal.db"
    fanal.parent.mkdir()
    fanal.write_bytes(b"bolt")
    _trim_state(tmp_path, NOW)
    assert fanal.read_bytes() == b"bolt"
