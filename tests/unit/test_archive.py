"""Folders packed for the cache service and unpacked from it (slipway.tools.archive)."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

from slipway.tools.archive import ArchiveError, content_digest, pack, unpack


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_a_round_trip_keeps_names_and_bytes(tmp_path: Path) -> None:
    source = tmp_path / "src"
    (source / "fanal").mkdir(parents=True)
    (source / "fanal" / "fanal.db").write_bytes(b"\x00bolt" * 1000)
    (source / "slipway-results").mkdir()
    (source / "slipway-results" / "a.json").write_text("{}")
    archive = tmp_path / "state.tar.gz"
    assert pack(source, ("fanal", "slipway-results", "absent"), archive) == 2
    unpack(archive, tmp_path / "dest")
    assert tree(tmp_path / "dest") == tree(source)
    members = ("fanal", "slipway-results")
    assert content_digest(tmp_path / "dest", members) == content_digest(source, members)


def test_the_content_digest_follows_bytes_and_names_not_times(tmp_path: Path) -> None:
    (tmp_path / "db").mkdir()
    (tmp_path / "db" / "trivy.db").write_bytes(b"one")
    first = content_digest(tmp_path, ("db",))
    (tmp_path / "db" / "trivy.db").touch()
    assert content_digest(tmp_path, ("db",)) == first
    (tmp_path / "db" / "trivy.db").write_bytes(b"two")
    assert content_digest(tmp_path, ("db",)) != first


def hostile(tmp_path: Path, member: tarfile.TarInfo, data: bytes = b"") -> Path:
    archive = tmp_path / "hostile.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.addfile(member, io.BytesIO(data) if data else None)
    return archive


@pytest.mark.parametrize(
    "member",
    [
        tarfile.TarInfo("../outside"),
        tarfile.TarInfo("/etc/passwd-slipway-test"),
        tarfile.TarInfo("fanal/../../outside"),
    ],
    ids=["dot-dot", "absolute", "nested-dot-dot"],
)
def test_a_path_out_of_the_folder_is_refused(tmp_path: Path, member: tarfile.TarInfo) -> None:
    member.size = 1
    with pytest.raises(ArchiveError, match="outside the folder"):
        unpack(hostile(tmp_path, member, b"x"), tmp_path / "dest")
    assert not (tmp_path / "outside").exists()


@pytest.mark.parametrize("kind", [tarfile.SYMTYPE, tarfile.LNKTYPE, tarfile.CHRTYPE])
def test_links_and_devices_are_refused(tmp_path: Path, kind: bytes) -> None:
    member = tarfile.TarInfo("fanal/link")
    member.type = kind
    member.linkname = "/etc/shadow"
    with pytest.raises(ArchiveError, match="not a file or folder"):
        unpack(hostile(tmp_path, member), tmp_path / "dest")


def test_a_damaged_archive_is_an_archive_error(tmp_path: Path) -> None:
    archive = tmp_path / "cut.tar.gz"
    archive.write_bytes(b"\x1f\x8b\x08\x00garbage")
    with pytest.raises(ArchiveError):
        unpack(archive, tmp_path / "dest")
