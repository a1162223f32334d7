"""Folders packed into one file for the cache service, and unpacked from one, safely.

A gzip tar at level 1: the DB and the scan state are mostly written once and read many times,
and level 1 packs several times faster than the default at a few percent more bytes. Unpacking
refuses anything that is not a plain file or folder inside the destination (Python's ``data``
extraction filter: no absolute paths, no ``..``, no links out, no devices), so an entry that
is not what Slipway wrote cannot write outside the folder it is restored into.
"""

from __future__ import annotations

import hashlib
import os
import tarfile
from collections.abc import Sequence
from pathlib import Path

LEVEL = 1


class ArchiveError(Exception):
    """An archive that cannot be read or unpacked (the restore is skipped, not the run)."""


def pack(root: Path, members: Sequence[str], dest: Path) -> int:
    """Pack the ``members`` (paths relative to ``root``) that exist into ``dest``; how many."""
    packed = 0
    with tarfile.open(dest, "w:gz", compresslevel=LEVEL) as tar:
        for member in members:
            path = root / member
            if path.exists():
                tar.add(path, arcname=member, recursive=True)
                packed += 1
    return packed


def unpack(archive: Path, dest: Path) -> None:
    """Unpack ``archive`` into ``dest`` (files of the same name are replaced)."""
    dest.mkdir(parents=True, exist_ok=True)
    root = dest.resolve()
    try:
        with tarfile.open(archive, "r:gz") as tar:
            members = tar.getmembers()
            for member in members:
                _check(member, root)
            for member in members:
                member.mode &= 0o755 if member.isdir() else 0o644  # no set-id, no others' write
                member.uid = member.gid = 0
                member.uname = member.gname = ""
                tar.extract(member, root, set_attrs=not member.isdir())
    except (tarfile.TarError, OSError, EOFError, ValueError) as error:
        raise ArchiveError(f"the archive could not be unpacked: {error}") from None


def _check(member: tarfile.TarInfo, root: Path) -> None:
    """Refuse what Slipway never packs: links, devices, and paths leading out of ``root``
    (Python's ``data`` filter, which the base image's 3.11 may not have yet)."""
    if not (member.isfile() or member.isdir()):
        raise ArchiveError(f"the archive holds {member.name!r}, which is not a file or folder")
    target = (root / member.name).resolve()
    if member.name.startswith("/") or not target.is_relative_to(root):
        raise ArchiveError(f"the archive holds {member.name!r}, outside the folder")


def content_digest(root: Path, members: Sequence[str]) -> str:
    """A digest of the names and bytes of every file under ``members`` (not their times):
    the same content gives the same digest, so an unchanged state is not saved again."""
    digest = hashlib.sha256()
    for member in members:
        base = root / member
        files = [base] if base.is_file() else sorted(p for p in base.rglob("*") if p.is_file())
        for path in files:
            if not path.exists():
                continue
            digest.update(os.fsencode(path.relative_to(root)) + b"\0")
            with path.open("rb") as handle:
                while chunk := handle.read(1 << 20):
                    digest.update(chunk)
            digest.update(b"\0")
    return digest.hexdigest()
