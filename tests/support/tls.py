"""Test certificates: a CA (PEM) for `registry-ca` rows, made once per process."""

from __future__ import annotations

import functools
import tempfile
from pathlib import Path

from tests.support.regfront.backend import write_self_signed


@functools.cache
def ca_pem() -> str:
    """A self-signed CA certificate, as PEM text."""
    with tempfile.TemporaryDirectory(prefix="slipway-ca-") as tmp:
        cert, _ = write_self_signed(Path(tmp))
        return cert.read_text(encoding="ascii")


def write_workspace_files(workspace: Path) -> None:
    """The files the input table's rows name besides the Dockerfile."""
    (workspace / "buildkitd.toml").write_text("[worker.oci]\n  max-parallelism = 2\n")
    (workspace / "registry-ca.pem").write_text(ca_pem())
