"""Whether and how a run signs (pure): `sign_plan(inputs, context, env)` -> `SignPlan`.

Decided with the plan, before anything is built: `sign: true` in a job that can neither get
an OIDC token (no ``permissions: id-token: write``: the runner then sets no
ACTIONS_ID_TOKEN_REQUEST_URL/_TOKEN) nor has a `sign-key` is refused here, naming the
permission; `sign: auto` there signs nothing and says so. A key is read here, so a wrong key
or password is refused before the build too.

The transparency log: `auto` logs a public repository's signatures and not a private one's
(its name would be published), as docker/github-builder does. A keyless signature without a
log needs a timestamp authority (the short-lived certificate must be shown valid when the
signature was made): the instance's TSA then; the public-good instance has one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum

from slipway.core.context import Context
from slipway.errors import InputError
from slipway.inputs import Inputs
from slipway.sign.config import PUBLIC, Instance
from slipway.sign.keys import KEY_HINT, KeyError_, load_signing_key

TOKEN_VARIABLES = ("ACTIONS_ID_TOKEN_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_TOKEN")
PERMISSION_HINT = """Let the job ask GitHub for its OIDC token (keyless signing):
permissions:
  contents: read
  packages: write
  id-token: write
or sign with a key: `sign-key: ${{ secrets.SIGNING_KEY }}`, or set `sign: auto` to sign only
when the job can."""
NO_OIDC = (
    "signing keylessly needs the job's OIDC token, and {unset} is unset: the job has no "
    "`permissions: id-token: write` (and no `sign-key` is given)"
)
NOT_SIGNED_NO_OIDC = (
    "not signed: the job has no OIDC token (`permissions: id-token: write`) and no `sign-key` "
    "(set `sign: false` to say nothing)"
)
NOT_SIGNED_NO_PUSH = "not signed: nothing is pushed (`push: false`)"
NOT_SIGNED_PART = "not signed here: one part of a split build; the merge job signs the index"


class Signing(StrEnum):
    """How a run signs."""

    OFF = "off"
    KEYLESS = "keyless"  # Fulcio's certificate for the job's OIDC token
    KEY = "key"  # the `sign-key`


@dataclass(frozen=True)
class SignPlan:
    """How this run signs, and against which services ("" where none is used)."""

    how: Signing = Signing.OFF
    required: bool = False  # `sign: true`: a failure to sign fails the run
    key: str = field(default="", repr=False)
    key_password: str = field(default="", repr=False)
    fulcio_url: str = ""
    rekor_url: str = ""
    tsa_url: str = ""
    public_instance: bool = True  # verifiers need no --trusted-root
    not_signed: str = ""  # why not, when it was asked for or could have been (a notice)
    github_attestations: bool = False

    @property
    def enabled(self) -> bool:
        """Whether the run signs."""
        return self.how is not Signing.OFF


def _private(context: Context) -> bool:
    """Whether the repository is private, as the event says (unknown: private, the safe side)."""
    repo = context.payload.get("repository")
    return bool(repo.get("private", True)) if isinstance(repo, Mapping) else True


def _logged(wanted: str, instance: Instance, context: Context) -> bool:
    if wanted == "true":
        if not instance.rekor:
            raise InputError(
                "transparency-log",
                "is true, but the Sigstore instance (sigstore-config) names no Rekor",
                "Add `rekorTlogUrls` to sigstore-config, or set `transparency-log: auto`.",
            )
        return True
    return wanted == "auto" and bool(instance.rekor) and not _private(context)


def sign_plan(inputs: Inputs, context: Context, env: Mapping[str, str]) -> SignPlan:
    """How the run of ``inputs`` signs, in a job with ``env`` (see the module's text)."""
    wanted = inputs.sign
    if wanted.sign == "false":
        return SignPlan()
    asked = wanted.sign == "true"
    if not inputs.push:
        return SignPlan(not_signed=NOT_SIGNED_NO_PUSH if asked else "")
    if inputs.push_by_digest:
        return SignPlan(not_signed=NOT_SIGNED_PART if asked else "")
    instance = wanted.instance or PUBLIC
    logged = _logged(wanted.transparency_log, instance, context)
    rekor = instance.rekor if logged else ""
    base = SignPlan(
        required=asked,
        rekor_url=rekor,
        public_instance=instance.public,
        github_attestations=wanted.github_attestations,
    )
    if wanted.key:
        try:
            load_signing_key(wanted.key, wanted.key_password)
        except KeyError_ as error:
            raise InputError("sign-key", str(error), KEY_HINT) from None
        tsa = "" if instance.public else instance.tsa  # a private instance's, when it has one
        return replace(
            base, how=Signing.KEY, key=wanted.key, key_password=wanted.key_password, tsa_url=tsa
        )
    unset = [name for name in TOKEN_VARIABLES if not env.get(name)]
    if unset:
        if asked:
            raise InputError("sign", NO_OIDC.format(unset=unset[0]), PERMISSION_HINT)
        return SignPlan(not_signed=NOT_SIGNED_NO_OIDC)
    # The public instance's TSA stands in for its log; a private instance's is used whenever
    # it names one ("where configured").
    tsa = instance.tsa if (not logged or not instance.public) else ""
    if not instance.fulcio or not (rekor or tsa):
        missing = "Fulcio" if not instance.fulcio else "a transparency log or a timestamp authority"
        raise InputError(
            "sigstore-config",
            f"keyless signing needs {missing}, and the Sigstore instance (with "
            f"transparency-log: {wanted.transparency_log}) gives none",
            "Name them in sigstore-config (caUrls, rekorTlogUrls, tsaUrls), or sign with "
            "`sign-key`.",
        )
    return replace(base, how=Signing.KEYLESS, fulcio_url=instance.fulcio, tsa_url=tsa)
