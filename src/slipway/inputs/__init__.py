"""Action inputs: ``INPUT_*`` environment variables -> a validated, frozen `Inputs`.

Every problem is an `InputError` naming the input and the fix, raised before any
build starts. Names follow docker/metadata-action, build-push-action, login-action
and aquasecurity/trivy-action where the concept is the same.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import PurePosixPath

from slipway.core.redact import looks_secret
from slipway.errors import InputError
from slipway.inputs.build import BuildOptions, read_build_options
from slipway.inputs.build_values import is_remote
from slipway.inputs.declared import check_declared
from slipway.inputs.policy import PolicyInputs, read_policy_inputs
from slipway.inputs.reader import InputReader, duration, input_env_name, split_list
from slipway.inputs.registry import (
    Access,
    Credential,
    Identities,
    TrustFiles,
    credential_for,
    read_aws_role,
    read_credentials,
    read_identities,
    read_insecure_registries,
    read_registry_ca,
)
from slipway.inputs.report import ReportOptions, read_report_options
from slipway.inputs.scan import read_scan_options
from slipway.inputs.sign import SignInputs, read_sign_inputs
from slipway.meta.config import MetadataConfig, read_metadata_config
from slipway.meta.rules import parse_images
from slipway.oci.platforms import Platform, parse_platform
from slipway.oci.refs import ImageName, is_digest, parse_image_name
from slipway.scan.options import ScanOptions

__all__ = [
    "Access",
    "BuildOptions",
    "Credential",
    "Identities",
    "InputReader",
    "Inputs",
    "TrustFiles",
    "access_for",
    "credential_for",
    "input_env_name",
    "read_inputs",
    "split_list",
]


@dataclass(frozen=True)
class Inputs:
    """Everything the action was asked to do, validated."""

    images: tuple[ImageName, ...]
    context: str
    file: str
    platforms: tuple[Platform, ...]
    push: bool
    credentials: tuple[Credential, ...]
    scan: ScanOptions  # scan, severity, fail-on, scanners, ignores, the DB (inputs/scan.py)
    github_token: str
    build: BuildOptions = field(default_factory=BuildOptions)
    registry_timeout: float = 60.0  # seconds of consecutive transient failures before giving up
    metadata: MetadataConfig = field(default_factory=MetadataConfig)  # tags, flavor, labels, ...
    tag_on_gate_failure: bool = False  # publish-then-scan, as the anchors do (opt-in)
    push_by_digest: bool = False  # push this build untagged and unscanned (a split build's part)
    merge_digests: tuple[str, ...] = ()  # digests of push-by-digest parts: merge, scan, tag
    policy: PolicyInputs = field(default_factory=PolicyInputs)  # Dockerfile policy and size gates
    report: ReportOptions = field(default_factory=ReportOptions)  # PR comment, check run, SARIF
    insecure_registries: tuple[str, ...] = ()  # host[:port] reached over plain HTTP
    registry_ca: str = ""  # PEM text, or a file holding it
    aws_role_to_assume: str = ""  # ECR logins assume it with GitHub's OIDC token
    # Google's, Azure's and Docker's identities that sell keyless logins for the OIDC token
    identities: Identities = field(default_factory=Identities)
    cache: bool = True  # keep state in GitHub's cache service when the runner provides it
    sign: SignInputs = field(default_factory=SignInputs)  # sign, sign-key, sigstore-config, ...
    # The folders files may be read from (slipway.runner.validation): GITHUB_WORKSPACE ("": the
    # current folder) and RUNNER_TEMP
    workspace: str = ""
    runner_temp: str = ""

    @property
    def secrets(self) -> tuple[str, ...]:
        """Every secret value given, to be masked before anything prints."""
        return (
            tuple(c.password for c in self.credentials if c.password)
            + ((self.github_token,) if self.github_token else ())
            + tuple(v for _, v in self.build.secrets)
            + ((self.build.gha_token,) if self.build.gha_token else ())
            + tuple(v for k, v in self.build.build_args if looks_secret(k, v))
            + self.sign.secrets
        )

    @property
    def dockerfile(self) -> str:
        """The Dockerfile buildx is given: ``file``, else ``<context>/Dockerfile`` for a local
        context; "" for a remote one without ``file`` (BuildKit reads the context's own; a
        path joined onto a URL names nothing, and keeps its credentials: https:/user:token@)."""
        if self.file or not is_remote(self.context):
            return self.file or str(PurePosixPath(self.context) / "Dockerfile")
        return ""

    @property
    def warnings(self) -> tuple[str, ...]:
        """What to warn about before the run: secret-looking build args, provenance lowered."""
        return self.build.warnings

    @property
    def secret_build_args(self) -> tuple[str, ...]:
        """The names of build args that look like credentials (they end up in the image)."""
        return tuple(k for k, v in self.build.build_args if looks_secret(k, v))


def _platforms(reader: InputReader) -> tuple[Platform, ...]:
    platforms: list[Platform] = []
    for raw in reader.items("platforms"):
        try:
            platform = parse_platform(raw)
        except ValueError as error:
            raise InputError(
                "platforms", str(error), "Example: `platforms: linux/amd64,linux/arm64`."
            ) from None
        if platform not in platforms:
            platforms.append(platform)
    return tuple(platforms)


def image_names(raw: str) -> tuple[ImageName, ...]:
    """The enabled names of an `images` value (metadata-action's entries), lower-cased and
    parsed; none when it names none."""
    images: list[ImageName] = []
    for entry in parse_images(raw):
        if not entry.enable:
            continue
        try:
            images.append(parse_image_name(entry.name.lower()))
        except ValueError as error:
            raise InputError(
                "images", str(error), "Use `registry/namespace/name`, lower case, no tag."
            ) from None
    return tuple(images)


def _images(reader: InputReader) -> tuple[ImageName, ...]:
    images = image_names(reader.raw("images"))
    if not images:
        raise InputError(
            "images",
            "no image name given",
            "Name the image(s) to build, one per line, e.g.\n  images: ghcr.io/${{ github.repository }}",
        )
    return images


def read_inputs(env: Mapping[str, str]) -> Inputs:
    """Read and validate every input; the first problem raises `InputError`.

    First every value as its declaration says (slipway.inputs.spec: kind, length, characters,
    the combinations), then each input's own reading."""
    check_declared(env)
    reader = InputReader(env)
    images = _images(reader)
    push = reader.boolean("push")
    insecure = read_insecure_registries(reader)
    # `scan`, `severity` and `fail-on` are read once, there
    scan = replace(read_scan_options(reader), insecure_registries=insecure)
    identities = read_identities(reader)
    return Inputs(
        images=images,
        context=reader.word("context"),
        file=reader.word("file"),
        platforms=_platforms(reader),
        push=push,
        credentials=read_credentials(reader, images, identities),
        insecure_registries=insecure,
        registry_ca=read_registry_ca(reader),
        aws_role_to_assume=read_aws_role(reader),
        identities=identities,
        scan=scan,
        github_token=reader.token("github-token"),
        build=read_build_options(reader, images),
        registry_timeout=duration(reader, "registry-timeout"),
        metadata=read_metadata_config(env),
        tag_on_gate_failure=reader.boolean("tag-on-gate-failure"),
        push_by_digest=reader.boolean("push-by-digest"),
        merge_digests=_merge_digests(reader),
        policy=read_policy_inputs(reader),
        report=read_report_options(reader),
        cache=reader.boolean("cache"),
        sign=read_sign_inputs(reader),
        workspace=env.get("GITHUB_WORKSPACE", ""),
        runner_temp=env.get("RUNNER_TEMP", ""),
    )


MERGE_EXAMPLE = """merge-digests: |
  ${{ needs.build.outputs.digest-amd64 }}
  ${{ needs.build.outputs.digest-arm64 }}"""


def _merge_digests(reader: InputReader) -> tuple[str, ...]:
    """The parts' digests, each once (that they need ``push`` and not ``push-by-digest`` is
    declared: slipway.inputs.spec)."""
    digests = tuple(reader.items("merge-digests"))
    for number, digest in enumerate(digests, start=1):
        if not is_digest(digest):
            raise InputError(
                "merge-digests", f"entry {number} is not a sha256:<64 hex> digest", MERGE_EXAMPLE
            )
        if digest in digests[: number - 1]:
            raise InputError(
                "merge-digests", f"entry {number} repeats an earlier one", MERGE_EXAMPLE
            )
    return digests


def access_for(
    inputs: Inputs,
    credentials: tuple[Credential, ...] | None = None,
    trust: TrustFiles | None = None,
) -> Access:
    """How a run of ``inputs`` reaches registries and GitHub: their logins (or
    ``credentials``, with ECR's bought), and ``trust``, the files written from ``registry-ca``."""
    return Access(
        credentials=inputs.credentials if credentials is None else credentials,
        insecure_registries=inputs.insecure_registries,
        trust=trust,
        registry_timeout=inputs.registry_timeout,
        github_token=inputs.github_token,
    )
