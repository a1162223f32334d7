"""The registry hosts a keyless login can be bought for through the job's GitHub OIDC token
(pure), besides Amazon ECR's (slipway.oci.ecr): Google's Artifact Registry and Container
Registry, Azure Container Registry, Docker Hub. The logins themselves are slipway.tools.gcp,
slipway.tools.azure and slipway.tools.dockerhub."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Keyless(StrEnum):
    """Who sells a registry's login for the job's OIDC token."""

    GCP = "gcp"
    AZURE = "azure"
    DOCKER_HUB = "dockerhub"


_PORT = r"(?::[0-9]{1,5})?"
# <location>-docker.pkg.dev (Artifact Registry), gcr.io and its regional hosts (Container
# Registry, now served by Artifact Registry)
_GOOGLE = re.compile(
    r"(?:[a-z0-9]+(?:-[a-z0-9]+)*-docker\.pkg\.dev|(?:(?:us|eu|asia)\.)?gcr\.io)" + _PORT
)
# <name>.azurecr.io (a name of 5-50 letters and digits, with a domain name label's hash
# after a dash), and the sovereign clouds' suffixes
_AZURE = re.compile(r"[a-z0-9]{5,50}(?:-[a-z0-9]{1,16})?\.azurecr\.(?P<suffix>io|cn|us)" + _PORT)
# docker/login-action v4.6's Docker Hub OIDC registries (src/dockerhub.ts), with the name
# Slipway reads as Docker Hub too
# The lifetimes (seconds) a Docker Hub token may be asked for, as login-action v4.6 allows
DOCKER_HUB_TOKEN_LIFETIME = (300, 3600)
DOCKER_HUB_OIDC_HOSTS = frozenset(
    {"docker.io", "index.docker.io", "registry-1.docker.io", "dhi.io"}
)


@dataclass(frozen=True)
class AzureCloud:
    """Where an Azure cloud's Entra ID is, and the scope of its management API."""

    authority: str
    scope: str


# By ACR suffix: the public cloud, Azure China, Azure US Government (azure-identity's
# AzureAuthorityHosts, and each cloud's resource manager)
AZURE_CLOUDS = {
    "io": AzureCloud("https://login.microsoftonline.com", "https://management.azure.com/.default"),
    "cn": AzureCloud(
        "https://login.chinacloudapi.cn", "https://management.chinacloudapi.cn/.default"
    ),
    "us": AzureCloud(
        "https://login.microsoftonline.us", "https://management.usgovcloudapi.net/.default"
    ),
}


def google_registry(host: str) -> bool:
    """True for an Artifact Registry or Container Registry host (``host[:port]``)."""
    return _GOOGLE.fullmatch(host.lower()) is not None


def azure_cloud(host: str) -> AzureCloud | None:
    """The cloud of an Azure Container Registry host, or None for any other host."""
    match = _AZURE.fullmatch(host.lower())
    return AZURE_CLOUDS[match["suffix"]] if match else None


def docker_hub_oidc(host: str) -> bool:
    """True for a registry docker/login-action logs in to through a Docker OIDC connection."""
    return host.lower() in DOCKER_HUB_OIDC_HOSTS


def keyless_kind(host: str) -> Keyless | None:
    """Who could sell the login of ``host``, if anyone does."""
    if google_registry(host):
        return Keyless.GCP
    if azure_cloud(host) is not None:
        return Keyless.AZURE
    if docker_hub_oidc(host):
        return Keyless.DOCKER_HUB
    return None
