"""Whether and how a run signs (slipway.core.signing), the Sigstore instance it signs with
(slipway.sign.config), the commands that verify it (slipway.sign.verify) and the report's
section (slipway.report.sign_section), as tables."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from slipway.core.context import Context
from slipway.core.plan import make_plan
from slipway.core.signing import NOT_SIGNED_NO_OIDC, NOT_SIGNED_NO_PUSH, Signing, SignPlan
from slipway.errors import InputError
from slipway.inputs import read_inputs
from slipway.report.sign_section import code_block, sign_sections
from slipway.sign.config import PUBLIC, SigningConfigError, parse_signing_config
from slipway.sign.verify import Signed, Signer, token_issuer, verify_commands
from tests.support.input_table import SIGN_KEY, SIGNING_CONFIG

NOW = datetime(2026, 12, 6, tzinfo=UTC)
TOKEN_ENV = {
    "ACTIONS_ID_TOKEN_REQUEST_URL": "https://token.example/idtoken?api-version=2.0",
    "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "request-token",
}
IDENTITY = "https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main"
ISSUER = "https://token.actions.githubusercontent.com"


def signing(
    inputs: dict[str, str] | None = None,
    private: bool | None = False,
    env: dict[str, str] | None = None,
) -> SignPlan:
    given = {"images": "ghcr.io/acme/app", "push": "true", **(inputs or {})}
    full = {f"INPUT_{k.upper()}": v for k, v in given.items()} | (env or {})
    payload: dict[str, Any] = {} if private is None else {"repository": {"private": private}}
    context = Context(
        event_name="push",
        ref="refs/heads/main",
        sha="a" * 40,
        repository="acme/app",
        payload=payload,
    )
    return make_plan(read_inputs(full), context, env=full, now=NOW).sign


def test_keyless_on_a_public_repository_logs_in_rekor() -> None:
    plan = signing(env=TOKEN_ENV)
    assert plan.how is Signing.KEYLESS
    assert (plan.fulcio_url, plan.rekor_url, plan.tsa_url) == (PUBLIC.fulcio, PUBLIC.rekor, "")
    assert plan.public_instance
    assert not plan.required


@pytest.mark.parametrize("private", [True, None], ids=["private", "unknown"])
def test_keyless_on_a_private_repository_is_timestamped_not_logged(private: bool | None) -> None:
    plan = signing(private=private, env=TOKEN_ENV)
    assert (plan.rekor_url, plan.tsa_url) == ("", PUBLIC.tsa)
    assert signing({"transparency-log": "true"}, private, TOKEN_ENV).rekor_url


def test_a_private_instance_is_used_wherever_it_names_a_service() -> None:
    plan = signing({"sigstore-config": SIGNING_CONFIG}, env=TOKEN_ENV)
    assert plan.fulcio_url == "https://fulcio.example"
    assert plan.rekor_url == "https://rekor.example"
    assert plan.tsa_url == "https://tsa.example/api/v1/timestamp"
    assert not plan.public_instance


def test_a_key_signs_without_fulcio_and_logs_only_a_public_repository() -> None:
    plan = signing({"sign-key": SIGN_KEY})
    assert plan.how is Signing.KEY
    assert (plan.fulcio_url, plan.rekor_url) == ("", PUBLIC.rekor)
    assert signing({"sign-key": SIGN_KEY}, private=True).rekor_url == ""
    assert SIGN_KEY.splitlines()[1] not in repr(plan)  # never in a trace


@pytest.mark.parametrize(
    ("inputs", "why"),
    [
        ({}, NOT_SIGNED_NO_OIDC),
        ({"push": "false"}, ""),
        ({"push": "false", "sign": "true"}, NOT_SIGNED_NO_PUSH),
        ({"sign": "false"}, ""),
        ({"sign": "false", "sign-key": SIGN_KEY}, ""),
    ],
)
def test_when_nothing_is_signed_and_whether_it_says_so(inputs: dict[str, str], why: str) -> None:
    plan = signing(inputs)
    assert plan.how is Signing.OFF
    assert plan.not_signed == why


def test_sign_true_without_an_oidc_token_names_the_permission_before_the_build() -> None:
    with pytest.raises(InputError, match="id-token: write") as raised:
        signing({"sign": "true"})
    assert raised.value.name == "sign"
    assert "permissions:" in raised.value.hint


def test_a_wrong_password_is_refused_by_name() -> None:
    from tests.support.input_table import SIGN_KEY_LOCKED

    with pytest.raises(InputError, match="password is wrong") as raised:
        signing({"sign-key": SIGN_KEY_LOCKED, "sign-key-password": "nope"})
    assert raised.value.name == "sign-key"
    assert "nope" not in str(raised.value)
    assert signing({"sign-key": SIGN_KEY_LOCKED, "sign-key-password": "s3cret pass"}).key


def _config(**lists: list[dict[str, Any]]) -> str:
    return json.dumps(
        {"mediaType": "application/vnd.dev.sigstore.signingconfig.v0.2+json", **lists}
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[]", "not a JSON object"),
        (_config(caUrls=[{"url": "ftp://x"}]), "not an https URL"),
        (_config(caUrls=[{"url": "http://fulcio.example"}]), "only https"),
        (_config(rekorTlogUrls=[{"url": "https://u:p@rekor.example"}]), "credentials"),
        (_config(), "names no Fulcio"),
        (_config(caUrls=[{"nourl": 1}]), "has no url"),
    ],
)
def test_a_signing_config_that_cannot_be_used_says_why(text: str, message: str) -> None:
    with pytest.raises(SigningConfigError, match=message):
        parse_signing_config(text)


def test_rekor_v2_is_passed_over_and_loopback_http_allowed() -> None:
    text = _config(
        caUrls=[{"url": "http://127.0.0.1:8080/"}],
        rekorTlogUrls=[
            {"url": "https://v2.example", "majorApiVersion": 2},
            {"url": "https://v1.example", "majorApiVersion": 1},
        ],
    )
    found = parse_signing_config(text)
    assert (found.fulcio, found.rekor, found.tsa) == (
        "http://127.0.0.1:8080",
        "https://v1.example",
        "",
    )
    wrapped = json.dumps(
        {
            "mediaType": "application/vnd.dev.sigstore.clienttrustconfig.v0.1+json",
            "signingConfig": json.loads(text),
        }
    )
    assert parse_signing_config(wrapped) == found


REF = "ghcr.io/acme/app@sha256:" + "ab" * 32
TYPES = ("https://sigstore.dev/cosign/sign/v1", "https://slsa.dev/verification_summary/v1")


@pytest.mark.parametrize(
    ("signer", "expected"),
    [
        (
            Signer(IDENTITY, ISSUER),
            [
                f"cosign verify --certificate-identity={IDENTITY} --certificate-oidc-issuer={ISSUER} {REF}",
                (
                    f"cosign verify-attestation --type={TYPES[1]} --certificate-identity={IDENTITY} "
                    f"--certificate-oidc-issuer={ISSUER} {REF}"
                ),
            ],
        ),
        (
            Signer(IDENTITY, ISSUER, logged=False, timestamped=True, trusted_root=True),
            [
                (
                    f"cosign verify --certificate-identity={IDENTITY} --certificate-oidc-issuer={ISSUER} "
                    f"--insecure-ignore-tlog=true --use-signed-timestamps --trusted-root=trusted_root.json {REF}"
                ),
                (
                    f"cosign verify-attestation --type={TYPES[1]} --certificate-identity={IDENTITY} "
                    f"--certificate-oidc-issuer={ISSUER} --insecure-ignore-tlog=true --use-signed-timestamps "
                    f"--trusted-root=trusted_root.json {REF}"
                ),
            ],
        ),
        (
            Signer(logged=False),
            [
                f"cosign verify --key=cosign.pub --insecure-ignore-tlog=true {REF}",
                (
                    f"cosign verify-attestation --type={TYPES[1]} --key=cosign.pub "
                    f"--insecure-ignore-tlog=true {REF}"
                ),
            ],
        ),
    ],
    ids=["keyless", "keyless-timestamped-private-instance", "key"],
)
def test_the_verify_commands(signer: Signer, expected: list[str]) -> None:
    assert verify_commands(REF, TYPES, signer) == expected


def test_an_attacker_chosen_branch_is_quoted_for_the_shell_and_cannot_close_the_block() -> None:
    evil = "https://github.com/acme/app/.github/workflows/x.yml@refs/heads/a`$(id)`\n```<b>"
    [command] = verify_commands(REF, TYPES[:1], Signer(evil, ISSUER))
    assert "'--certificate-identity=" in command  # one quoted word: no substitution
    block = code_block([command])
    fence = block.splitlines()[0].removesuffix("sh")
    assert len(fence) > 3
    assert block.count(fence) == 2
    assert block.endswith(fence)


def test_the_report_section() -> None:
    signed = Signed(REF, TYPES, tuple(verify_commands(REF, TYPES, Signer(IDENTITY, ISSUER))))
    [section] = sign_sections([signed], "")
    text = section.variants[0]  # type: ignore[union-attr]
    assert text.startswith("### Signed")
    assert "the gate's verdict (SLSA VSA)" in text
    assert f"--certificate-identity={IDENTITY}" in text
    [none] = sign_sections([], "not signed: <b>@team</b>")
    assert "&lt;b&gt;" in none.variants[0]  # type: ignore[union-attr]
    assert sign_sections([], "") == []


def test_the_issuer_is_read_from_the_token() -> None:
    import base64

    claims = base64.urlsafe_b64encode(json.dumps({"iss": ISSUER}).encode()).decode().rstrip("=")
    assert token_issuer(f"h.{claims}.s") == ISSUER
    assert token_issuer("not-a-jwt") == ""
