"""The sign step (issue 26): after the gate passed and before any tag moves, what the run
publishes is signed and the Sigstore bundles are pushed next to the index as cosign v3 stores
them (OCI 1.1 referrers, artifactType ``application/vnd.dev.sigstore.bundle.v0.3+json``, with
the referrers tag schema where the registry has no referrers API), to every image pushed:

- the image itself (cosign's sign/v1 statement), the gate's verdict (a SLSA VSA), each
  platform's SBOM and SLSA provenance (`slipway.sign.evidence`);
- keyless (an ephemeral key, Fulcio's certificate for the job's OIDC token of audience
  ``sigstore``, Rekor's entry or a TSA's timestamp) or with the `sign-key`
  (`slipway.tools.sigstore`), as `slipway.core.signing` decided before the build;
- optionally each bundle stored with GitHub's attestations API too.

With `sign: true` a failure stops the run (no tag moves); with `auto` it is a warning and the
run goes on unsigned, saying so.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from slipway import __version__
from slipway.core.signing import Signing
from slipway.errors import RegistryError, SigningError
from slipway.github.attestations import store_bundle
from slipway.oci.attestations import detach, read_statements
from slipway.oci.referrers import Subject
from slipway.scan.combined import vulnerability_counts
from slipway.sign import evidence
from slipway.sign.referrer import bundle_artifact
from slipway.sign.statement import (
    COSIGN_SIGN_PREDICATE,
    CYCLONEDX_PREDICATE,
    VSA_PREDICATE,
    Verdict,
    attestation,
    gate_verdict,
    image_signature,
    sha256_of,
)
from slipway.sign.verify import (
    Signed,
    certificate_identity,
    token_issuer,
    verify_commands,
)
from slipway.sign.verify import (
    Signer as Who,
)
from slipway.stages.registries import client
from slipway.tools import trivy
from slipway.tools.oidc import github_oidc_token
from slipway.tools.registry import RegistryClient, push_artifact
from slipway.tools.sigstore import KeylessSigner, KeySigner, Services, Signer

if TYPE_CHECKING:
    from slipway.oci.manifest import Manifest
    from slipway.oci.refs import ImageName
    from slipway.stages import Run, State

AUDIENCE = "sigstore"
NOT_SIGNED = "not signed: {reason}"
Statement = tuple[str, dict[str, Any]]  # (predicate type, in-toto statement)


def sign(run: Run, state: State) -> None:
    """Step SIGN."""
    index = state.index
    if index is None:
        return
    try:
        signer, who = _start(run)
        _sign_everywhere(run, state, index, signer, who)
    except (SigningError, RegistryError) as error:
        if run.plan.sign.required:
            raise
        state.signed.clear()
        state.not_signed = NOT_SIGNED.format(reason=error.message)
        run.workflow.warning(state.not_signed)


def _start(run: Run) -> tuple[Signer, Who]:
    """The signer (for keyless: Fulcio's certificate, now: it lives 10 minutes), and who it
    is as a verifier names it."""
    plan = run.plan.sign
    trust = run.access.trust
    services = Services(
        fulcio_url=plan.fulcio_url,
        rekor_url=plan.rekor_url,
        tsa_url=plan.tsa_url,
        ca_bundle=trust.bundle if trust is not None else "",
    )
    logged, stamped = bool(plan.rekor_url), bool(plan.tsa_url)
    private = not plan.public_instance
    if plan.how is Signing.KEY:
        signer: Signer = KeySigner.from_pem(plan.key, plan.key_password, services)
        return signer, Who(logged=logged, timestamped=stamped, trusted_root=private and logged)
    try:
        token = github_oidc_token(run.id_token_env, AUDIENCE)
    except RegistryError as error:
        raise SigningError(error.message, error.hint) from None
    run.workflow.mask(token)
    keyless = KeylessSigner.start(token, services)
    identity = certificate_identity(keyless.certificate_der)
    who = Who(identity, token_issuer(token), logged, stamped, trusted_root=private)
    return keyless, who


def _sign_everywhere(run: Run, state: State, index: Manifest, signer: Signer, who: Who) -> None:
    """Sign each statement once (the verdict once per image: it names the image) and push the
    bundles to every image."""
    subject = Subject(index.digest, index.media_type, len(index.body))
    first = client(run, run.plan.images[0])
    shared = list(_shared_statements(run, state, index, first))
    bundles = [(kind, signer.sign_statement(statement)) for kind, statement in shared]
    scanner = (trivy.version(run.runner) or "unknown") if state.scans else ""
    attest = run.plan.sign.github_attestations
    for number, image in enumerate(run.plan.images):
        verdict = gate_verdict(_verdict(run, state, image, index.digest, scanner))
        mine = [bundles[0], (VSA_PREDICATE, signer.sign_statement(verdict)), *bundles[1:]]
        registry = client(run, image)
        for predicate_type, bundle in mine:
            piece, payload = bundle_artifact(subject, bundle, predicate_type, run.now)
            how = push_artifact(registry, image.repository, piece, payload, run.work)
            run.workflow.info(
                f"signed {predicate_type} for {image}@{index.digest}: bundle {piece.digest} "
                f"(listed by the {how})"
            )
        if attest:  # the shared statements once, each image's verdict; a refusal (warned) ends it
            todo = mine if number == 0 else mine[1:2]
            attest = all(
                store_bundle(
                    run.workflow,
                    run.context,
                    token=run.access.github_token,
                    bundle=bundle,
                    retrier=run.github,
                )
                for _, bundle in todo
            )
        reference = image.with_digest(index.digest)
        kinds = tuple(kind for kind, _ in mine)
        commands = tuple(verify_commands(reference, kinds, who))
        state.signed.append(Signed(reference, kinds, commands))


def _shared_statements(
    run: Run, state: State, index: Manifest, registry: RegistryClient
) -> Iterator[Statement]:
    """The statements about the index alone: the image, then the SBOMs and provenance."""
    yield COSIGN_SIGN_PREDICATE, image_signature(index.digest)
    for platform, path in sorted(state.sbom_files.items()):
        digest = state.platform_digests.get(platform, "")
        if not digest:
            continue
        sbom = json.loads(Path(path).read_text(encoding="utf-8"))
        subjects = (
            [("", index.digest), (platform, digest)]
            if digest != index.digest
            else [("", index.digest)]
        )
        yield CYCLONEDX_PREDICATE, attestation(subjects, CYCLONEDX_PREDICATE, sbom)
    if index.is_index:
        yield from _provenance(run, state, index, registry)


def _provenance(
    run: Run, state: State, index: Manifest, registry: RegistryClient
) -> Iterator[Statement]:
    """BuildKit's provenance: the statements the push moved out of the index
    (`attestation-storage: referrers`), else those of the index's attestation manifests."""
    repository = run.plan.images[0].repository
    found = state.detached or read_statements(
        detach(index)[1],
        lambda digest: registry.get_manifest(repository, digest).body,
        lambda digest: registry.get_blob(repository, digest),
        str(run.plan.images[0]),
    )
    yield from evidence.provenance(index.digest, found)


def _verdict(run: Run, state: State, image: ImageName, digest: str, scanner: str) -> Verdict:
    """The gate's verdict about ``image`` (it passed: this step runs only then), judged with
    Trivy ``scanner`` ("" when nothing was scanned)."""
    options = run.plan.scan
    versions = {"slipway": __version__} | ({"trivy": scanner} if scanner else {})
    findings: dict[str, str] = {}
    report_digest = ""
    if state.scans:
        counts = vulnerability_counts(state.scans, options.scan_severities)["all"]
        findings = evidence.verdict_findings(state.db_updated_at, counts, options.scanners)
    if state.report_file:
        report_digest = sha256_of(Path(state.report_file).read_bytes())
    policy = {
        "fail-on": str(options.fail_on),
        "fail-on-scope": str(options.fail_on_scope),
        "severity": ",".join(s.value for s in options.scan_severities),
        "scan": "true" if options.enabled else "false",
    }
    report_uri = image.with_digest(state.report_artifact) if state.report_artifact else ""
    return Verdict(
        image=str(image),
        digest=digest,
        passed=True,
        verified_at=run.now,
        verifier_id=evidence.VERIFIER_ID,
        versions=versions,
        policy_uri=_workflow_uri(run),
        policy=policy,
        report_digest=report_digest,
        report_uri=report_uri,
        findings=findings,
    )


def _workflow_uri(run: Run) -> str:
    """Where the thresholds were set: the workflow file at the commit (GITHUB_WORKFLOW_REF:
    ``owner/repo/.github/workflows/x.yml@refs/...``), "" off GitHub."""
    ref = run.runner.env.get("GITHUB_WORKFLOW_REF", "")
    context = run.context
    if not ref or not context.repository or not ref.startswith(context.repository + "/"):
        return ""
    path = ref.removeprefix(context.repository + "/").partition("@")[0]
    return f"{context.server_url}/{context.repository}/blob/{context.sha}/{path}"
