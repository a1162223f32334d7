"""Every input of action.yml with spellings it accepts and spellings it refuses.

One table for two tests: tests/unit/test_input_table.py reads each row through the
validation pass (inputs, plan, the files they name); tests/integration/test_input_refusals.py
runs ``python -m slipway`` on every refused row with stand-in programs that record their
command lines, and proves none was started.

A row's ``env`` holds the inputs (by their action.yml names) besides the table's own
BASE; an invalid row names the input its error must name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from slipway.inputs.spec import INPUTS, Kind
from tests.support.tls import ca_pem, write_workspace_files

DIGEST = "sha256:" + "a" * 64
CA_PEM = ca_pem()


def _signing_key(password: bytes = b"") -> str:
    """A new ECDSA P-256 key as PKCS#8 PEM, encrypted with ``password`` when given."""
    crypt = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, crypt
    ).decode()


SIGN_KEY = _signing_key()
SIGN_KEY_LOCKED = _signing_key(b"s3cret pass")
RSA_LIKE = "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----"
SIGNING_CONFIG = (
    '{"mediaType": "application/vnd.dev.sigstore.signingconfig.v0.2+json",'
    ' "caUrls": [{"url": "https://fulcio.example", "majorApiVersion": 1}],'
    ' "rekorTlogUrls": [{"url": "https://rekor.example", "majorApiVersion": 1}],'
    ' "tsaUrls": [{"url": "https://tsa.example/api/v1/timestamp", "majorApiVersion": 1}]}'
)
NO_REKOR = SIGNING_CONFIG.replace('"rekorTlogUrls"', '"otherUrls"')


@dataclass(frozen=True)
class Row:
    """One spelling of one input, with whatever else it needs to be read."""

    name: str  # the input (as action.yml names it)
    value: str
    more: dict[str, str] = field(default_factory=dict)  # other inputs this row needs
    blame: str = ""  # the input the error names, when not `name`
    label: str = ""  # the value in the test id, when the value itself is made per run

    @property
    def inputs(self) -> dict[str, str]:
        """The row's inputs, by action.yml name."""
        return {**self.more, self.name: self.value}

    @property
    def named(self) -> str:
        """The input the error must name."""
        return self.blame or self.name

    @property
    def id(self) -> str:
        """A test id (the same in every process: pytest-xdist's workers compare them)."""
        return f"{self.name}={self.label or repr(self.value)}"[:70]


# The inputs of every row (a workspace with a Dockerfile, the local registry).
BASE = {"images": "127.0.0.1:5000/acme/app"}
DOCKERFILE = "FROM scratch AS build\nFROM scratch AS runtime\n"


def prepare_workspace(workspace: Path) -> None:
    """The files the rows name: a Dockerfile with two stages, buildkitd.toml and a CA, a
    Dockerfile that is not UTF-8, a folder, and a link that leads out of the workspace."""
    (workspace / "Dockerfile").write_text(DOCKERFILE)
    write_workspace_files(workspace)
    (workspace / "latin1.Dockerfile").write_bytes("FROM scratch\n# caf\u00e9\n".encode("latin-1"))
    (workspace / "lib").mkdir(exist_ok=True)
    (workspace / "bad.trivyignore.yaml").write_text("vulnerabilities: 5\n")
    if not (workspace / "passwd-link").is_symlink():
        (workspace / "passwd-link").symlink_to("/etc/passwd")


PUSH = {"push": "true"}
PROVIDER = "projects/123456789012/locations/global/workloadIdentityPools/github/providers/my-repo"
UUID = "11111111-2222-3333-4444-555555555555"
TENANT = "66666666-7777-8888-9999-000000000000"
ACR_IMAGE = "myregistry.azurecr.io/team/app"
HUB_LOGIN = {"images": "docker.io/acme/app", "username": "acme"}
CREDENTIALS = {"username": "u", "password": "p"}
BAKE = {"bake-files": "docker-bake.hcl"}

VALID: list[Row] = [
    Row("images", "ghcr.io/acme/app\nname=docker.io/acme/app,enable=false"),
    Row("tags", "type=semver,pattern={{version}}\ntype=ref,event=branch"),
    Row("flavor", "latest=auto\nprefix=v"),
    Row("labels", "org.opencontainers.image.vendor=Acme"),
    Row("annotations", "index:org.opencontainers.image.vendor=Acme"),
    Row("sep-tags", ","),
    Row("sep-labels", ";"),
    Row("sep-annotations", "|"),
    Row("github-token", "ghs_" + "x" * 36),
    Row("context", "."),
    Row("file", "Dockerfile"),
    Row("platforms", "linux/amd64,linux/arm64"),
    Row("push", "false"),
    Row("push-by-digest", "true", PUSH),
    Row("merge-digests", DIGEST, PUSH),
    Row("target", "runtime"),
    Row("build-args", "VERSION=1.2.3\nB=x,y"),
    Row("build-contexts", "alpine=docker-image://alpine:3.20\nsrc=lib"),
    Row("secrets", '"github_token=abc,def"\nOTHER=x'),
    Row("secret-files", "npmrc=Dockerfile"),
    Row("ssh", "default"),
    Row("no-cache", "true"),
    Row("cache", "false"),
    Row("pull", "True"),
    Row("cache-from", "type=registry,ref=127.0.0.1:5000/acme/cache"),
    Row("cache-to", 'type=local,"dest=out/c,d",mode=max'),
    Row("provenance", "mode=max"),
    Row("sbom", "true"),
    Row("attestation-storage", "referrers"),
    Row("shm-size", "2g"),
    Row("ulimit", "nofile=1024:2048"),
    Row("load", "true"),
    Row("add-hosts", "db:10.0.0.5, cache=10.0.0.6"),
    Row("allow", "network.host"),
    Row("network", "none"),
    Row("no-cache-filters", "build,test"),
    Row("secret-envs", "npm=NPM_TOKEN", {"__env__NPM_TOKEN": "x"}),
    Row("cgroup-parent", "/actions_job"),
    Row("attests", "type=sbom\ntype=provenance,mode=max"),
    Row("outputs", "type=local,dest=out"),
    Row("builder", "my-builder"),
    Row("driver", "remote", {"endpoint": "tcp://buildkitd:1234"}),
    Row("endpoint", "tcp://buildkitd:1234", {"driver": "remote"}),
    Row("buildkit-image", "moby/buildkit:v0.25.2"),
    Row("driver-opts", "memory=4g\nenv.BUILDKIT_STEP_LOG_MAX_SIZE=10485760"),
    Row("buildkitd-flags", "--debug --allow-insecure-entitlement network.host"),
    Row("binfmt-image", "127.0.0.1:5000/tonistiigi/binfmt:qemu-v8.1.5"),
    Row("buildkitd-config", "buildkitd.toml"),
    Row(
        "buildkitd-config-inline",
        '[worker.oci]\n  max-parallelism = 4\n[registry."r.example"]\n  http = true',
    ),
    Row("registry", "ghcr.io", CREDENTIALS),
    Row("username", "octocat", {"password": "p"}),
    Row("password", "p a s s", {"username": "u"}),
    Row("registry-auth", '- registry: ghcr.io\n  username: u\n  password: "0755"'),
    Row("registry-timeout", "2m"),
    Row("insecure-registries", "registry:5000"),
    Row("ecr", "auto", {"registry": "123456789012.dkr.ecr.eu-west-1.amazonaws.com"}),
    Row("ecr", "true", {"registry-auth": "- registry: public.ecr.aws"}),
    Row("ecr", "false", CREDENTIALS),
    Row("aws-role-to-assume", "arn:aws:iam::123456789012:role/ci-push"),
    Row("aws-role-to-assume", "arn:aws-cn:iam::123456789012:role/path/ci@push"),
    Row("registry-auth", "- registry: 123456789012.dkr.ecr.us-east-1.amazonaws.com"),
    Row("registry-auth", "- registry: public.ecr.aws\n  username: AKIAEXAMPLE\n  password: s3cr3t"),
    Row("gcp-workload-identity-provider", PROVIDER, {"images": "europe-docker.pkg.dev/p/r/app"}),
    Row(
        "gcp-workload-identity-provider",
        "//iam.googleapis.com/" + PROVIDER,
        {"registry-auth": "- registry: gcr.io"},
    ),
    Row(
        "gcp-service-account",
        "ci-push@my-project.iam.gserviceaccount.com",
        {"gcp-workload-identity-provider": PROVIDER, "images": "us-docker.pkg.dev/p/r/app"},
    ),
    Row("azure-client-id", UUID, {"azure-tenant-id": TENANT, "images": ACR_IMAGE}),
    Row(
        "azure-tenant-id",
        "contoso.onmicrosoft.com",
        {"azure-client-id": UUID, "registry-auth": "- registry: myregistry.azurecr.io"},
    ),
    Row("dockerhub-oidc-connection-id", UUID, HUB_LOGIN),
    Row(
        "dockerhub-oidc-expires-in",
        "15m",
        {
            "dockerhub-oidc-connection-id": UUID,
            "registry-auth": "- registry: dhi.io\n  username: acme",
        },
    ),
    Row("username", "acme", {"images": "docker.io/acme/app", "dockerhub-oidc-connection-id": UUID}),
    Row("registry-ca", "registry-ca.pem"),
    Row("registry-ca", "\n" + CA_PEM, label="<a CA certificate, PEM, made per run>"),
    Row("scan", "false"),
    Row("severity", "critical,low"),
    Row("fail-on", "none"),
    Row("fail-on-scope", "new"),
    Row("fail-on-scope", "ALL"),
    Row("fixable-max-age", "30d", {"fail-on-scope": "new"}),
    Row("baseline", "main"),
    Row("base-advice", "minor"),
    Row("base-advice", "NONE"),
    Row("baseline", "none"),
    Row("baseline", "ghcr.io/acme/app:prod"),
    Row("baseline", f"ghcr.io/acme/app@{DIGEST}"),
    Row("tag-on-gate-failure", "true"),
    Row("trivy-db-repository", "127.0.0.1:5000/aquasec/trivy-db:2"),
    Row("trivy-java-db-repository", "127.0.0.1:5000/aquasec/trivy-java-db:1"),
    Row(
        "trivy-java-db-repository",
        "mirror.example/trivy-java-db:1\nghcr.io/aquasecurity/trivy-java-db:1",
    ),
    Row("trivy-cache-dir", "out/trivy"),
    Row("ignore-unfixed", "true"),
    Row("trivyignores", "Dockerfile"),
    Row("vex", "Dockerfile"),
    Row("scanners", "vuln,secret"),
    Row("db-max-age", "7d"),
    Row("scan-timeout", "15m"),
    Row("sbom-file", "out/sbom.cdx.json"),
    Row("policy", "SW001=HIGH\nhealthcheck-missing=off"),
    Row("trusted-registries", "ghcr.io/acme, docker.io/library"),
    Row("allowed-ports", "8080, 9000-9010"),
    Row("size-baseline", "main"),
    Row("max-size", "500MB"),
    Row("max-size-increase", "10%"),
    Row("pr-comment", "on-failure"),
    Row("pr-number", "42"),
    Row("comment-history", "true"),
    Row("check-run", "true"),
    Row("upload-sarif", "true"),
    Row("attach", "scan-report"),
    Row("attach", "none"),
    Row("attach", "sbom,scan-report"),
    Row("comment-file", "out/comment.json"),
    Row("sign", "false"),
    Row("sign", "true", {"sign-key": SIGN_KEY, **PUSH}),
    Row("sign", "TRUE"),  # nothing is pushed: nothing to sign, and it says so
    Row("sign-key", SIGN_KEY, PUSH),
    Row("sign-key-password", "s3cret pass", {"sign-key": SIGN_KEY_LOCKED, **PUSH}),
    Row("sigstore-config", SIGNING_CONFIG),
    Row("transparency-log", "false", {"sign-key": SIGN_KEY, **PUSH}),
    Row(
        "transparency-log",
        "true",
        {"sign-key": SIGN_KEY, "sigstore-config": SIGNING_CONFIG, **PUSH},
    ),
    Row("github-attestations", "true"),
    Row("bake-files", "docker-bake.hcl\ncompose.yaml"),
    Row("bake-targets", "api,web", BAKE),
    Row("bake-set", "*.platform=linux/amd64\napi.args.VERSION=1.2", BAKE),
]

INVALID: list[Row] = [
    Row("images", "ghcr.io/Acme App"),
    Row("images", "ghcr.io/acme/app:v1"),
    Row("tags", "type=semvar,pattern={{version}}"),
    Row("tags", "type=semver,pattern={{version"),
    Row("tags", "type=match,pattern=v([0-9]+"),
    Row("flavor", "latest=always"),
    Row("labels", "a={{#each x}}{{/each}}"),
    Row("annotations", "a={{date}}"),
    Row("github-token", "ghs_abc\nghs_def"),
    Row("context", "--push"),
    Row("context", "no-such-folder"),
    Row("context", "git"),  # metadata-action's context: refused, not read as a folder
    Row("file", "-f"),
    Row("file", "no/Dockerfile"),
    Row("platforms", ","),
    Row("platforms", "linux"),
    Row("platforms", "linux/amd65"),
    Row("push", "yes"),
    Row("push-by-digest", "true", blame="push"),
    Row("push-by-digest", "maybe", PUSH),
    Row("merge-digests", "sha256:abc", PUSH),
    Row("merge-digests", DIGEST, blame="push"),
    Row("target", "--output=type=registry"),
    Row("target", "nosuch"),
    Row("target", "9stage"),
    Row("file", "/etc/passwd"),
    Row("file", "latin1.Dockerfile"),
    Row("file", "passwd-link"),
    Row("context", "/etc"),
    Row("secret-files", "env=/proc/self/environ"),
    Row("secret-files", "pw=passwd-link"),
    Row("build-contexts", "lib=./no-such-dir"),
    Row("build-contexts", "lib=/etc"),
    Row("ssh", "key=/etc/ssh/ssh_host_rsa_key"),
    Row("cache-from", "type=local,src=/var/cache"),
    Row("trivyignores", "/etc/hosts"),
    Row("trivyignores", "bad.trivyignore.yaml"),
    Row("vex", "../vex.json"),
    Row("registry-ca", "/etc/ssl/certs/ca-certificates.crt"),
    Row("buildkitd-config", "/etc/buildkit/buildkitd.toml"),
    Row("build-args", "NOEQUALS"),
    Row("build-contexts", "=x"),
    Row("secrets", "=value"),
    Row("secrets", "bad id=x"),
    Row("secret-files", "npmrc=no-such-file"),
    Row("ssh", "--foo"),
    Row("ssh", "=x"),
    Row("no-cache", "1"),
    Row("cache", "auto"),
    Row("pull", "2"),
    Row("cache-from", 'type=local,"src=/c'),
    Row("cache-to", "type=bogus"),
    Row("provenance", "mode=extreme"),
    Row("provenance", "always"),
    Row("sbom", "maybe"),
    Row("attestation-storage", "referrer"),
    Row("shm-size", "lots"),
    Row("ulimit", "nofile"),
    Row("ulimit", "files=1:2"),
    Row("load", "yes"),
    Row("add-hosts", "db"),
    Row("allow", "root"),
    Row("network", "bridge0"),
    Row("no-cache-filters", "--all"),
    Row("secret-envs", "npm=NOT_SET_HERE"),
    Row("secret-envs", "NOEQUALS"),
    Row("cgroup-parent", "--x"),
    Row("attests", "type=signature"),
    Row("outputs", "type=image,name=x,push=1"),
    Row("outputs", "name=x,type=registry"),
    Row("builder", "--foo"),
    Row("driver", "kubernetes"),
    Row("driver", "remote", blame="endpoint"),
    Row("endpoint", "--push", {"driver": "remote"}),
    Row("buildkit-image", "Moby/BuildKit::latest"),
    Row("driver-opts", "memory"),
    Row("buildkitd-flags", "--debug 'unclosed"),
    Row("buildkitd-flags", "debug"),
    Row("binfmt-image", "Tonistiigi/BinFmt"),
    Row("buildkitd-config", "no-such-buildkitd.toml"),
    Row("buildkitd-config", "Dockerfile"),  # not TOML
    Row(
        "buildkitd-config",
        "buildkitd.toml",
        {"buildkitd-config-inline": "[worker.oci]"},
        "buildkitd-config-inline",
    ),
    Row("buildkitd-config-inline", "[worker.oci"),
    Row("buildkitd-config-inline", "registry = 1"),
    Row(
        "buildkitd-config-inline", "[worker.oci]", {"driver": "remote", "endpoint": "tcp://b:1234"}
    ),
    Row("buildkitd-config-inline", "[worker.oci]", {"builder": "mine"}),
    Row("registry", "--foo", CREDENTIALS),
    Row("username", "u"),  # no password: Docker Hub's OIDC login alone takes none
    Row("username", "u ser\n", {"password": "p"}),
    Row("password", "p", blame="username"),
    Row("password", "p\nq", {"username": "u"}),
    Row("registry-auth", "- username: u\n  password: yes"),
    Row("registry-auth", "- username: u\n  password: abc #x"),
    Row("registry-auth", "registry: x"),
    Row("registry-timeout", "soon"),
    Row("registry-timeout", "99999999999d"),
    Row("insecure-registries", "http://registry:5000"),
    Row("ecr", "yes"),
    Row("ecr", "true", CREDENTIALS),  # no ECR login
    Row("aws-role-to-assume", "ci-push"),
    Row("aws-role-to-assume", "arn:aws:iam::123:role/x"),
    Row("registry-auth", "- registry: public.ecr.aws\n  username: AKIAEXAMPLE"),
    Row(
        "gcp-workload-identity-provider",
        PROVIDER.replace("123456789012", "my-project"),
        {"images": "europe-docker.pkg.dev/p/r/app"},
    ),
    Row("gcp-workload-identity-provider", PROVIDER),  # no Google registry
    Row(
        "gcp-service-account",
        "ci-push@my-project",
        {"gcp-workload-identity-provider": PROVIDER, "images": "europe-docker.pkg.dev/p/r/app"},
    ),
    Row("azure-client-id", "my-app", {"azure-tenant-id": TENANT, "images": ACR_IMAGE}),
    Row("azure-client-id", UUID, {"azure-tenant-id": TENANT}),  # no Azure registry
    Row(
        "azure-client-id",
        UUID,
        {"azure-tenant-id": TENANT, "images": ACR_IMAGE, "username": "u", "password": "p"},
    ),  # the login has a password: nothing to buy
    Row("azure-tenant-id", "contoso", {"azure-client-id": UUID, "images": ACR_IMAGE}),
    Row("dockerhub-oidc-connection-id", "12345", HUB_LOGIN),
    Row("dockerhub-oidc-connection-id", UUID, {"images": "docker.io/acme/app"}),  # no username
    Row("dockerhub-oidc-expires-in", "2h", {**HUB_LOGIN, "dockerhub-oidc-connection-id": UUID}),
    Row("dockerhub-oidc-expires-in", "60", {**HUB_LOGIN, "dockerhub-oidc-connection-id": UUID}),
    Row("username", "acme", {"images": "ghcr.io/acme/app", "dockerhub-oidc-connection-id": UUID}),
    Row("registry-auth", "- registry: docker.io\n  username: acme"),  # no connection ID
    Row("registry-auth", "- registry: ghcr.io"),
    Row("registry-ca", "no-such-ca.pem"),
    Row("registry-ca", "Dockerfile"),  # not PEM
    Row("registry-ca", "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----"),
    Row("registry-ca", "two\nlines"),
    Row("scan", "maybe"),
    Row("severity", ","),
    Row("severity", "HIGHEST"),
    Row("fail-on", "bad"),
    Row("fail-on-scope", "changed"),
    Row("fixable-max-age", "30d"),
    Row("fixable-max-age", "a month", {"fail-on-scope": "new"}),
    Row("baseline", "Ghcr.io/Acme/App:main"),
    Row("baseline", "main branch"),
    Row("base-advice", "major"),
    Row("baseline", "-main"),
    Row("tag-on-gate-failure", "y"),
    Row("trivy-db-repository", "Aqua/DB:2"),
    Row("trivy-java-db-repository", "Aqua/Java-DB:1"),
    Row("trivy-java-db-repository", "ghcr.io/aquasecurity/trivy-java-db:1 extra"),
    Row("trivy-cache-dir", "Dockerfile"),
    Row("ignore-unfixed", "nope"),
    Row("trivyignores", "no-such.trivyignore"),
    Row("vex", "no-such.vex.json"),
    Row("scanners", ","),
    Row("scanners", "virus"),
    Row("db-max-age", "soon"),
    Row("scan-timeout", "0"),
    Row("sbom-file", "../sbom.json"),
    Row("sbom-file", "/tmp/sbom.json"),
    Row("policy", "SW999=HIGH"),
    Row("policy", "SW001=EXTREME"),
    Row("trusted-registries", "ghcr.io/Acme!!"),
    Row("allowed-ports", "1-99999999999"),
    Row("allowed-ports", "http"),
    Row("size-baseline", "not a tag!"),
    Row("max-size", "lots"),
    Row("max-size-increase", "nan%"),
    Row("max-size-increase", "-5%"),
    Row("pr-comment", "sometimes"),
    Row("pr-number", "abc"),
    Row("comment-history", "maybe"),
    Row("check-run", "maybe"),
    Row("upload-sarif", "maybe"),
    Row("attach", "signature"),
    Row("attach", "scan-report,sboms"),
    Row("comment-file", "../c.json"),
    Row("comment-file", "c.txt"),
    Row("sign", "always"),
    Row("sign", "true", PUSH),  # no OIDC token (no id-token: write) and no key
    Row("sign-key", "not a key"),
    Row("sign-key", RSA_LIKE, PUSH),
    Row("sign-key-password", "wrong", {"sign-key": SIGN_KEY_LOCKED, **PUSH}, "sign-key"),
    Row("sign-key-password", "s3cret pass"),  # no key
    Row("sigstore-config", "{not json"),
    Row("sigstore-config", '{"mediaType": "application/json"}'),
    Row("sigstore-config", SIGNING_CONFIG.replace("https://fulcio", "http://fulcio")),
    Row("transparency-log", "yes"),
    Row("transparency-log", "true", {"sign-key": SIGN_KEY, "sigstore-config": NO_REKOR, **PUSH}),
    Row("github-attestations", "maybe"),
    # bake: what belongs to one build is refused with a bake definition (issue 28)
    Row("bake-targets", "api", blame="bake-files"),
    Row("bake-set", "*.platform=linux/amd64", blame="bake-files"),
    *(
        Row("bake-files", "docker-bake.hcl", {name: value}, blame=name)
        for name, value in (
            ("file", "Dockerfile"),
            ("target", "runtime"),
            ("build-args", "A=1"),
            ("platforms", "linux/amd64"),
            ("build-contexts", "src=lib"),
        )
    ),
    Row("bake-files", "docker-bake.hcl", {"merge-digests": DIGEST, **PUSH}, blame="merge-digests"),
    Row(
        "bake-files", "docker-bake.hcl", {"push-by-digest": "true", **PUSH}, blame="push-by-digest"
    ),
    Row(
        "bake-files",
        "docker-bake.hcl",
        {"tag-on-gate-failure": "true", **PUSH},
        blame="tag-on-gate-failure",
    ),
]

# Inputs every value of which is valid: the separators are joined in as given.
FREE_TEXT = {spec.name for spec in INPUTS if spec.kind is Kind.ANY}

# One wrong value of each input's kind, derived from the declaration (slipway.inputs.spec):
# whatever else the hand-written rows above try, every input is refused by name for these.
WRONG_FOR_KIND = {
    Kind.BOOLEAN: "maybe",
    Kind.CHOICE: "bogus",
    Kind.DURATION: "\u0665m",
    Kind.NUMBER: "\u0665",
    Kind.WORD: "a\x07b",
    Kind.LINE: "a\x07b",
    Kind.TOKEN: "a b",
    Kind.SECRET: "a\nb",
    Kind.LIST: "a\x1bb",
    Kind.LINES: "a\x1bb",
    Kind.PAIRS: "a=\x1bb",
    Kind.TEXT: "a\x7fb",
}
DERIVED: list[Row] = [
    Row(spec.name, WRONG_FOR_KIND[spec.kind]) for spec in INPUTS if spec.kind is not Kind.ANY
]
INVALID += DERIVED


def env_for(row: Row) -> dict[str, str]:
    """The ``INPUT_*`` variables of a row, over BASE (``__env__NAME`` in ``more``: a plain
    variable of the step's environment)."""
    inputs = {**BASE, **row.inputs}
    return {
        name.removeprefix("__env__")
        if name.startswith("__env__")
        else f"INPUT_{name.upper()}": value
        for name, value in inputs.items()
    }
