"""Layer contents kept on disk between runs, by digest."""

from __future__ import annotations

import os
from pathlib import Path

from slipway.size.model import FileEntry, LayerContents
from slipway.tools.layer_store import LayerStore, from_json, to_json

DIGEST = "sha256:" + "ab" * 32
CONTENTS = LayerContents(
    1234, (FileEntry("opt/model.bin", 1000),), (("var/cache/apt", 200),), build_tool_bytes=7
)


def test_round_trip() -> None:
    assert from_json(to_json(CONTENTS)) == CONTENTS


def test_a_new_store_on_the_same_directory_knows_the_layer(tmp_path: Path) -> None:
    LayerStore(tmp_path)[DIGEST] = CONTENTS
    later = LayerStore(tmp_path)
    assert DIGEST in later
    assert later[DIGEST] == CONTENTS


def test_unknown_contents_are_not_written(tmp_path: Path) -> None:
    store = LayerStore(tmp_path)
    store[DIGEST] = None
    assert DIGEST in store  # this run: known to be unreadable
    assert store[DIGEST] is None
    assert DIGEST not in LayerStore(tmp_path)  # a later install may read it


def test_a_damaged_entry_counts_as_missing(tmp_path: Path) -> None:
    LayerStore(tmp_path)[DIGEST] = CONTENTS
    for damage in ("{not json", "[]", '{"uncompressed": 1}', '{"uncompressed": "x"}'):
        (tmp_path / f"{'ab' * 32}.json").write_text(damage)
        assert DIGEST not in LayerStore(tmp_path), damage


def test_only_sha256_digests_name_files(tmp_path: Path) -> None:
    store = LayerStore(tmp_path / "store")
    for digest in ("sha256:../../etc/passwd", "md5:abc", "sha256:" + "a/" * 32):
        store[digest] = CONTENTS
        assert store[digest] == CONTENTS  # this run still has it
    assert not (tmp_path / "store").exists()


def test_an_unwritable_directory_costs_only_the_next_read(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    store = LayerStore(blocker / "store")
    store[DIGEST] = CONTENTS
    assert store[DIGEST] == CONTENTS


def test_prune_keeps_what_was_used(tmp_path: Path) -> None:
    old = "sha256:" + "cd" * 32
    store = LayerStore(tmp_path)
    store[DIGEST] = CONTENTS
    store[old] = CONTENTS
    month_ago = 1_000_000_000
    for name in ("ab", "cd"):
        os.utime(tmp_path / f"{name * 32}.json", (month_ago, month_ago))
    assert LayerStore(tmp_path)[DIGEST] == CONTENTS  # a read marks it used
    assert LayerStore(tmp_path).prune(older_than=3600) == 1
    assert sorted(p.name[:2] for p in tmp_path.glob("*.json")) == ["ab"]
