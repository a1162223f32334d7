"""The registry inputs, as docker/login-action names them."""

from __future__ import annotations

from slipway.inputs.spec.model import Input, Kind, Section, needs

R = Section.REGISTRY
TOGETHER = "'username' and 'password' go together; {missing} is empty"

REGISTRY = (
    Input("registry", R, Kind.WORD, "where to log in: a registry `host[:port]` (no scheme, no "
          "path; a port from 1 to 65535)", shown_default="the first image's registry",
          example="ghcr.io"),
    Input("username", R, Kind.TOKEN, "the user name, one word; with `password` (both or neither)",
          example="octocat",
          relations=(needs("password", TOGETHER.format(missing="password"), "Set both, or "
                           "neither.", blame="password"),)),
    Input("password", R, Kind.SECRET, "the password or token, one line; masked, checked with the "
          "registry's API (`GET /v2/`, as `docker login` does) and stored only in the step's "
          "private Docker config", sensitive="{secret}", example="p a s s",
          relations=(needs("username", TOGETHER.format(missing="username"), "Set both, or "
                           "neither.", blame="username"),)),
    Input("registry-auth", R, Kind.TEXT, "several registries, a YAML list as docker/login-action's "
          "(`registry`, `username`, `password`); every value a one-line string exactly as written: "
          "a plain value YAML would turn into a number or boolean (`0755`, `yes`), a block scalar "
          "(`|`, `>`) or one cut at ` #` is refused — quote it "
          "(`password: \"${{ secrets.TOKEN }}\"`)",
          sensitive="- registry: ghcr.io\n  username: octocat\n  password: \"{secret}\"",
          example="- registry: ghcr.io\n  username: u\n  password: p"),
    Input("ecr", R, Kind.CHOICE, "Amazon ECR logins, as docker/login-action's `ecr`: `auto` "
          "recognises ECR hosts (`<account>.dkr.ecr.<region>.amazonaws.com`, `public.ecr.aws`) "
          "and buys their login from ECR's API before anything is built; a username/password "
          "given for such a host is an AWS access key (login-action's reading), except username "
          "`AWS` (a ready `aws ecr get-login-password` token); an ECR image with no login gets "
          "one. `true` also requires an ECR login; `false` never buys one", default="auto",
          choices=("auto", "true", "false")),
    Input("aws-role-to-assume", R, Kind.WORD, "an IAM role ARN ECR logins assume with the job's "
          "GitHub OIDC token (STS `AssumeRoleWithWebIdentity`; needs `permissions: id-token: "
          "write`); without it, the keys in the environment (`aws-actions/configure-aws-"
          "credentials`) or the entry's", example="arn:aws:iam::123456789012:role/ci-push"),
    Input("registry-timeout", R, Kind.DURATION, "how long consecutive transient errors (429, 5xx, "
          "resets) are retried with backoff: seconds or `90s`, `15m`, `12h`, `7d`, at most a year",
          default="60"),
    Input("insecure-registries", R, Kind.LIST, "`host:port` per line, reached over plain HTTP by "
          "Slipway, Trivy and the builder (a `services:` registry by its alias); loopback "
          "registries need no entry", example="registry:5000"),
    Input("registry-ca", R, Kind.TEXT, "the CA certificate(s) that signed your registries' TLS "
          "certificates (GHES, a private registry), as PEM text or a file inside the workspace; "
          "trusted, besides the public roots, by Slipway's pushes, Trivy and the builder Slipway "
          "creates (for the run's images, logins and the Dockerfile's `FROM` registries). A "
          "container action does not see the runner's `/etc/docker/certs.d`: without it such a "
          "registry fails in seconds with \"its TLS certificate is not signed by a CA Slipway "
          "trusts\", before anything is built", files=True, example="registry-ca.pem"),
)  # fmt: skip
