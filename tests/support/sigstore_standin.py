"""Fulcio, Rekor and a timestamp authority on 127.0.0.1 for a test: the node server in
``tests/support/sigstore_standin/`` (npm ``@sigstore/mock``), as a context manager.

The npm packages its ``package.json`` pins are installed into ``<cache>/sigstore-mock``
when missing or different (``npm install``, as scripts/install-azurite installs Azurite).
Started, the server prints its URL and the trust material it made (fresh keys each run);
``trusted_root_path`` is that material as Sigstore's TrustedRoot JSON, which cosign's
``--trusted-root`` and sigstore-python read, and ``signing_config()`` /
``client_trust_config()`` point a signer at the stand-in's services.

What the stand-in checks is what ``@sigstore/mock`` checks: Fulcio reads the OIDC token's
claims without verifying its signature (so ``tests.support.oidc_standin.OidcStandin``'s
tokens do); see index.mjs for the SAN it issues.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any, Self

import requests

from tests.support.devenv import ROOT
from tests.support.lifecycle import Running, terminate

SOURCE = ROOT / "tests" / "support" / "sigstore_standin"
START_TIMEOUT = 30.0
TRUSTED_ROOT_MEDIA_TYPE = "application/vnd.dev.sigstore.trustedroot+json;version=0.1"
SIGNING_CONFIG_MEDIA_TYPE = "application/vnd.dev.sigstore.signingconfig.v0.2+json"
CLIENT_TRUST_CONFIG_MEDIA_TYPE = "application/vnd.dev.sigstore.clienttrustconfig.v0.1+json"
P256 = "PKIX_ECDSA_P256_SHA_256"


class SigstoreStandinUnavailableError(RuntimeError):
    """node or npm is missing, or the npm install failed."""


def modules_dir() -> Path:
    """Where the pinned npm packages go: ``$SLIPWAY_CACHE/sigstore-mock``."""
    return Path(os.environ.get("SLIPWAY_CACHE", ROOT / ".cache")) / "sigstore-mock"


def _pins() -> dict[str, str]:
    pins: dict[str, str] = json.loads((SOURCE / "package.json").read_text())["dependencies"]
    return pins


def _installed(prefix: Path) -> bool:
    for name, version in _pins().items():
        manifest = prefix / "node_modules" / name / "package.json"
        if not manifest.is_file() or json.loads(manifest.read_text())["version"] != version:
            return False
    return True


def install(prefix: Path | None = None) -> Path:
    """Install the pinned packages into ``prefix`` unless they are there; return it."""
    prefix = prefix or modules_dir()
    if _installed(prefix):
        return prefix
    for tool in ("node", "npm"):
        if shutil.which(tool) is None:
            raise SigstoreStandinUnavailableError(f"{tool} not found: install Node.js")
    prefix.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(SOURCE / "package.json", prefix / "package.json")
    done = subprocess.run(
        ["npm", "install", "--no-audit", "--no-fund", "--no-package-lock"],
        cwd=prefix,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0 or not _installed(prefix):
        raise SigstoreStandinUnavailableError(f"npm install in {prefix} failed:\n{done.stderr}")
    return prefix


def _b64_key(raw: str) -> dict[str, Any]:
    return {"rawBytes": raw, "keyDetails": P256, "validFor": {"start": _since()}}


def _since() -> str:
    """A validity start a day back: before anything the stand-in issued."""
    return (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")


def trusted_root(material: dict[str, Any]) -> dict[str, Any]:
    """Sigstore's TrustedRoot (protobuf JSON) for what the server printed."""
    url = material["url"]

    def log(part: dict[str, str]) -> dict[str, Any]:
        return {
            "baseUrl": url,
            "hashAlgorithm": "SHA2_256",
            "publicKey": _b64_key(part["publicKey"]),
            "logId": {"keyId": part["logId"]},
        }

    def authority(chain: list[str], common_name: str) -> dict[str, Any]:
        return {
            "subject": {"organization": "sigstore.mock", "commonName": common_name},
            "uri": url,
            "certChain": {"certificates": [{"rawBytes": der} for der in chain]},
            "validFor": {"start": _since()},
        }

    return {
        "mediaType": TRUSTED_ROOT_MEDIA_TYPE,
        "tlogs": [log(material["rekor"])],
        "certificateAuthorities": [authority(material["fulcio"]["certChain"], "sigstore")],
        "ctlogs": [log(material["ctlog"])],
        "timestampAuthorities": [authority(material["tsa"]["certChain"], "tsa")],
    }


class SigstoreStandin(Running):
    """The stand-in server; ``url``, ``trusted_root_path``, the ``material`` it printed."""

    def __init__(self, subject_claim: str = "sub", prefix: Path | None = None) -> None:
        self.subject_claim = subject_claim
        self.prefix = prefix
        self.workdir: Path | None = None
        self.process: subprocess.Popen[str] | None = None
        self.material: dict[str, Any] = {}

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``: Fulcio, Rekor and the TSA all answer there."""
        assert self.material, "SigstoreStandin is not started"
        url: str = self.material["url"]
        return url

    @property
    def tsa_url(self) -> str:
        """The timestamp authority's endpoint (RFC 3161 requests)."""
        return f"{self.url}/api/v1/timestamp"

    @property
    def trusted_root_path(self) -> Path:
        """``trusted_root.json`` for this run's keys and certificates."""
        assert self.workdir is not None, "SigstoreStandin is not started"
        return self.workdir / "trusted_root.json"

    @property
    def log_path(self) -> Path:
        """What the server wrote to stderr."""
        assert self.workdir is not None, "SigstoreStandin is not started"
        return self.workdir / "standin.log"

    def signing_config(self, tsa: bool = True) -> dict[str, Any]:
        """Sigstore's SigningConfig (v0.2) naming this stand-in's Fulcio, Rekor and TSA."""

        def service(url: str) -> dict[str, Any]:
            return {
                "url": url,
                "majorApiVersion": 1,
                "validFor": {"start": _since()},
                "operator": "slipway-tests",
            }

        return {
            "mediaType": SIGNING_CONFIG_MEDIA_TYPE,
            "caUrls": [service(self.url)],
            "oidcUrls": [],
            "rekorTlogUrls": [service(self.url)],
            "tsaUrls": [service(self.tsa_url)] if tsa else [],
            "rekorTlogConfig": {"selector": "ANY"},
            "tsaConfig": {"selector": "ANY"},
        }

    def client_trust_config(self, tsa: bool = True) -> dict[str, Any]:
        """Sigstore's ClientTrustConfig: the trusted root and the signing config together."""
        return {
            "mediaType": CLIENT_TRUST_CONFIG_MEDIA_TYPE,
            "trustedRoot": json.loads(self.trusted_root_path.read_text()),
            "signingConfig": self.signing_config(tsa=tsa),
        }

    def start(self) -> Self:
        """Install if needed, start node on a free port, read what it printed."""
        prefix = install(self.prefix)
        self.workdir = Path(tempfile.mkdtemp(prefix="sigstore-standin-"))
        argv = ["node", str(SOURCE / "index.mjs"), "--modules", str(prefix)]
        argv += ["--subject-claim", self.subject_claim]
        with self.log_path.open("w") as log:
            self.process = subprocess.Popen(
                argv, stdout=subprocess.PIPE, stderr=log, text=True, cwd=self.workdir
            )
        try:
            self.material = json.loads(self._first_line(self.process))
            self.trusted_root_path.write_text(json.dumps(trusted_root(self.material), indent=2))
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def _first_line(self, process: subprocess.Popen[str]) -> str:
        """The server's one line of stdout, or a failure with its log."""
        assert process.stdout is not None
        stdout: IO[str] = process.stdout
        lines: list[str] = []
        reader = threading.Thread(target=lambda: lines.append(stdout.readline()), daemon=True)
        reader.start()
        reader.join(START_TIMEOUT)
        if not lines or not lines[0].strip():
            raise RuntimeError(f"the Sigstore stand-in did not start: {self.log_path.read_text()}")
        return lines[0]

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.url}/healthz", timeout=1).ok:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"the Sigstore stand-in did not answer within {START_TIMEOUT} s")

    def stop(self) -> None:
        """Stop node (SIGTERM, then SIGKILL) and remove the working directory."""
        if self.process is not None:
            if self.process.poll() is None:
                terminate(self.process)
            if self.process.stdout is not None:
                self.process.stdout.close()
        self.process = None
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None


def b64(data: bytes) -> str:
    """Standard base64, as Sigstore's protobuf JSON spells bytes."""
    return base64.b64encode(data).decode()
