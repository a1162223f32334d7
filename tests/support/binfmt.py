"""The kernel's binfmt_misc handlers (QEMU for foreign platforms), read, removed and put back.

binfmt_misc is kernel-wide: every engine, builder and test on this machine sees the same
handlers. :func:`without_qemu` gives a test the state of a hosted runner (no QEMU handler) and
puts back exactly what was registered before, pass or fail; ``scripts/dev-env`` would also
register missing handlers again on its next run.

Also here: :func:`foreign_context`, a build context whose RUN executes the target platform's
own binary (dash from the base-image stand-in), so an arm64 build needs QEMU.
"""

from __future__ import annotations

import gzip
import io
import json
import re
import tarfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

BINFMT = Path("/proc/sys/fs/binfmt_misc")
NOT_HANDLERS = ("register", "status")


@dataclass(frozen=True)
class Handler:
    """One registration as ``/proc/sys/fs/binfmt_misc/<name>`` shows it."""

    name: str
    enabled: bool
    interpreter: str
    flags: str  # as the kernel prints them: "POCF" order
    offset: int = 0
    magic: str = ""  # hex (M type)
    mask: str = ""  # hex, "" = none
    extension: str = ""  # E type

    def register_line(self) -> str:
        """What to write into ``register`` to make this registration again."""
        if self.extension:
            return f":{self.name}:E::{self.extension}::{self.interpreter}:{self.flags}"
        return (
            f":{self.name}:M:{self.offset}:{_escaped(self.magic)}:{_escaped(self.mask)}"
            f":{self.interpreter}:{self.flags}"
        )


def _escaped(hex_bytes: str) -> str:
    return "".join(f"\\x{hex_bytes[i : i + 2]}" for i in range(0, len(hex_bytes), 2))


def parse(name: str, text: str) -> Handler:
    lines = text.splitlines()
    fields = dict(line.partition(" ")[::2] for line in lines[1:])
    return Handler(
        name=name,
        enabled=lines[0].strip() == "enabled",
        interpreter=fields.get("interpreter", ""),
        flags=fields.get("flags:", "").strip(),
        offset=int(fields.get("offset", "0") or 0),
        magic=fields.get("magic", ""),
        mask=fields.get("mask", ""),
        extension=fields.get("extension", ""),
    )


def handlers() -> dict[str, Handler]:
    """Every registered handler, by name."""
    found: dict[str, Handler] = {}
    for entry in sorted(BINFMT.iterdir()):
        if entry.name not in NOT_HANDLERS:
            try:
                found[entry.name] = parse(entry.name, entry.read_text(encoding="utf-8"))
            except FileNotFoundError:
                continue  # removed meanwhile
    return found


def unregister(name: str) -> None:
    (BINFMT / name).write_text("-1", encoding="utf-8")


def register(handler: Handler) -> None:
    (BINFMT / "register").write_text(handler.register_line(), encoding="utf-8")
    if not handler.enabled:
        (BINFMT / handler.name).write_text("0", encoding="utf-8")


def restore(saved: dict[str, Handler]) -> None:
    """Make the handlers exactly ``saved`` again: what differs is removed, what is missing
    registered as it was."""
    for name, handler in handlers().items():
        if saved.get(name) != handler:
            unregister(name)
    now = handlers()
    for name, handler in saved.items():
        if name not in now:
            register(handler)
    assert handlers() == saved, "binfmt_misc could not be put back as it was"


def qemu(found: dict[str, Handler]) -> dict[str, Handler]:
    return {name: h for name, h in found.items() if name.startswith("qemu-")}


@contextmanager
def without_qemu() -> Iterator[dict[str, Handler]]:
    """No QEMU handler registered, as on a hosted runner; afterwards exactly the handlers of
    before (yielded), even when the block failed."""
    saved = handlers()
    try:
        for name in qemu(saved):
            unregister(name)
        yield saved
    finally:
        restore(saved)


FOREIGN_DOCKERFILE = """\
# The target platform's dash and C library: the RUN executes that platform's binary, so a
# foreign platform builds only through QEMU (exec format error without a handler).
FROM scratch
ARG TARGETARCH
COPY ${TARGETARCH}/ /
RUN ["/bin/dash", "-c", "echo built > /built"]
"""
WANTED = re.compile(
    r"^(bin|lib|lib64|usr/lib64(/.*)?|usr/bin/dash|usr/lib/ld-linux[^/]*"
    r"|usr/lib/[^/]+-linux-gnu/(libc\.so\.6|ld-linux[^/]*))$"
)


def foreign_context(directory: Path, registry: str, arches: tuple[str, ...]) -> Path:
    """A build context for ``arches`` (amd64, arm64) from the base-image stand-in in ``registry``
    (scripts/dev-env's python:3.11-slim-bookworm, one layer per platform)."""
    base = f"http://{registry}/v2/library/python"
    index = requests.get(
        f"{base}/manifests/3.11-slim-bookworm",
        headers={
            "Accept": "application/vnd.oci.image.index.v1+json, "
            "application/vnd.docker.distribution.manifest.list.v2+json"
        },
        timeout=30,
    )
    index.raise_for_status()
    for arch in arches:
        (descriptor,) = (
            m
            for m in index.json()["manifests"]
            if m.get("platform", {}).get("architecture") == arch
        )
        manifest = requests.get(
            f"{base}/manifests/{descriptor['digest']}",
            headers={"Accept": descriptor["mediaType"]},
            timeout=30,
        )
        manifest.raise_for_status()
        (layer,) = json.loads(manifest.content)["layers"]
        blob = requests.get(f"{base}/blobs/{layer['digest']}", timeout=120)
        blob.raise_for_status()
        data = blob.content
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            members = [m for m in tar.getmembers() if WANTED.match(m.name.removeprefix("./"))]
            tar.extractall(directory / arch, members=members, filter="tar")
    (directory / "Dockerfile").write_text(FOREIGN_DOCKERFILE, encoding="utf-8")
    return directory
