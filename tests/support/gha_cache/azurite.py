"""Run Azurite's blob service (``azurite-blob``) on 127.0.0.1 for a test, and stop it after.

``scripts/install-azurite`` puts the binary into ``<repo>/.cache/azurite``. Azurite runs
strict (no ``--loose``, API versions checked unless asked otherwise), with telemetry off,
path-style URLs only, and its workspace and logs in a temporary directory.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Self

import requests

from tests.support.devenv import ROOT
from tests.support.lifecycle import Running, terminate

from .azure import ACCOUNT

INSTALL_SCRIPT = ROOT / "scripts" / "install-azurite"
START_TIMEOUT = 30.0


class AzuriteUnavailableError(RuntimeError):
    """``azurite-blob`` is not installed (run scripts/install-azurite)."""


def find_azurite_blob() -> Path:
    """Return the ``azurite-blob`` executable: $SLIPWAY_AZURITE_BLOB, .cache/azurite, or PATH."""
    candidates = [os.environ.get("SLIPWAY_AZURITE_BLOB", "")]
    cache = Path(os.environ.get("SLIPWAY_CACHE", ROOT / ".cache"))
    candidates.append(str(cache / "azurite" / "node_modules" / ".bin" / "azurite-blob"))
    candidates.append(shutil.which("azurite-blob") or "")
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return Path(candidate)
    raise AzuriteUnavailableError(f"azurite-blob not found: run {INSTALL_SCRIPT}")


def free_port(host: str = "127.0.0.1") -> int:
    """Return a TCP port that was free on ``host`` a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


class Azurite(Running):
    """``azurite-blob`` as a context manager; ``.account_url`` is the blob account endpoint."""

    def __init__(self, skip_api_version_check: bool = False, binary: Path | None = None) -> None:
        self.binary = binary
        self.skip_api_version_check = skip_api_version_check
        self.host = "127.0.0.1"
        self.port = 0
        self.workdir: Path | None = None
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def account_url(self) -> str:
        """``http://127.0.0.1:PORT/devstoreaccount1`` (path-style account URL)."""
        return f"http://{self.host}:{self.port}/{ACCOUNT}"

    @property
    def log_path(self) -> Path:
        """Azurite's console output (access log) for this run."""
        assert self.workdir is not None, "Azurite is not started"
        return self.workdir / "azurite.log"

    def command(self) -> list[str]:
        """The command line used to start Azurite."""
        assert self.workdir is not None
        binary = self.binary or find_azurite_blob()
        argv = [str(binary), "--blobHost", self.host, "--blobPort", str(self.port)]
        argv += ["--location", str(self.workdir / "data")]
        argv += ["--debug", str(self.workdir / "debug.log")]
        argv += ["--disableTelemetry", "--disableProductStyleUrl"]
        if self.skip_api_version_check:
            argv.append("--skipApiVersionCheck")
        return argv

    def start(self) -> Self:
        """Start Azurite on a free port and wait until it answers."""
        self.workdir = Path(tempfile.mkdtemp(prefix="azurite-"))
        (self.workdir / "data").mkdir()
        self.port = free_port(self.host)
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                self.command(), stdout=log, stderr=subprocess.STDOUT, cwd=self.workdir
            )
        self._wait_ready()
        return self

    def _wait_ready(self) -> None:
        """Poll until the blob endpoint answers HTTP (any status), or fail with the log."""
        deadline = time.monotonic() + START_TIMEOUT
        assert self.process is not None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"azurite-blob exited: {self.log_path.read_text()}")
            try:
                requests.get(f"http://{self.host}:{self.port}/", timeout=1)
            except requests.ConnectionError:
                time.sleep(0.1)
                continue
            return
        self.stop()
        raise RuntimeError(f"azurite-blob did not listen within {START_TIMEOUT} s")

    def stop(self) -> None:
        """Stop the process (SIGTERM, then SIGKILL) and remove the workspace."""
        if self.process is not None and self.process.poll() is None:
            terminate(self.process)
        self.process = None
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None
