"""The signing inputs -> a frozen `SignInputs`; each problem is an `InputError` naming the
input. Whether and how a run signs is decided with the job's context in
`slipway.core.signing`."""

from __future__ import annotations

from dataclasses import dataclass, field

from slipway.errors import InputError
from slipway.inputs.reader import InputReader
from slipway.sign.config import Instance, SigningConfigError, parse_signing_config
from slipway.sign.keys import KEY_HINT, looks_like_pem_key

CONFIG_HINT = """Give Sigstore's SigningConfig v0.2 JSON (what cosign's --signing-config reads), e.g.
sigstore-config: |
  {"mediaType": "application/vnd.dev.sigstore.signingconfig.v0.2+json",
   "caUrls": [{"url": "https://fulcio.example.com", "majorApiVersion": 1}],
   "rekorTlogUrls": [{"url": "https://rekor.example.com", "majorApiVersion": 1}],
   "tsaUrls": [{"url": "https://tsa.example.com/api/v1/timestamp", "majorApiVersion": 1}]}"""


@dataclass(frozen=True)
class SignInputs:
    """What the signing inputs ask for."""

    sign: str = "auto"  # auto | true | false
    key: str = field(default="", repr=False)  # PEM (a secret)
    key_password: str = field(default="", repr=False)
    instance: Instance | None = None  # from sigstore-config; None: the public-good instance
    transparency_log: str = "auto"  # auto | true | false
    github_attestations: bool = False

    @property
    def secrets(self) -> tuple[str, ...]:
        """The key and its password, to be masked."""
        return tuple(value for value in (self.key, self.key_password) if value)


def _key(reader: InputReader) -> str:
    raw = reader.raw("sign-key").strip()
    if raw and not looks_like_pem_key(raw):  # the value is never shown: it is a secret
        raise InputError(
            "sign-key", "holds no PEM private key (-----BEGIN ... PRIVATE KEY-----)", KEY_HINT
        )
    return raw + "\n" if raw else ""


def _instance(reader: InputReader) -> Instance | None:
    raw = reader.raw("sigstore-config").strip()
    if not raw:
        return None
    try:
        return parse_signing_config(raw)
    except SigningConfigError as error:
        raise InputError("sigstore-config", f"{error}", CONFIG_HINT) from None


def read_sign_inputs(reader: InputReader) -> SignInputs:
    """Read ``sign``, ``sign-key``, ``sign-key-password``, ``sigstore-config``,
    ``transparency-log`` and ``github-attestations``."""
    return SignInputs(
        sign=reader.choice("sign", ("auto", "true", "false")),
        key=_key(reader),
        key_password=reader.secret("sign-key-password"),
        instance=_instance(reader),
        transparency_log=reader.choice("transparency-log", ("auto", "true", "false")),
        github_attestations=reader.boolean("github-attestations"),
    )
