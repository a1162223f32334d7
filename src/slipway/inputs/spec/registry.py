"""The registry inputs, as docker/login-action names them."""

from __future__ import annotations

from slipway.inputs.spec.model import Input, Kind, Section, needs

R = Section.REGISTRY
TOGETHER = "'username' and 'password' go together; {missing} is empty"

REGISTRY = (
    Input(
        "registry",
        R,
        Kind.WORD,
        "where to log in: a registry `host[:port]` (no scheme, no path; a port from 1 to 65535)",
        shown_default="the first image's registry",
        example="ghcr.io",
    ),
    Input(
        "username",
        R,
        Kind.TOKEN,
        "the user name, one word; with `password` (both or "
        "neither), or alone for a Docker Hub organisation's login through "
        "`dockerhub-oidc-connection-id`",
        example="octocat",
    ),
    Input(
        "password",
        R,
        Kind.SECRET,
        "the password or token, one line; masked, checked with the "
        "registry's API (`GET /v2/`, as `docker login` does) and stored only in the step's "
        "private Docker config",
        sensitive="{secret}",
        example="p a s s",
        relations=(
            needs(
                "username",
                TOGETHER.format(missing="username"),
                "Set both, or neither.",
                blame="username",
            ),
        ),
    ),
    Input(
        "registry-auth",
        R,
        Kind.TEXT,
        "several registries, a YAML list as docker/login-action's "
        "(`registry`, `username`, `password`); every value a one-line string exactly as written: "
        "a plain value YAML would turn into a number or boolean (`0755`, `yes`), a block scalar "
        "(`|`, `>`) or one cut at ` #` is refused — quote it "
        '(`password: "${{ secrets.TOKEN }}"`)',
        sensitive='- registry: ghcr.io\n  username: octocat\n  password: "{secret}"',
        example="- registry: ghcr.io\n  username: u\n  password: p",
    ),
    Input(
        "ecr",
        R,
        Kind.CHOICE,
        "Amazon ECR logins, as docker/login-action's `ecr`: `auto` "
        "recognises ECR hosts (`<account>.dkr.ecr.<region>.amazonaws.com`, `public.ecr.aws`) "
        "and buys their login from ECR's API before anything is built; a username/password "
        "given for such a host is an AWS access key (login-action's reading), except username "
        "`AWS` (a ready `aws ecr get-login-password` token); an ECR image with no login gets "
        "one. `true` also requires an ECR login; `false` never buys one",
        default="auto",
        choices=("auto", "true", "false"),
    ),
    Input(
        "aws-role-to-assume",
        R,
        Kind.WORD,
        "an IAM role ARN ECR logins assume with the job's "
        "GitHub OIDC token (STS `AssumeRoleWithWebIdentity`; needs `permissions: id-token: "
        "write`); without it, the keys in the environment (`aws-actions/configure-aws-"
        "credentials`) or the entry's",
        example="arn:aws:iam::123456789012:role/ci-push",
    ),
    Input(
        "gcp-workload-identity-provider",
        R,
        Kind.WORD,
        "a Workload Identity Federation "
        "provider, `projects/<number>/locations/global/workloadIdentityPools/<pool>/providers/"
        "<provider>` (google-github-actions/auth's `workload_identity_provider`): logins to "
        "Artifact Registry and Container Registry (`<location>-docker.pkg.dev`, `gcr.io`) with "
        "no password are bought before anything is built, the job's GitHub OIDC token "
        "exchanged at Google STS for an access token (user `oauth2accesstoken`; needs "
        "`permissions: id-token: write`); an image there with no login gets one",
        example="projects/123456789012/locations/global/workloadIdentityPools/github/"
        "providers/my-repo",
    ),
    Input(
        "gcp-service-account",
        R,
        Kind.WORD,
        "a service account's email the federated token "
        "impersonates (IAM Credentials `generateAccessToken`; the pool's identity needs "
        "`roles/iam.workloadIdentityUser` on it); without it, the federated token logs in "
        "itself (direct resource access)",
        example="ci-push@my-project.iam.gserviceaccount.com",
        relations=(
            needs(
                "gcp-workload-identity-provider",
                "'gcp-service-account' is "
                "impersonated through 'gcp-workload-identity-provider', which is "
                "empty",
                "Set the provider too.",
            ),
        ),
    ),
    Input(
        "azure-client-id",
        R,
        Kind.WORD,
        "the client ID (a UUID) of an app registration or "
        "managed identity with a federated credential for this repository (azure/login's "
        "`client-id`): logins to Azure Container Registry (`<name>.azurecr.io`) with no "
        "password are bought before anything is built, the job's GitHub OIDC token "
        "(audience `api://AzureADTokenExchange`) exchanged at Entra ID, then at the registry "
        "for an ACR refresh token (user `00000000-0000-0000-0000-000000000000`; needs "
        "`permissions: id-token: write`); an image there with no login gets one",
        example="11111111-2222-3333-4444-555555555555",
        relations=(
            needs(
                "azure-tenant-id",
                "'azure-client-id' signs in to a tenant: 'azure-tenant-id' is empty",
                "Set both.",
            ),
        ),
    ),
    Input(
        "azure-tenant-id",
        R,
        Kind.WORD,
        "the app's tenant (a UUID, or its domain), with `azure-client-id`",
        example="66666666-7777-8888-9999-000000000000",
        relations=(
            needs(
                "azure-client-id",
                "'azure-tenant-id' is for 'azure-client-id', which is empty",
                "Set both.",
                blame="azure-client-id",
            ),
        ),
    ),
    Input(
        "dockerhub-oidc-connection-id",
        R,
        Kind.WORD,
        "a Docker OIDC connection's ID (a UUID, "
        "from Docker Home), as docker/login-action's `DOCKERHUB_OIDC_CONNECTIONID`: a Docker "
        "Hub login (`docker.io`, `dhi.io`) with a `username` (the organisation) and no "
        "password is bought before anything is built, the job's GitHub OIDC token (audience "
        "`https://identity.docker.com`) exchanged at Docker's identity service for an access "
        "token (needs `permissions: id-token: write`)",
        example="0b5e7f3a-6c1d-4e8f-9a2b-3c4d5e6f7a8b",
    ),
    Input(
        "dockerhub-oidc-expires-in",
        R,
        Kind.DURATION,
        "how long the Docker Hub token lasts, "
        "from `5m` to `1h` (login-action's `DOCKERHUB_OIDC_EXPIREIN`): it is bought before the "
        "build, so it must outlast the build and the push",
        default="3600",
    ),
    Input(
        "registry-timeout",
        R,
        Kind.DURATION,
        "how long consecutive transient errors (429, 5xx, "
        "resets) are retried with backoff: seconds or `90s`, `15m`, `12h`, `7d`, at most a year",
        default="60",
    ),
    Input(
        "insecure-registries",
        R,
        Kind.LIST,
        "`host:port` per line, reached over plain HTTP by "
        "Slipway, Trivy and the builder (a `services:` registry by its alias); loopback "
        "registries need no entry",
        example="registry:5000",
    ),
    Input(
        "registry-ca",
        R,
        Kind.TEXT,
        "the CA certificate(s) that signed your registries' TLS "
        "certificates (GHES, a private registry), as PEM text or a file inside the workspace; "
        "trusted, besides the public roots, by Slipway's pushes, Trivy and the builder Slipway "
        "creates (for the run's images, logins and the Dockerfile's `FROM` registries). A "
        "container action does not see the runner's `/etc/docker/certs.d`: without it such a "
        'registry fails in seconds with "its TLS certificate is not signed by a CA Slipway '
        'trusts", before anything is built',
        files=True,
        example="registry-ca.pem",
    ),
)
