"""Slipway's own signer (slipway.tools.sigstore, slipway.sign) against the Sigstore stand-in
(tests/support/sigstore_standin: Fulcio, Rekor, a TSA from npm @sigstore/mock), with the
bundles stored next to a tiny image in the local registry as cosign v3 stores them
(slipway.tools.registry.push_artifact), and verified there by the real cosign:

- keyless: ``cosign verify`` (the image's own signature, cosign's sign/v1 statement) and
  ``cosign verify-attestation --type https://slsa.dev/verification_summary/v1`` (the gate's
  verdict), for the right identity and issuer, with Rekor's entry and with a TSA timestamp;
- key mode: ``cosign verify --key`` (no Rekor: ``--insecure-ignore-tlog``, which is what a
  signature that was never logged needs, not a gap of the stand-in) and with Rekor;
- refused: a wrong identity, a wrong issuer, a bundle whose statement was changed, a bundle
  moved to another image, another key.

The image is pushed by HTTP only (a config, a layer, a manifest, an index): no engine, no
build (marked no_engine). The OIDC token comes from the OIDC stand-in through Slipway's own
fetch (slipway.tools.oidc.github_oidc_token), as a job with id-token: write gets it."""

from __future__ import annotations

import base64
import gzip
import io
import json
import shutil
import subprocess
import tarfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from slipway.oci.manifest import OCI_INDEX, OCI_MANIFEST, Manifest
from slipway.oci.referrers import EMPTY_CONFIG, Subject, sha256
from slipway.sign.bundle import BUNDLE_TYPE, dsse_entry, logged_body
from slipway.sign.dsse import Envelope
from slipway.sign.referrer import bundle_artifact
from slipway.sign.statement import (
    COSIGN_SIGN_PREDICATE,
    VSA_PREDICATE,
    Verdict,
    gate_verdict,
    image_signature,
)
from slipway.tools.oidc import github_oidc_token
from slipway.tools.registry import RegistryClient, push_artifact
from slipway.tools.registry_http import Connection
from slipway.tools.sigstore import KeylessSigner, KeySigner, Services, Signer
from tests.support.devenv import DevEnv
from tests.support.oci import RegistryView
from tests.support.oidc_standin import ISSUER, OidcStandin
from tests.support.sigstore_standin import SigstoreStandin

pytestmark = [pytest.mark.integration, pytest.mark.no_engine]

WORKFLOW_REF = "octo-org/hello/.github/workflows/release.yml@refs/heads/main"
IDENTITY = f"https://github.com/{WORKFLOW_REF}"
CLAIMS = {
    "job_workflow_ref": WORKFLOW_REF,
    "repository": "octo-org/hello",
    "ref": "refs/heads/main",
    "sha": "0123456789abcdef0123456789abcdef01234567",
    "workflow_ref": WORKFLOW_REF,
}
COSIGN = shutil.which("cosign")
needs_cosign = pytest.mark.skipif(
    COSIGN is None, reason="cosign not installed (scripts/dev-env: Debian sid's cosign)"
)


def no_sleep(seconds: float) -> None:
    """Retries wait for nothing in the tests."""


@pytest.fixture(scope="module")
def standin() -> Iterator[SigstoreStandin]:
    with SigstoreStandin() as running:
        yield running


@pytest.fixture(scope="module")
def github() -> Iterator[OidcStandin]:
    with OidcStandin(subject="repo:octo-org/hello:ref:refs/heads/main", claims=CLAIMS) as oidc:
        yield oidc


@pytest.fixture(scope="module")
def registry(devenv: DevEnv) -> RegistryClient:
    return RegistryClient(Connection(devenv.registry, loopback=True), no_sleep)


@dataclass(frozen=True)
class Image:
    """A pushed image: its repository in the registry, and its index."""

    registry: str
    repository: str
    index: Manifest

    @property
    def ref(self) -> str:
        """``registry/repository@sha256:...``: what cosign is given."""
        return f"{self.registry}/{self.repository}@{self.index.digest}"

    @property
    def name(self) -> str:
        return f"{self.registry}/{self.repository}"

    @property
    def subject(self) -> Subject:
        return Subject(self.index.digest, self.index.media_type, len(self.index.body))


def _layer(text: str) -> bytes:
    """A gzipped tar holding /hello.txt."""
    data = text.encode()
    archive = io.BytesIO()
    with tarfile.open(fileobj=archive, mode="w") as tar:
        info = tarfile.TarInfo("hello.txt")
        info.size, info.mtime = len(data), 0
        tar.addfile(info, io.BytesIO(data))
    return gzip.compress(archive.getvalue(), mtime=0)


def _canonical(document: dict[str, Any]) -> bytes:
    return json.dumps(document, separators=(",", ":"), sort_keys=True).encode()


def push_image(registry: RegistryClient, work: Path) -> Image:
    """A one-platform image under an OCI index, new content each call, pushed by HTTP."""
    repository = f"slipway-test/sign-{uuid.uuid4().hex[:10]}"
    layer = _layer(f"hello {uuid.uuid4().hex}\n")
    diff_id = sha256(gzip.decompress(layer))
    config = _canonical(
        {
            "architecture": "amd64",
            "os": "linux",
            "rootfs": {"type": "layers", "diff_ids": [diff_id]},
            "config": {},
        }
    )
    for blob in (layer, config):
        path = work / sha256(blob).removeprefix("sha256:")
        path.write_bytes(blob)
        registry.push_blob(repository, sha256(blob), path)
    manifest = _canonical(
        {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": sha256(config),
                "size": len(config),
            },
            "layers": [
                {
                    "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                    "digest": sha256(layer),
                    "size": len(layer),
                }
            ],
        }
    )
    registry.put_manifest(
        repository, sha256(manifest), Manifest(sha256(manifest), OCI_MANIFEST, manifest)
    )
    index = _canonical(
        {
            "schemaVersion": 2,
            "mediaType": OCI_INDEX,
            "manifests": [
                {
                    "mediaType": OCI_MANIFEST,
                    "digest": sha256(manifest),
                    "size": len(manifest),
                    "platform": {"architecture": "amd64", "os": "linux"},
                }
            ],
        }
    )
    top = Manifest(sha256(index), OCI_INDEX, index)
    registry.put_manifest(repository, "latest", top)
    return Image(registry.registry, repository, top)


def verdict(image: Image) -> Verdict:
    return Verdict(
        image=image.name,
        digest=image.index.digest,
        passed=True,
        verified_at=datetime.now(UTC),
        verifier_id="https://github.com/slipway/slipway",
        versions={"slipway": "0.0.0-test", "trivy": "0.58.1"},
        policy={"fail-on": "HIGH"},
        report_digest="sha256:" + "cd" * 32,
        findings={"critical": "0", "high": "0"},
    )


def attach(registry: RegistryClient, image: Image, signer: Signer, work: Path) -> dict[str, Any]:
    """Sign the image and the gate's verdict, push both bundles as referrers; the
    statements' bundles by predicate type."""
    bundles = {}
    for predicate_type, document in (
        (COSIGN_SIGN_PREDICATE, image_signature(image.index.digest)),
        (VSA_PREDICATE, gate_verdict(verdict(image))),
    ):
        bundle = signer.sign_statement(document)
        piece, payload = bundle_artifact(image.subject, bundle, predicate_type, datetime.now(UTC))
        how = push_artifact(registry, image.repository, piece, payload, work)
        assert how in ("referrers API", f"tag sha256-{image.index.digest.removeprefix('sha256:')}")
        bundles[predicate_type] = bundle
    return bundles


def token(github: OidcStandin) -> str:
    return github_oidc_token(github.env, "sigstore", sleep=no_sleep)


def services(standin: SigstoreStandin, *, rekor: bool = True, tsa: bool = False) -> Services:
    return Services(
        fulcio_url=standin.url,
        rekor_url=standin.url if rekor else "",
        tsa_url=standin.tsa_url if tsa else "",
    )


def cosign(work: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    """The real cosign, offline: everything it trusts comes from its arguments."""
    assert COSIGN is not None
    home = work / "cosign-home"
    home.mkdir(exist_ok=True)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "TUF_ROOT": str(home)}
    command = [COSIGN, *argv, "--allow-http-registry", "--allow-insecure-registry"]
    return subprocess.run(
        command, capture_output=True, text=True, env=env, timeout=120, check=False
    )


def keyless(
    standin: SigstoreStandin,
    work: Path,
    image: Image,
    *more: str,
    verb: str = "verify",
    identity: str = IDENTITY,
    issuer: str = ISSUER,
) -> subprocess.CompletedProcess[str]:
    argv = [verb, "--trusted-root", str(standin.trusted_root_path)]
    argv += ["--certificate-identity", identity, "--certificate-oidc-issuer", issuer]
    return cosign(work, *argv, *more, image.ref)


def statements(done: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    """What ``cosign verify-attestation`` printed: one DSSE envelope per line, decoded."""
    found = []
    for line in done.stdout.splitlines():
        if line.strip().startswith("{"):
            envelope = json.loads(line)
            found.append(json.loads(base64.b64decode(envelope["payload"])))
    return found


# --- keyless --------------------------------------------------------------------------------


@needs_cosign
@pytest.mark.parametrize("tsa", [False, True], ids=["rekor", "rekor+tsa"])
def test_cosign_verifies_the_keyless_signature_and_the_gates_verdict_from_the_referrers(
    standin: SigstoreStandin,
    github: OidcStandin,
    registry: RegistryClient,
    tmp_path: Path,
    tsa: bool,
) -> None:
    image = push_image(registry, tmp_path)
    signer = KeylessSigner.start(token(github), services(standin, tsa=tsa), sleep=no_sleep)
    bundles = attach(registry, image, signer, tmp_path)
    for bundle in bundles.values():
        assert bundle["mediaType"] == BUNDLE_TYPE
        (entry,) = bundle["verificationMaterial"]["tlogEntries"]
        assert logged_body(entry)["kind"] == "dsse"
        stamps = bundle["verificationMaterial"].get("timestampVerificationData")
        assert bool(stamps) == tsa

    timestamps = ["--use-signed-timestamps"] if tsa else []
    done = keyless(standin, tmp_path, image, *timestamps)
    assert done.returncode == 0, done.stderr
    assert image.index.digest in done.stdout

    done = keyless(
        standin, tmp_path, image, "--type", VSA_PREDICATE, *timestamps, verb="verify-attestation"
    )
    assert done.returncode == 0, done.stderr
    vsa = [s for s in statements(done) if s["predicateType"] == VSA_PREDICATE]
    assert vsa, done.stdout
    assert vsa[0]["predicate"]["verificationResult"] == "PASSED"
    assert vsa[0]["predicate"]["resourceUri"] == f"{image.name}@{image.index.digest}"
    assert vsa[0]["subject"][0]["digest"] == {"sha256": image.index.digest.removeprefix("sha256:")}


@needs_cosign
def test_the_bundles_are_listed_where_cosign_and_oras_look(
    standin: SigstoreStandin, github: OidcStandin, registry: RegistryClient, tmp_path: Path
) -> None:
    image = push_image(registry, tmp_path)
    signer = KeylessSigner.start(token(github), services(standin), sleep=no_sleep)
    attach(registry, image, signer, tmp_path)
    listed = registry.referrers(image.repository, image.index.digest, BUNDLE_TYPE)
    types = sorted(m["annotations"]["dev.sigstore.bundle.predicateType"] for m in listed)
    assert types == sorted([COSIGN_SIGN_PREDICATE, VSA_PREDICATE])
    view = RegistryView(image.registry)
    for entry in listed:
        found = view.manifest(image.repository, entry["digest"])
        assert found is not None
        manifest = found[1]
        assert manifest["artifactType"] == BUNDLE_TYPE
        assert [layer["mediaType"] for layer in manifest["layers"]] == [BUNDLE_TYPE]
        assert manifest["config"]["digest"] == sha256(EMPTY_CONFIG)
        assert manifest["subject"]["digest"] == image.index.digest
    done = cosign(tmp_path, "tree", f"{image.registry}/{image.repository}:latest")
    assert done.returncode == 0, done.stderr
    assert VSA_PREDICATE in done.stdout + done.stderr


@needs_cosign
@pytest.mark.parametrize(
    ("identity", "issuer"),
    [
        ("https://github.com/octo-org/evil/.github/workflows/release.yml@refs/heads/main", ISSUER),
        (IDENTITY, "https://accounts.example.com"),
    ],
    ids=["wrong-identity", "wrong-issuer"],
)
def test_cosign_refuses_a_wrong_identity_or_issuer(
    standin: SigstoreStandin,
    github: OidcStandin,
    registry: RegistryClient,
    tmp_path: Path,
    identity: str,
    issuer: str,
) -> None:
    image = push_image(registry, tmp_path)
    signer = KeylessSigner.start(token(github), services(standin), sleep=no_sleep)
    attach(registry, image, signer, tmp_path)
    assert keyless(standin, tmp_path, image).returncode == 0
    for verb, more in (("verify", ()), ("verify-attestation", ("--type", VSA_PREDICATE))):
        done = keyless(standin, tmp_path, image, *more, verb=verb, identity=identity, issuer=issuer)
        assert done.returncode != 0, done.stdout
        wrong = "SAN" if identity != IDENTITY else "issuer"
        assert f"expected {wrong} value" in done.stderr


def _tampered(bundle: dict[str, Any]) -> dict[str, Any]:
    """The bundle with its statement changed after signing (the gate's verdict FAILED)."""
    changed: dict[str, Any] = json.loads(json.dumps(bundle))
    envelope = changed["dsseEnvelope"]
    statement = json.loads(base64.b64decode(envelope["payload"]))
    statement["predicate"] = statement["predicate"] | {"verificationResult": "FAILED"}
    envelope["payload"] = base64.b64encode(_canonical(statement)).decode()
    return changed


@needs_cosign
def test_cosign_refuses_a_changed_statement_and_a_bundle_moved_to_another_image(
    standin: SigstoreStandin, github: OidcStandin, registry: RegistryClient, tmp_path: Path
) -> None:
    signed = push_image(registry, tmp_path)
    signer = KeylessSigner.start(token(github), services(standin), sleep=no_sleep)
    bundles = attach(registry, signed, signer, tmp_path)

    changed = push_image(registry, tmp_path)  # the verdict about it, altered after signing
    tampered = _tampered(bundles[VSA_PREDICATE])
    piece, payload = bundle_artifact(changed.subject, tampered, VSA_PREDICATE, datetime.now(UTC))
    push_artifact(registry, changed.repository, piece, payload, tmp_path)
    done = keyless(standin, tmp_path, changed, "--type", VSA_PREDICATE, verb="verify-attestation")
    assert done.returncode != 0, done.stdout
    assert "does not match envelope payload hash" in done.stderr  # Rekor logged another one

    other = push_image(registry, tmp_path)  # the signed image's bundles, on another image
    for predicate_type, bundle in bundles.items():
        piece, payload = bundle_artifact(other.subject, bundle, predicate_type, datetime.now(UTC))
        push_artifact(registry, other.repository, piece, payload, tmp_path)
    for verb, more in (("verify", ()), ("verify-attestation", ("--type", VSA_PREDICATE))):
        done = keyless(standin, tmp_path, other, *more, verb=verb)
        assert done.returncode != 0, done.stdout
        assert "artifact digest does not match any digest in statement" in done.stderr


# --- key mode -------------------------------------------------------------------------------


def key_pem() -> str:
    """A new P-256 key as PKCS#8 PEM."""
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return pem.decode()


def public_file(signer: Signer, work: Path, name: str = "cosign.pub") -> Path:
    path = work / name
    path.write_bytes(signer.public_key_pem)
    return path


@needs_cosign
def test_cosign_verifies_a_key_mode_signature_with_the_key(
    registry: RegistryClient, tmp_path: Path
) -> None:
    image = push_image(registry, tmp_path)
    signer = KeySigner.from_pem(key_pem(), sleep=no_sleep)
    bundles = attach(registry, image, signer, tmp_path)
    assert all(b["verificationMaterial"]["tlogEntries"] == [] for b in bundles.values())
    assert all("publicKey" in b["verificationMaterial"] for b in bundles.values())
    key = public_file(signer, tmp_path)
    # Never logged, so nothing for cosign to find in a log: that is what the flag says.
    done = cosign(tmp_path, "verify", "--key", str(key), "--insecure-ignore-tlog", image.ref)
    assert done.returncode == 0, done.stderr
    done = cosign(
        tmp_path,
        "verify-attestation",
        "--key",
        str(key),
        "--insecure-ignore-tlog",
        "--type",
        VSA_PREDICATE,
        image.ref,
    )
    assert done.returncode == 0, done.stderr

    changed = push_image(registry, tmp_path)
    tampered = _tampered(bundles[VSA_PREDICATE])
    piece, payload = bundle_artifact(changed.subject, tampered, VSA_PREDICATE, datetime.now(UTC))
    push_artifact(registry, changed.repository, piece, payload, tmp_path)
    done = cosign(
        tmp_path,
        "verify-attestation",
        "--key",
        str(key),
        "--insecure-ignore-tlog",
        "--type",
        VSA_PREDICATE,
        changed.ref,
    )
    assert done.returncode != 0, done.stdout
    assert "signature" in done.stderr.lower()

    other = KeySigner.from_pem(key_pem(), sleep=no_sleep)
    wrong = public_file(other, tmp_path, "other.pub")
    done = cosign(tmp_path, "verify", "--key", str(wrong), "--insecure-ignore-tlog", image.ref)
    assert done.returncode != 0, done.stdout


@needs_cosign
def test_a_key_mode_signature_logged_in_rekor_verifies_with_its_entry(
    standin: SigstoreStandin, registry: RegistryClient, tmp_path: Path
) -> None:
    image = push_image(registry, tmp_path)
    signer = KeySigner.from_pem(key_pem(), services=Services(rekor_url=standin.url), sleep=no_sleep)
    bundles = attach(registry, image, signer, tmp_path)
    assert all(len(b["verificationMaterial"]["tlogEntries"]) == 1 for b in bundles.values())
    key = public_file(signer, tmp_path)
    trusted = ["--trusted-root", str(standin.trusted_root_path)]
    done = cosign(tmp_path, "verify", "--key", str(key), *trusted, image.ref)
    assert done.returncode == 0, done.stderr


# --- the second verifier, and the stand-in's Rekor ----------------------------------------


@pytest.mark.parametrize("tsa", [False, True], ids=["rekor", "rekor+tsa"])
def test_sigstore_python_verifies_the_bundles_too(
    standin: SigstoreStandin, github: OidcStandin, tsa: bool
) -> None:
    from sigstore.models import Bundle, TrustedRoot
    from sigstore.verify import Verifier, policy

    signer = KeylessSigner.start(token(github), services(standin, tsa=tsa), sleep=no_sleep)
    statement = image_signature("sha256:" + "ab" * 32)
    bundle = Bundle.from_json(json.dumps(signer.sign_statement(statement)))
    verifier = Verifier(trusted_root=TrustedRoot.from_file(str(standin.trusted_root_path)))
    payload_type, payload = verifier.verify_dsse(
        bundle, policy.Identity(identity=IDENTITY, issuer=ISSUER)
    )
    assert payload_type == "application/vnd.in-toto+json"
    assert json.loads(payload) == statement


def test_the_standins_rekor_refuses_a_dsse_entry_that_does_not_verify(
    standin: SigstoreStandin,
) -> None:
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    pem = key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    envelope = Envelope("application/vnd.in-toto+json", b"{}", b"not a signature")
    answer = requests.post(
        f"{standin.url}/api/v1/log/entries", json=dsse_entry(envelope, pem), timeout=10
    )
    assert answer.status_code == 400
    assert "does not verify" in answer.text
