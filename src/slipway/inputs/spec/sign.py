"""The signing inputs (issue 26): whether to sign, keyless or with a key, against which
Sigstore instance, with or without a public transparency log."""

from __future__ import annotations

from slipway.inputs.spec.model import Input, Kind, Section, needs

G = Section.SIGN

SIGN = (
    Input(
        "sign",
        G,
        Kind.CHOICE,
        "sign what passed the gate, before any tag moves: the image "
        "(cosign's signature), the gate's verdict (a SLSA VSA), each platform's SBOM and "
        "provenance, as Sigstore bundles next to the image ([Signing](#signing)). `auto`: "
        "keyless when the job has an OIDC token (`permissions: id-token: write`) or with "
        "`sign-key`, else not (a notice says so); `true`: the same, but a job with neither "
        "is refused before anything is built; `false`: never. Nothing is signed without "
        "`push`, nor by one part of a split build (its merge job signs)",
        default="auto",
        choices=("auto", "true", "false"),
    ),
    Input(
        "sign-key",
        G,
        Kind.TEXT,
        "sign with this ECDSA P-256 private key (PEM, PKCS#8 or "
        "SEC 1; a secret: masked, never written) instead of keylessly, for installations "
        "without Sigstore; verified with `cosign verify --key`",
        sensitive="-----BEGIN PRIVATE KEY-----\n{secret}\n-----END PRIVATE KEY-----",
        example="-----BEGIN PRIVATE KEY-----\nMIG...\n-----END PRIVATE KEY-----",
    ),
    Input(
        "sign-key-password",
        G,
        Kind.SECRET,
        "the password of an encrypted `sign-key`",
        sensitive="{secret}",
        example="p a s s",
        relations=(
            needs(
                "sign-key",
                "'sign-key-password' is the password of 'sign-key', which is empty",
                "Set `sign-key` too, or leave the password out.",
            ),
        ),
    ),
    Input(
        "sigstore-config",
        G,
        Kind.TEXT,
        "the Sigstore instance to sign with (GHES, a "
        "private Sigstore): its SigningConfig v0.2 JSON (or a ClientTrustConfig holding one), "
        "as cosign's `--signing-config` reads it, naming Fulcio, Rekor and a timestamp "
        "authority (used wherever it names one); `https` only, or `http` to this machine. "
        "Its Fulcio, Rekor and TSA are trusted through the public roots and `registry-ca`",
        shown_default="the public-good instance",
        example='{"mediaType": "application/'
        'vnd.dev.sigstore.signingconfig.v0.2+json", "caUrls": [{"url": '
        '"https://fulcio.example"}], "rekorTlogUrls": [{"url": "https://rekor.example"}]}',
    ),
    Input(
        "transparency-log",
        G,
        Kind.CHOICE,
        "record the signatures in the instance's "
        "transparency log (Rekor): `auto` does for a public repository and not for a private "
        "one (read from the event's `repository.private`; the public log would publish its "
        "name), as docker/github-builder; a keyless signature without a log is timestamped "
        "by the timestamp authority instead",
        default="auto",
        choices=("auto", "true", "false"),
    ),
    Input(
        "github-attestations",
        G,
        Kind.BOOLEAN,
        "also store each signed statement's bundle "
        "with GitHub's attestations API (`POST /repos/{owner}/{repo}/attestations`), so "
        "`gh attestation verify` finds it — needs `attestations: write`",
        default="false",
    ),
)
