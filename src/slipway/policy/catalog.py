"""The rules: the image-security practices (trusted bases, no root, no secrets in layers,
pinned versions, small images...), one ID each, with a one-line fix.

Where Trivy (``trivy config``, DS-xxxx) or hadolint (DLxxxx) already check a rule,
their IDs are mapped onto ours (`TOOL_RULES`) instead of re-implementing the check;
Slipway's own checks (`slipway.policy.own_rules`) cover only what they miss.
"""

from __future__ import annotations

from dataclasses import dataclass

from slipway.core.severity import Severity
from slipway.policy.model import OFF, RuleSeverity


@dataclass(frozen=True)
class Rule:
    """One rule of the policy."""

    id: str
    slug: str
    title: str
    severity: RuleSeverity  # the default: a policy severity, or "off"
    fix: str


ROOT_USER = Rule(
    "SW001",
    "root-user",
    "Final stage runs as root",
    Severity.HIGH,
    "Add `USER <uid>` (non-root, numeric) as the last USER of the final stage.",
)
UNTRUSTED_BASE = Rule(
    "SW002",
    "untrusted-base",
    "Base image not from a trusted registry",
    Severity.HIGH,
    "Use a base image from a registry listed in `trusted-registries`, or add that registry.",
)
UNPINNED_BASE = Rule(
    "SW003",
    "unpinned-base",
    "Base image not pinned (latest or no tag)",
    Severity.MEDIUM,
    "Name a release tag, e.g. `FROM python:3.12-slim-bookworm`, not `latest` or no tag.",
)
NO_DIGEST = Rule(
    "SW004",
    "base-not-digest-pinned",
    "Base image not pinned by digest",
    OFF,
    "Pin the base by digest: `FROM image:tag@sha256:...` (let Dependabot/Renovate bump it).",
)
SECRET_ARG_ENV = Rule(
    "SW005",
    "secret-in-arg-env",
    "Credential in ARG/ENV",
    Severity.CRITICAL,
    "Pass secrets with `RUN --mount=type=secret,id=NAME` (the `secrets` input), not ARG/ENV.",
)
SECRET_FILE = Rule(
    "SW006",
    "secret-file-copied",
    "Key or credential file copied into the image",
    Severity.CRITICAL,
    "Do not COPY keys or credential files; use `RUN --mount=type=secret` and .dockerignore.",
)
TOKEN_IN_RUN = Rule(
    "SW007",
    "token-in-run",
    "Token or password in a RUN line",
    Severity.CRITICAL,
    "Read the token from a build secret: `RUN --mount=type=secret,id=token ...`.",
)
PORT = Rule(
    "SW008",
    "port-not-allowed",
    "Port exposed that is not allowed",
    Severity.MEDIUM,
    "Remove the port from EXPOSE, or add it to the `allowed-ports` input if it is needed.",
)
PRIVILEGED = Rule(
    "SW009",
    "privileged-build",
    "Privileged step (sudo or RUN --security=insecure)",
    Severity.HIGH,
    "Drop `sudo` (RUN already runs as the current USER) and `--security=insecure`.",
)
BUILD_TOOLS = Rule(
    "SW010",
    "build-tools-in-final",
    "Compilers/build tools in the final image",
    Severity.MEDIUM,
    "Build in a first stage and `COPY --from=build` only the result into the final stage.",
)
APT_LISTS = Rule(
    "SW011",
    "apt-lists-left",
    "apt lists left in the layer",
    Severity.LOW,
    "End the RUN with `&& rm -rf /var/lib/apt/lists/*`.",
)
PIP_CACHE = Rule(
    "SW012",
    "pip-cache-left",
    "pip cache left in the layer",
    Severity.LOW,
    "Use `pip install --no-cache-dir` (or `ENV PIP_NO_CACHE_DIR=1`).",
)
APK_CACHE = Rule(
    "SW013",
    "apk-cache-left",
    "apk cache left in the layer",
    Severity.LOW,
    "Use `apk add --no-cache`.",
)
PKG_CACHE = Rule(
    "SW014",
    "package-cache-left",
    "yum/dnf/zypper cache left in the layer",
    Severity.LOW,
    "End the RUN with `&& yum clean all` (dnf/microdnf: `clean all`, zypper: `clean`).",
)
ADD_URL = Rule(
    "SW015",
    "add-remote-url",
    "ADD of a remote URL",
    Severity.MEDIUM,
    "Download in a RUN with a checksum check (`curl -fsSL URL | sha256sum -c`), or `ADD --checksum=`.",
)
NO_HEALTHCHECK = Rule(
    "SW016",
    "healthcheck-missing",
    "No HEALTHCHECK",
    Severity.INFO,
    'Add `HEALTHCHECK CMD ["/app/healthcheck"]`, or `HEALTHCHECK NONE` to say there is none.',
)

SECRET_IN_LAYER = Rule(
    "SW017",
    "secret-in-layer",
    "Secret found in an image layer (Trivy secret scan)",
    Severity.CRITICAL,
    "Keep the file out of the image (.dockerignore, `RUN --mount=type=secret`) and rotate it.",
)

RULES: tuple[Rule, ...] = (
    ROOT_USER,
    UNTRUSTED_BASE,
    UNPINNED_BASE,
    NO_DIGEST,
    SECRET_ARG_ENV,
    SECRET_FILE,
    TOKEN_IN_RUN,
    PORT,
    PRIVILEGED,
    BUILD_TOOLS,
    APT_LISTS,
    PIP_CACHE,
    APK_CACHE,
    PKG_CACHE,
    ADD_URL,
    NO_HEALTHCHECK,
    SECRET_IN_LAYER,
)
BY_ID = {rule.id: rule for rule in RULES}
BY_SLUG = {rule.slug: rule for rule in RULES}

# Tool check IDs -> our rule. Unlisted tool checks (style: DL3059, pinning apt versions)
# are left out: the findings stay on the lines that matter for these practices.
TOOL_RULES: dict[str, Rule] = {
    # trivy config (embedded checks, Trivy 0.76)
    "DS-0001": UNPINNED_BASE,
    "DS-0002": ROOT_USER,
    "DS-0004": PORT,  # port 22; dropped when `allowed-ports` allows 22
    "DS-0010": PRIVILEGED,
    "DS-0015": PKG_CACHE,
    "DS-0019": PKG_CACHE,
    "DS-0020": PKG_CACHE,
    "DS-0025": APK_CACHE,
    "DS-0026": NO_HEALTHCHECK,
    "DS-0027": PKG_CACHE,
    "DS-0031": SECRET_ARG_ENV,
    # hadolint 2.15
    "DL3002": ROOT_USER,
    "DL3004": PRIVILEGED,
    "DL3006": UNPINNED_BASE,
    "DL3007": UNPINNED_BASE,
    "DL3009": APT_LISTS,
    "DL3019": APK_CACHE,
    "DL3032": PKG_CACHE,
    "DL3036": PKG_CACHE,
    "DL3040": PKG_CACHE,
    "DL3042": PIP_CACHE,
    "DL3064": SECRET_ARG_ENV,
}


LAYER_SCAN_PREFIX = "trivy-secret:"  # Trivy secret-scan results: "trivy-secret:<RuleID>"


def find_rule(name: str) -> Rule | None:
    """A rule by ID (``SW001``) or slug (``root-user``), case-insensitive."""
    return BY_ID.get(name.upper()) or BY_SLUG.get(name.lower())
