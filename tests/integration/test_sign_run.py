"""The whole run signs (issue 26): ``python -m slipway`` builds, pushes, scans and gates a
small image, then signs it against the Sigstore stand-in (Fulcio, Rekor, a TSA) with the
OIDC stand-in's token, or with a key, and pushes the bundles as referrers; the real cosign
then runs the commands the run printed (its ``verify-commands`` output), from the registry:

- keyless with Rekor (a public repository): the image, the gate's VSA, each platform's SBOM
  and BuildKit's provenance; a wrong identity or issuer is refused;
- keyless without a log (a private repository): the TSA's timestamp instead;
- with a key: ``cosign verify --key``; another key is refused;
- a failed gate signs nothing: no bundle refers to the image, ``signed`` is false;
- with ``github-attestations``, each signed statement's bundle is stored with the GitHub API
  stand-in's attestations API too (the very bundles of the registry, listed by the index's
  digest); a token without ``attestations: write`` is a warning, the run signs all the same.

The negative cases on single bundles (a changed statement, a bundle moved to another image)
are tests/integration/test_sign_image.py's."""

from __future__ import annotations

import base64
import json
import shlex
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from slipway.sign.bundle import BUNDLE_TYPE
from slipway.sign.dsse import canonical_json
from slipway.sign.statement import COSIGN_SIGN_PREDICATE, CYCLONEDX_PREDICATE, VSA_PREDICATE
from slipway.tools.registry import RegistryClient
from slipway.tools.registry_http import Connection
from tests.support.actionrun import ActionRun, run_action, unique_repository
from tests.support.devenv import DevEnv
from tests.support.images import scratch_context
from tests.support.oci import RegistryView
from tests.support.oidc_standin import ISSUER, OidcStandin
from tests.support.payloads import load_event
from tests.support.pytest_github import GitHubStandIn
from tests.support.sigstore_standin import SigstoreStandin

pytestmark = pytest.mark.integration

WORKFLOW_REF = "Codertocat/Hello-World/.github/workflows/release.yml@refs/heads/master"
IDENTITY = f"https://github.com/{WORKFLOW_REF}"
CLAIMS = {
    "job_workflow_ref": WORKFLOW_REF,
    "repository": "Codertocat/Hello-World",
    "ref": "refs/heads/master",
    "workflow_ref": WORKFLOW_REF,
}
COSIGN = shutil.which("cosign")
PLATFORMS = ("linux/amd64", "linux/arm64")


def no_sleep(seconds: float) -> None:
    """Retries wait for nothing in the tests."""


@pytest.fixture(scope="module")
def standin() -> Iterator[SigstoreStandin]:
    with SigstoreStandin() as running:
        yield running


@pytest.fixture(scope="module")
def oidc() -> Iterator[OidcStandin]:
    subject = "repo:Codertocat/Hello-World:ref:refs/heads/master"
    with OidcStandin(subject=subject, claims=CLAIMS) as oidc:
        yield oidc


def run(
    devenv: DevEnv,
    tmp_path: Path,
    repository: str,
    *,
    private: bool = False,
    platforms: tuple[str, ...] = ("linux/amd64",),
    extra_env: dict[str, str] | None = None,
    more: dict[str, str] | None = None,
    api_url: str = "http://127.0.0.1:9",
) -> ActionRun:
    workspace = tmp_path / "workspace"
    workspace.mkdir(parents=True, exist_ok=True)
    inputs = {
        "IMAGES": f"{devenv.registry}/{repository}",
        "CONTEXT": str(scratch_context(workspace / "ctx", platforms)),
        "PLATFORMS": ",".join(platforms),
        "PUSH": "true",
        "PROVENANCE": "mode=min",
        "TRIVY-DB-REPOSITORY": devenv.trivy_db,
        "TRIVY-CACHE-DIR": str(tmp_path / "trivy"),
        "SBOM-FILE": "sbom.cdx.json",
        "PR-COMMENT": "never",
        **(more or {}),
    }
    payload = load_event("push", index=4)
    payload["repository"]["private"] = private
    return run_action(
        tmp_path / "run",
        "push",
        payload,
        inputs,
        cwd=workspace,
        api_url=api_url,
        extra_env={
            "GITHUB_WORKSPACE": str(workspace),
            "GITHUB_WORKFLOW_REF": WORKFLOW_REF,
            **(extra_env or {}),
        },
    )


def cosign(work: Path, argv: list[str]) -> subprocess.CompletedProcess[str]:
    """The real cosign, offline: everything it trusts comes from its arguments."""
    assert COSIGN is not None, "cosign is installed by scripts/dev-env"
    home = work / "cosign-home"
    home.mkdir(exist_ok=True)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "TUF_ROOT": str(home)}
    command = [COSIGN, *argv, "--allow-http-registry", "--allow-insecure-registry"]
    return subprocess.run(
        command, capture_output=True, text=True, env=env, timeout=120, check=False, cwd=work
    )


def commands(
    result: ActionRun, trusted_root: Path | None, key: Path | None = None
) -> list[list[str]]:
    """The run's ``verify-commands``, each as argv without ``cosign``, the trusted root and
    the public key given where the commands name them."""
    found = []
    for line in result.outputs["verify-commands"].splitlines():
        argv = shlex.split(line)
        assert argv[0] == "cosign"
        if trusted_root is not None:
            argv = [a.replace("trusted_root.json", str(trusted_root)) for a in argv]
        if key is not None:
            argv = [a.replace("--key=cosign.pub", f"--key={key}") for a in argv]
        found.append(argv[1:])
    return found


def types_of(result: ActionRun) -> list[str]:
    return [
        argv[argv.index("verify-attestation") + 1].removeprefix("--type=")
        for argv in map(shlex.split, result.outputs["verify-commands"].splitlines())
        if "verify-attestation" in argv
    ]


def bundles(devenv: DevEnv, repository: str, digest: str) -> list[dict[str, object]]:
    registry = RegistryClient(Connection(devenv.registry, loopback=True), no_sleep)
    return registry.referrers(repository, digest, BUNDLE_TYPE)


def signing_config(standin: SigstoreStandin, *, tsa: bool) -> str:
    return json.dumps(standin.client_trust_config(tsa=tsa))


def test_a_keyless_run_signs_the_image_its_verdict_sboms_and_provenance(
    devenv: DevEnv, standin: SigstoreStandin, oidc: OidcStandin, tmp_path: Path
) -> None:
    repository = unique_repository("slipway-test/sign-keyless")
    result = run(
        devenv,
        tmp_path,
        repository,
        platforms=PLATFORMS,
        extra_env=oidc.env,
        more={"SIGN": "true", "SIGSTORE-CONFIG": signing_config(standin, tsa=False)},
    )
    assert result.returncode == 0, result.log
    assert result.outputs["signed"] == "true"
    digest = result.outputs["digest"]
    types = types_of(result)
    assert types.count(CYCLONEDX_PREDICATE) == len(PLATFORMS)
    assert VSA_PREDICATE in types
    assert sum(t.startswith("https://slsa.dev/provenance/") for t in types) == len(PLATFORMS)
    listed = bundles(devenv, repository, digest)
    kinds = sorted(str(m["annotations"]["dev.sigstore.bundle.predicateType"]) for m in listed)  # type: ignore[index]
    assert kinds == sorted([COSIGN_SIGN_PREDICATE, *types])
    assert "### Signed" in result.summary
    assert "cosign verify" in result.summary
    for argv in commands(result, standin.trusted_root_path):
        assert f"--certificate-identity={IDENTITY}" in argv
        assert f"--certificate-oidc-issuer={ISSUER}" in argv
        done = cosign(tmp_path, argv)
        assert done.returncode == 0, (argv, done.stderr)
    verify = commands(result, standin.trusted_root_path)
    vsa = next(a for a in verify if f"--type={VSA_PREDICATE}" in a)
    done = cosign(tmp_path, vsa)
    statement = next(
        json.loads(base64.b64decode(json.loads(line)["payload"]))
        for line in done.stdout.splitlines()
        if line.startswith("{")
    )
    predicate = statement["predicate"]
    assert predicate["verificationResult"] == "PASSED"
    assert predicate["verifier"]["version"]["trivy"]
    [report] = predicate["inputAttestations"]
    assert report["annotations"]["db-updated-at"]
    assert predicate["policy"]["annotations"]["fail-on"] == "CRITICAL"
    # the image's signature for another identity, or another issuer: refused
    image = verify[0]
    for wrong in (
        [a.replace(IDENTITY, IDENTITY.replace("Hello-World", "Evil")) for a in image],
        [a.replace(ISSUER, "https://accounts.example.com") for a in image],
    ):
        done = cosign(tmp_path, wrong)
        assert done.returncode != 0, done.stdout
        assert "expected" in done.stderr


def test_a_private_repository_is_timestamped_not_logged(
    devenv: DevEnv, standin: SigstoreStandin, oidc: OidcStandin, tmp_path: Path
) -> None:
    repository = unique_repository("slipway-test/sign-private")
    result = run(
        devenv,
        tmp_path,
        repository,
        private=True,
        extra_env=oidc.env,
        more={"SIGSTORE-CONFIG": signing_config(standin, tsa=True), "PROVENANCE": "false"},
    )
    assert result.returncode == 0, result.log
    assert result.outputs["signed"] == "true"
    verify = commands(result, standin.trusted_root_path)
    assert all(
        "--insecure-ignore-tlog=true" in a and "--use-signed-timestamps" in a for a in verify
    )
    for argv in verify:
        done = cosign(tmp_path, argv)
        assert done.returncode == 0, (argv, done.stderr)


def _key(work: Path) -> tuple[str, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = work / "signing.pub"
    public.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return pem, public


def test_a_key_mode_run_verifies_with_the_key_and_not_with_another(
    devenv: DevEnv, tmp_path: Path
) -> None:
    repository = unique_repository("slipway-test/sign-key")
    pem, public = _key(tmp_path)
    result = run(
        devenv, tmp_path, repository, private=True, more={"SIGN-KEY": pem, "PROVENANCE": "false"}
    )
    assert result.returncode == 0, result.log
    assert result.outputs["signed"] == "true"
    unmasked = "\n".join(x for x in result.log.splitlines() if not x.startswith("::add-mask::"))
    for line in pem.splitlines()[1:-1]:  # the key is shown nowhere
        assert all(line not in shown for shown in (unmasked, result.summary, str(result.outputs)))
    verify = commands(result, None, public)
    assert all("--insecure-ignore-tlog=true" in argv for argv in verify)  # never logged
    for argv in verify:
        done = cosign(tmp_path, argv)
        assert done.returncode == 0, (argv, done.stderr)
    (tmp_path / "other").mkdir()
    _, other = _key(tmp_path / "other")
    done = cosign(tmp_path, commands(result, None, other)[0])
    assert done.returncode != 0, done.stdout


def test_a_failed_gate_signs_nothing(
    devenv: DevEnv, standin: SigstoreStandin, oidc: OidcStandin, tmp_path: Path
) -> None:
    repository = unique_repository("slipway-test/sign-fail")
    result = run(
        devenv,
        tmp_path,
        repository,
        extra_env=oidc.env,
        more={
            "SIGN": "true",
            "SIGSTORE-CONFIG": signing_config(standin, tsa=False),
            "MAX-SIZE": "1",
            "PROVENANCE": "false",
        },
    )
    assert result.returncode == 1, result.log
    assert result.outputs["signed"] == "false"
    assert result.outputs["verify-commands"] == ""
    assert bundles(devenv, repository, result.outputs["digest"]) == []
    assert "signed https://" not in result.log


OWNER, REPO = "Codertocat", "Hello-World"  # the push payload's repository
TOKEN = "ghs_signrunattestations0123456789"


def registry_bundles(devenv: DevEnv, repository: str, digest: str) -> list[bytes]:
    """The bundles referring to ``digest`` in the registry, as stored (canonical JSON)."""
    registry = RegistryClient(Connection(devenv.registry, loopback=True), no_sleep)
    found = []
    for descriptor in bundles(devenv, repository, digest):
        manifest = registry.get_manifest(repository, str(descriptor["digest"])).json()
        found.append(
            canonical_json(registry.get_blob_json(repository, manifest["layers"][0]["digest"]))
        )
    return sorted(found)


def test_github_attestations_stores_each_signed_statement_with_the_api(
    devenv: DevEnv,
    standin: SigstoreStandin,
    oidc: OidcStandin,
    github: GitHubStandIn,
    tmp_path: Path,
) -> None:
    github.seed_repo(OWNER, REPO)
    github.add_token(TOKEN, "write", scopes={"attestations": "write"})
    repository = unique_repository("slipway-test/sign-attest")
    result = run(
        devenv,
        tmp_path,
        repository,
        extra_env=oidc.env,
        api_url=github.url,
        more={
            "SIGN": "true",
            "SIGSTORE-CONFIG": signing_config(standin, tsa=False),
            "GITHUB-ATTESTATIONS": "true",
            "GITHUB-TOKEN": TOKEN,
        },
    )
    assert result.returncode == 0, result.log
    assert result.outputs["signed"] == "true"
    digest = result.outputs["digest"]
    stored = github.attestations
    # one per signed statement: the image, the verdict, the SBOM, BuildKit's provenance
    kinds = sorted([COSIGN_SIGN_PREDICATE, *types_of(result)])
    assert sorted(a.predicate_type for a in stored) == kinds
    assert len(kinds) == 4
    assert all(a.subjects[0] == digest for a in stored)
    assert all((a.owner, a.repo) == (OWNER, REPO) for a in stored)
    # the very bundles pushed as referrers (which cosign verifies: the tests above)
    assert sorted(canonical_json(a.bundle) for a in stored) == registry_bundles(
        devenv, repository, digest
    )
    posts = [r for r in github.requests if r.path == f"/repos/{OWNER}/{REPO}/attestations"]
    assert [(r.method, r.status, r.token) for r in posts] == [("POST", 201, TOKEN)] * 4
    # what `gh attestation verify` asks: the bundles about the image's digest
    listed = requests.get(
        f"{github.url}/repos/{OWNER}/{REPO}/attestations/{digest}",
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=10,
    )
    assert listed.status_code == 200
    assert [a["bundle"] for a in listed.json()["attestations"]] == [a.bundle for a in stored]
    assert result.log.count("stored the bundle with GitHub's attestations API") == 4
    assert "attestations: write" not in result.log


def test_github_attestations_without_the_permission_is_a_warning(
    devenv: DevEnv, github: GitHubStandIn, tmp_path: Path
) -> None:
    github.seed_repo(OWNER, REPO)
    github.add_token(TOKEN, "write")  # the repository's write, not attestations: write
    repository = unique_repository("slipway-test/sign-attest-denied")
    pem, _ = _key(tmp_path)
    result = run(
        devenv,
        tmp_path,
        repository,
        private=True,
        api_url=github.url,
        more={
            "SIGN-KEY": pem,
            "PROVENANCE": "false",
            "GITHUB-ATTESTATIONS": "true",
            "GITHUB-TOKEN": TOKEN,
        },
    )
    assert result.returncode == 0, result.log
    assert result.outputs["signed"] == "true"
    digest = result.outputs["digest"]
    assert len(registry_bundles(devenv, repository, digest)) == 3  # image, verdict, SBOM
    assert github.attestations == []
    warnings = [line for line in result.log.splitlines() if "attestations API" in line]
    assert len(warnings) == 1, warnings  # asked once: a refusal ends the asking
    assert warnings[0].startswith("::warning")
    assert "`permissions: attestations: write`" in warnings[0]
    assert "Resource not accessible by integration" in warnings[0]
    unmasked = "\n".join(x for x in result.log.splitlines() if not x.startswith("::add-mask::"))
    for secret in (TOKEN, *pem.splitlines()[1:-1]):
        assert all(secret not in shown for shown in (unmasked, result.summary, str(result.outputs)))


def test_provenance_stored_as_referrers_is_signed_too(devenv: DevEnv, tmp_path: Path) -> None:
    """`attestation-storage: referrers` moves BuildKit's provenance out of the index before
    the sign step: it signs the statements the push moved, about the published index."""
    repository = unique_repository("slipway-test/sign-referrers")
    pem, public = _key(tmp_path)
    result = run(
        devenv,
        tmp_path,
        repository,
        platforms=PLATFORMS,
        private=True,
        more={"SIGN-KEY": pem, "ATTESTATION-STORAGE": "referrers"},
    )
    assert result.returncode == 0, result.log
    index = RegistryView(devenv.registry).manifest(repository, result.outputs["digest"])
    assert index is not None
    assert all(m["platform"]["os"] != "unknown" for m in index[1]["manifests"])
    verify = commands(result, None, public)
    provenance = [
        a for a in verify if any(x.startswith("--type=https://slsa.dev/provenance/") for x in a)
    ]
    assert len(provenance) == len(PLATFORMS), result.outputs["verify-commands"]
    for argv in provenance:
        done = cosign(tmp_path, argv)
        assert done.returncode == 0, (argv, done.stderr)
