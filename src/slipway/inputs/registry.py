"""Registry credentials: ``registry`` + ``username`` + ``password``, and ``registry-auth``."""

from __future__ import annotations

import re
import ssl
from dataclasses import dataclass

import yaml

from slipway.core.yaml_depth import MAX_NESTING, too_deep
from slipway.errors import InputError
from slipway.inputs.reader import InputReader
from slipway.oci.ecr import ecr_registry
from slipway.oci.refs import ImageName, check_registry

REGISTRY_AUTH_EXAMPLE = """registry-auth: |
  - registry: ghcr.io
    username: ${{ github.actor }}
    password: ${{ secrets.GITHUB_TOKEN }}
  - registry: docker.io
    username: ${{ vars.DOCKERHUB_USER }}
    password: ${{ secrets.DOCKERHUB_TOKEN }}"""


@dataclass(frozen=True)
class Credential:
    """A login for one registry."""

    registry: str
    username: str
    password: str = ""
    # Amazon ECR: the run buys the login from ECR's API (slipway.tools.aws); username and
    # password, when given, are an AWS access key (as docker/login-action reads them)
    ecr: bool = False

    def __repr__(self) -> str:  # never show a password, even in a debug trace
        return f"Credential(registry={self.registry!r}, username={self.username!r}, ecr={self.ecr})"


QUOTE_HINT = (
    'Quote the value: `password: "${{ secrets.TOKEN }}"` (YAML reads 0755 as a number, '
    "yes as a boolean, and everything after ' #' as a comment)."
)
_STRING = "tag:yaml.org,2002:str"


def _scalar(raw: str, node: yaml.Node, number: int, key: str) -> str:
    """A string exactly as written: a plain value YAML would turn into a number, a boolean
    or null, or cut at a `` #`` comment, is refused (the value itself is never shown)."""
    if not isinstance(node, yaml.ScalarNode):
        raise InputError("registry-auth", f"entry {number}: {key} is not a string", QUOTE_HINT)
    lines = raw.splitlines()
    line = lines[node.end_mark.line] if node.end_mark.line < len(lines) else ""
    cut = node.style is None and line[node.end_mark.column :].lstrip().startswith("#")
    if node.style in ("|", ">"):  # a block scalar ends with a line break: a header's end
        raise InputError("registry-auth", f"entry {number}: {key} is a block scalar", QUOTE_HINT)
    if node.tag != _STRING or cut:
        why = "is followed by a comment" if cut else "is not a string in YAML"
        raise InputError("registry-auth", f"entry {number}: {key} {why}", QUOTE_HINT)
    value = str(node.value)
    if any(not char.isprintable() for char in value):  # a line break, a control character
        raise InputError("registry-auth", f"entry {number}: {key} is not one line", QUOTE_HINT)
    return value


def _registry_auth(reader: InputReader, mode: str) -> list[Credential]:
    raw = reader.raw("registry-auth")
    if not raw.strip():
        return []
    if too_deep(raw):
        raise InputError(
            "registry-auth", f"nests deeper than {MAX_NESTING} levels", REGISTRY_AUTH_EXAMPLE
        )
    try:
        document = yaml.compose(raw, Loader=yaml.SafeLoader)
    except (yaml.YAMLError, RecursionError):  # PyYAML's composer recurses per nesting level
        raise InputError("registry-auth", "is not valid YAML", REGISTRY_AUTH_EXAMPLE) from None
    if not isinstance(document, yaml.SequenceNode):
        raise InputError(
            "registry-auth",
            "must be a YAML list of registry/username/password",
            REGISTRY_AUTH_EXAMPLE,
        )
    found = []
    for number, entry in enumerate(document.value, start=1):
        fields = (
            {_scalar(raw, k, number, "a key"): v for k, v in entry.value}
            if isinstance(entry, yaml.MappingNode)
            else {}
        )
        values = {key: _scalar(raw, node, number, key) for key, node in fields.items()}
        registry = registry_host("registry-auth", values.get("registry") or "docker.io")
        username, password = values.get("username", ""), values.get("password", "")
        ecr = _is_ecr(registry, username, mode)
        if (not ecr and not (username and password)) or bool(username) != bool(password):
            raise InputError(
                "registry-auth",
                f"entry {number} needs username and password"
                + (" (or neither, for Amazon ECR)" if ecr_registry(registry) else ""),
                REGISTRY_AUTH_EXAMPLE,
            )
        found.append(Credential(registry, username, password, ecr=ecr))
    return found


REGISTRY_HINT = "Give the registry's host (and port) alone, e.g. `registry: ghcr.io`."


def registry_host(name: str, value: str) -> str:
    """``value`` ("" allowed) when it is a registry ``host[:port]``, else `InputError`."""
    if value:
        try:
            check_registry(value)
        except ValueError as error:
            raise InputError(name, str(error), REGISTRY_HINT) from None
    return value


ECR_MODES = ("auto", "true", "false")


def _is_ecr(registry: str, username: str, mode: str) -> bool:
    """True when the login to ``registry`` is bought from ECR's API: an ECR host (``ecr``
    not false) whose username is not ``AWS`` (a token from `aws ecr get-login-password`)."""
    return mode != "false" and ecr_registry(registry) is not None and username != "AWS"


def read_credentials(reader: InputReader, images: tuple[ImageName, ...]) -> tuple[Credential, ...]:
    """Every login given (``username``/``password``/``registry`` and ``registry-auth``), and
    one for each Amazon ECR registry of ``images`` that has none (unless ``ecr: false``)."""
    # both or neither: declared (slipway.inputs.spec)
    username, password = reader.token("username"), reader.secret("password")
    mode = reader.choice("ecr", ECR_MODES)
    credentials = _registry_auth(reader, mode)
    given = registry_host("registry", reader.word("registry"))
    registry = given or (images[0].registry if images else "docker.io")
    if username or (given and _is_ecr(registry, "", mode)):
        ecr = _is_ecr(registry, username, mode)
        credentials.insert(0, Credential(registry, username, password, ecr=ecr))
    if mode == "true" and not any(c.ecr for c in credentials):
        raise InputError("ecr", "is true, but no login is to an Amazon ECR registry", ECR_HINT)
    for image in images if mode != "false" else ():
        if (
            ecr_registry(image.registry)
            and credential_for(tuple(credentials), image.registry) is None
        ):
            credentials.append(Credential(image.registry, "", "", ecr=True))
    # Whether a push needs credentials is the registry's to say (a `services:` registry
    # usually takes anonymous pushes): the preflight asks it, before anything is built.
    return tuple(credentials)


ECR_HINT = """registry: 123456789012.dkr.ecr.eu-west-1.amazonaws.com   # or public.ecr.aws
aws-role-to-assume: arn:aws:iam::123456789012:role/ci-push         # or configure-aws-credentials first"""
_ROLE_ARN = re.compile(r"arn:aws(?:-[a-z]+)*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]{1,512}")


def read_aws_role(reader: InputReader) -> str:
    """``aws-role-to-assume``: the IAM role an ECR login assumes with GitHub's OIDC token."""
    role = reader.word("aws-role-to-assume")
    if role and not _ROLE_ARN.fullmatch(role):
        raise InputError(
            "aws-role-to-assume",
            f"{role[:80]!r} is not an IAM role ARN",
            "e.g. `aws-role-to-assume: arn:aws:iam::123456789012:role/ci-push`.",
        )
    return role


INSECURE_EXAMPLE = """insecure-registries: |
  registry:5000        # a services: registry, by its alias"""


def read_insecure_registries(reader: InputReader) -> tuple[str, ...]:
    """``insecure-registries``: registries (``host[:port]``) Slipway and its builder may reach
    over plain HTTP, as dockerd's and buildkitd's setting of that name."""
    found: list[str] = []
    for entry in reader.items("insecure-registries"):
        try:
            check_registry(entry)
        except ValueError:
            raise InputError(
                "insecure-registries",
                f"{entry[:60]!r} is not a registry host[:port] (no scheme, no path)",
                INSECURE_EXAMPLE,
            ) from None
        if entry not in found:
            found.append(entry)
    return tuple(found)


def credential_for(credentials: tuple[Credential, ...], registry: str) -> Credential | None:
    """The login for ``registry`` (Docker Hub's aliases included), if any."""
    aliases = {"docker.io", "index.docker.io", "registry-1.docker.io"}
    for credential in credentials:
        if credential.registry == registry or (
            credential.registry in aliases and registry in aliases
        ):
            return credential
    return None


@dataclass(frozen=True)
class TrustFiles:
    """The files a run writes from ``registry-ca`` (slipway.tools.trust)."""

    ca: str  # the CA certificates alone: the builder's buildkitd.toml names this file
    bundle: str  # the public roots and the CA: Slipway's HTTPS and Trivy's SSL_CERT_FILE


@dataclass(frozen=True)
class Access:
    """How a run reaches registries and GitHub, settled once before its first step: the
    logins (an ECR login bought from ECR's API), the hosts reached over plain HTTP, the
    files written from ``registry-ca``, the retry budget, the GitHub token."""

    credentials: tuple[Credential, ...] = ()
    insecure_registries: tuple[str, ...] = ()
    trust: TrustFiles | None = None
    registry_timeout: float = 60.0
    github_token: str = ""

    def __repr__(self) -> str:  # never show the token, even in a debug trace
        hosts = [c.registry for c in self.credentials]
        return f"Access(logins={hosts!r}, insecure={self.insecure_registries!r})"


REGISTRY_CA_EXAMPLE = """registry-ca: ${{ vars.REGISTRY_CA_PEM }}   # the PEM text
registry-ca: .github/registry-ca.pem      # or a file in the workspace"""
PEM_BEGIN = "-----BEGIN CERTIFICATE-----"


def check_ca_pem(pem: str, where: str = "") -> str:
    """``pem`` when it holds at least one certificate OpenSSL can load, else `InputError`."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    try:
        if PEM_BEGIN not in pem:
            raise ssl.SSLError("no certificate")
        context.load_verify_locations(cadata=pem)
    except ssl.SSLError:
        raise InputError(
            "registry-ca",
            f"{where or 'the value'} holds no PEM certificate that can be loaded",
            f"Give the CA certificate(s), {PEM_BEGIN} ... -----END CERTIFICATE-----:\n"
            + REGISTRY_CA_EXAMPLE,
        ) from None
    return pem


def read_registry_ca(reader: InputReader) -> str:
    """``registry-ca``: PEM text (checked here), or a path to a PEM file (checked with the
    other files, before the build)."""
    raw = reader.raw("registry-ca").strip()
    if not raw or (PEM_BEGIN not in raw and "\n" not in raw):
        return raw  # a path
    return check_ca_pem(raw) + "\n"
