"""A throwaway CNCF distribution registry (``docker-registry serve``) for tests."""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import ipaddress
import random
import socket
import subprocess
import time
from pathlib import Path
from typing import Self

import requests

from tests.support.lifecycle import Running, terminate

PORTS = range(5100, 5200)  # the range tests may use; 5000 is the shared registry


def free_port(ports: range = PORTS) -> int:
    """A port of ``ports`` nothing listens on now (racy by nature: retry on failure)."""
    for port in random.sample(ports, len(ports)):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {ports.start}-{ports.stop - 1}")


class LocalRegistry(Running):
    """``docker-registry serve`` on 127.0.0.1, storage under ``root``.

    ``htpasswd``: a bcrypt htpasswd file, turning on basic auth.
    """

    def __init__(self, root: Path, *, htpasswd: Path | None = None) -> None:
        self.root = root
        self.htpasswd = htpasswd
        self.port = 0
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> str:
        """``127.0.0.1:PORT``."""
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://{self.address}"

    def _config(self) -> str:
        auth = ""
        if self.htpasswd is not None:
            auth = f"auth:\n  htpasswd: {{realm: regfront-test, path: {self.htpasswd}}}\n"
        return (
            "version: 0.1\nlog: {level: warn}\n"
            f"storage:\n  filesystem: {{rootdirectory: {self.root / 'data'}}}\n"
            "  delete: {enabled: true}\n"
            f"{auth}http:\n  addr: {self.address}\n"
        )

    def start(self, attempts: int = 5) -> Self:
        """Start on a free port of 5100-5199 and wait until ``/v2/`` answers."""
        self.root.mkdir(parents=True, exist_ok=True)
        for _ in range(attempts):
            self.port = free_port()
            config = self.root / "config.yml"
            config.write_text(self._config())
            log = (self.root / "registry.log").open("ab")
            self._process = subprocess.Popen(
                ["docker-registry", "serve", str(config)], stdout=log, stderr=log
            )
            log.close()
            if self._wait_ready():
                return self
            self.stop()
        raise RuntimeError(f"docker-registry did not start, see {self.root / 'registry.log'}")

    def _wait_ready(self, timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process is None or self._process.poll() is not None:
                return False  # exited: most likely the port was taken meanwhile
            with contextlib.suppress(requests.ConnectionError):
                if requests.get(f"{self.url}/v2/", timeout=2).status_code in (200, 401):
                    return True
            time.sleep(0.05)
        return False

    def stop(self) -> None:
        """Terminate the registry process."""
        if self._process is not None:
            terminate(self._process)
            self._process = None

    def corrupt_blobs(self) -> list[str]:
        """Blobs in storage whose content does not hash to their digest (should be none)."""
        bad = []
        for data in (self.root / "data").glob("docker/registry/v2/blobs/sha256/*/*/data"):
            digest = hashlib.sha256()
            with data.open("rb") as stream:
                while piece := stream.read(1 << 20):
                    digest.update(piece)
            if digest.hexdigest() != data.parent.name:
                bad.append(data.parent.name)
        return bad


def write_self_signed(directory: Path, ip: str = "127.0.0.1") -> tuple[Path, Path]:
    """A self-signed certificate for ``ip`` and its key: (cert.pem, key.pem); the
    certificate is its own CA (what `registry-ca` is given in tests).

    Uses ``cryptography``, which PyGithub brings in (pyjwt[crypto]).
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "regfront-test")])
    now = datetime.datetime.now(datetime.UTC)
    address = x509.IPAddress(ipaddress.ip_address(ip))
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([address]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    key_path.write_bytes(pem)
    return cert_path, key_path
