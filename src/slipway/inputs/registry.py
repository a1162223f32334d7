"""Registry credentials: ``registry`` + ``username`` + ``password``, and ``registry-auth``."""

from __future__ import annotations

import re
import ssl
from dataclasses import dataclass

import yaml

from slipway.core.yaml_depth import MAX_NESTING, too_deep
from slipway.errors import InputError
from slipway.inputs.reader import InputReader, duration
from slipway.oci.ecr import ecr_registry
from slipway.oci.keyless import DOCKER_HUB_TOKEN_LIFETIME, Keyless, keyless_kind
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
    # bought through the job's OIDC token (slipway.tools.gcp, .azure, .dockerhub): no
    # password given (Docker Hub's username is the organisation)
    keyless: Keyless | None = None

    def __repr__(self) -> str:  # never show a password, even in a debug trace
        return (
            f"Credential(registry={self.registry!r}, username={self.username!r}, "
            f"ecr={self.ecr}, keyless={self.keyless})"
        )


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


def _registry_auth(reader: InputReader, mode: str, keyless: Identities) -> list[Credential]:
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
        bought = keyless.bought(registry, username, password)
        if bought is None and (
            (not ecr and not (username and password)) or bool(username) != bool(password)
        ):
            raise InputError(
                "registry-auth",
                f"entry {number} needs username and password" + _without(registry, keyless),
                REGISTRY_AUTH_EXAMPLE,
            )
        found.append(Credential(registry, username, password, ecr=ecr, keyless=bought))
    return found


def _without(registry: str, keyless: Identities) -> str:
    """How a login to ``registry`` could do without a password, for an error message."""
    if ecr_registry(registry):
        return " (or neither, for Amazon ECR)"
    kind = keyless_kind(registry)
    if kind is Keyless.DOCKER_HUB:
        return " (or username alone, with `dockerhub-oidc-connection-id`)"
    if kind is not None:
        return f" (or neither, with `{KEYLESS_INPUT[kind]}`)"
    return ""


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


def read_credentials(
    reader: InputReader, images: tuple[ImageName, ...], keyless: Identities | None = None
) -> tuple[Credential, ...]:
    """Every login given (``username``/``password``/``registry`` and ``registry-auth``), and
    one for each Amazon ECR registry of ``images`` that has none (unless ``ecr: false``), and
    for each registry of theirs a ``keyless`` identity sells logins for."""
    keyless = keyless or Identities()
    # a password needs a username: declared (slipway.inputs.spec); a username needs one
    # but for Docker Hub's OIDC login
    username, password = reader.token("username"), reader.secret("password")
    mode = reader.choice("ecr", ECR_MODES)
    credentials = _registry_auth(reader, mode, keyless)
    given = registry_host("registry", reader.word("registry"))
    registry = given or (images[0].registry if images else "docker.io")
    bought = keyless.bought(registry, username, password)
    if username and not password and bought is None:
        raise InputError(
            "username",
            "'username' and 'password' go together; password is empty",
            "Set both, or neither" + _without(registry, keyless) + ".",
        )
    if username or (given and (_is_ecr(registry, "", mode) or bought is not None)):
        ecr = _is_ecr(registry, username, mode)
        credentials.insert(0, Credential(registry, username, password, ecr=ecr, keyless=bought))
    if mode == "true" and not any(c.ecr for c in credentials):
        raise InputError("ecr", "is true, but no login is to an Amazon ECR registry", ECR_HINT)
    for image in images:
        if credential_for(tuple(credentials), image.registry) is not None:
            continue
        if mode != "false" and ecr_registry(image.registry):
            credentials.append(Credential(image.registry, "", "", ecr=True))
        elif (kind := keyless.bought(image.registry, "", "")) is not None:
            credentials.append(Credential(image.registry, "", "", keyless=kind))
    keyless.check_used(tuple(credentials))
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


KEYLESS_INPUT = {
    Keyless.GCP: "gcp-workload-identity-provider",
    Keyless.AZURE: "azure-client-id",
    Keyless.DOCKER_HUB: "dockerhub-oidc-connection-id",
}
GCP_EXAMPLE = """images: europe-docker.pkg.dev/my-project/team/app
gcp-workload-identity-provider: projects/123456789012/locations/global/workloadIdentityPools/github/providers/my-repo
gcp-service-account: ci-push@my-project.iam.gserviceaccount.com   # optional"""
AZURE_EXAMPLE = """images: myregistry.azurecr.io/team/app
azure-client-id: ${{ vars.AZURE_CLIENT_ID }}   # the app registration's client ID (a UUID)
azure-tenant-id: ${{ vars.AZURE_TENANT_ID }}   # its tenant's ID (a UUID)"""
DOCKER_HUB_EXAMPLE = """images: docker.io/my-org/app
username: my-org                              # the organisation that owns the connection
dockerhub-oidc-connection-id: ${{ vars.DOCKERHUB_OIDC_CONNECTIONID }}"""
_PROVIDER = re.compile(
    r"projects/[0-9]{1,20}/locations/global/workloadIdentityPools/[a-z0-9-]{4,32}"
    r"/providers/[a-z0-9-]{4,32}"
)
_SERVICE_ACCOUNT = re.compile(
    r"[a-z][a-z0-9-]{4,28}[a-z0-9]@[a-z0-9.:-]+\.iam\.gserviceaccount\.com"
)
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)
_TENANT_DOMAIN = re.compile(
    r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}", re.IGNORECASE
)


@dataclass(frozen=True)
class GcpIdentity:
    """``gcp-workload-identity-provider`` (``projects/<n>/locations/global/...``), and the
    ``gcp-service-account`` it impersonates, if any."""

    provider: str
    service_account: str = ""


@dataclass(frozen=True)
class AzureIdentity:
    """``azure-client-id`` and ``azure-tenant-id``: an app with a federated credential."""

    client_id: str
    tenant_id: str


@dataclass(frozen=True)
class DockerHubOidc:
    """``dockerhub-oidc-connection-id`` and the lifetime of the token it buys (seconds)."""

    connection_id: str
    expires_in: int = 3600


@dataclass(frozen=True)
class Identities:
    """The identities that sell keyless logins through the job's OIDC token (besides
    ``aws-role-to-assume``), those given."""

    gcp: GcpIdentity | None = None
    azure: AzureIdentity | None = None
    dockerhub: DockerHubOidc | None = None

    def bought(self, registry: str, username: str, password: str) -> Keyless | None:
        """Who sells the login to ``registry`` given ``username`` and ``password``: Google or
        Azure when neither is given, Docker when the username alone is; None: no one."""
        kind = keyless_kind(registry)
        if password or kind is None:
            return None
        given = {
            Keyless.GCP: self.gcp,
            Keyless.AZURE: self.azure,
            Keyless.DOCKER_HUB: self.dockerhub,
        }[kind]
        wants_username = kind is Keyless.DOCKER_HUB
        return kind if given is not None and bool(username) == wants_username else None

    def check_used(self, credentials: tuple[Credential, ...]) -> None:
        """`InputError` for an identity given that no login uses: a typo in an image name, or
        a login given a password after all, would otherwise leave it silently unused."""
        used = {c.keyless for c in credentials}
        if self.gcp is not None and Keyless.GCP not in used:
            raise InputError(
                "gcp-workload-identity-provider",
                "is set, but no image or login without a password is on Artifact Registry "
                "or Container Registry (<location>-docker.pkg.dev, gcr.io)",
                GCP_EXAMPLE,
            )
        if self.azure is not None and Keyless.AZURE not in used:
            raise InputError(
                "azure-client-id",
                "is set, but no image or login without a password is on Azure Container "
                "Registry (<name>.azurecr.io)",
                AZURE_EXAMPLE,
            )
        if self.dockerhub is not None and Keyless.DOCKER_HUB not in used:
            raise InputError(
                "dockerhub-oidc-connection-id",
                "is set, but no Docker Hub login (docker.io, dhi.io) has a username without "
                "a password: Docker's token logs in as the organisation",
                DOCKER_HUB_EXAMPLE,
            )


def read_identities(reader: InputReader) -> Identities:
    """The keyless identities: ``gcp-*``, ``azure-*`` and ``dockerhub-oidc-*`` (that each
    pair goes together is declared: slipway.inputs.spec)."""
    provider = reader.word("gcp-workload-identity-provider").removeprefix("//iam.googleapis.com/")
    if provider and not _PROVIDER.fullmatch(provider):
        raise InputError(
            "gcp-workload-identity-provider",
            f"{provider[:120]!r} is not a workload identity provider's full name",
            "Copy it from `gcloud iam workload-identity-pools providers describe <provider> "
            "--location global --workload-identity-pool <pool> --format 'value(name)'`:\n"
            + GCP_EXAMPLE,
        )
    account = reader.word("gcp-service-account")
    if account and not _SERVICE_ACCOUNT.fullmatch(account):
        raise InputError(
            "gcp-service-account",
            f"{account[:120]!r} is not a service account's email",
            "e.g. `gcp-service-account: ci-push@my-project.iam.gserviceaccount.com`.",
        )
    client_id, tenant = reader.word("azure-client-id"), reader.word("azure-tenant-id")
    if client_id and not _UUID.fullmatch(client_id):
        raise InputError(
            "azure-client-id",
            f"{client_id[:60]!r} is not an application (client) ID, a UUID",
            AZURE_EXAMPLE,
        )
    if tenant and not (_UUID.fullmatch(tenant) or _TENANT_DOMAIN.fullmatch(tenant)):
        raise InputError(
            "azure-tenant-id",
            f"{tenant[:60]!r} is not a tenant ID (a UUID) or a tenant's domain",
            AZURE_EXAMPLE,
        )
    connection = reader.word("dockerhub-oidc-connection-id")
    if connection and not _UUID.fullmatch(connection):
        raise InputError(
            "dockerhub-oidc-connection-id",
            f"{connection[:60]!r} is not a connection ID, a UUID",
            DOCKER_HUB_EXAMPLE,
        )
    expires = duration(reader, "dockerhub-oidc-expires-in")
    low, high = DOCKER_HUB_TOKEN_LIFETIME
    if not low <= expires <= high:
        raise InputError(
            "dockerhub-oidc-expires-in",
            f"is {expires:g} s; Docker's tokens last from {low} to {high} s",
            f"Give a lifetime from `{low // 60}m` to `{high // 60}m`: the login is bought "
            "before the build, so the token must outlast the build and the push.",
        )
    return Identities(
        gcp=GcpIdentity(provider, account) if provider else None,
        azure=AzureIdentity(client_id.lower(), tenant.lower()) if client_id else None,
        dockerhub=DockerHubOidc(connection.lower(), int(expires)) if connection else None,
    )


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
