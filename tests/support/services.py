"""Images for a job's ``services:`` (no public image can be pulled here), built on demand."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.support.devenv import ROOT
from tests.support.launcher import Engine

REGISTRY_DIR = ROOT / "tests" / "images" / "registry"


def _content_tag(*files: Path) -> str:
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def registry_image(engine: Engine) -> str:
    """``slipway-test/registry:<hash>`` on ``engine``: Debian's distribution 2.8, FROM scratch."""
    binary = Path(shutil.which("docker-registry") or "/usr/bin/docker-registry")
    name = f"slipway-test/registry:{_content_tag(binary, *sorted(REGISTRY_DIR.iterdir()))}"
    if engine.docker("image", "inspect", name, check=False).strip() not in ("", "[]"):
        return name
    with tempfile.TemporaryDirectory(prefix="registry-image-") as tmp:
        context = Path(tmp)
        for path in REGISTRY_DIR.iterdir():
            shutil.copy(path, context / path.name)
        rootfs = context / "rootfs"
        (rootfs / "usr" / "bin").mkdir(parents=True)
        (rootfs / "var" / "lib" / "registry").mkdir(parents=True)
        shutil.copy(binary, rootfs / "usr" / "bin" / "docker-registry")
        linked = subprocess.run(["ldd", str(binary)], capture_output=True, text=True, check=True)
        for word in linked.stdout.split():
            if word.startswith("/"):
                target = rootfs / word.lstrip("/")
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(Path(word).resolve(), target)
        engine.docker("build", "--quiet", "-t", name, str(context), timeout=300)
    return name
