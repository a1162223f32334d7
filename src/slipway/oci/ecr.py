"""Amazon ECR registry hosts, as docker/login-action recognises them (pure); the login
itself is slipway.tools.aws."""

from __future__ import annotations

import re
from dataclasses import dataclass

PUBLIC_REGION = "us-east-1"  # ECR Public's authorization API is in us-east-1 only
_PRIVATE = re.compile(  # <account>.dkr.ecr[-fips].<region>.amazonaws.com[.cn] | .eu | .on.aws
    r"(?P<account>[0-9]{12})\.dkr[.-]ecr(?P<fips>-fips)?\.(?P<region>[a-z]{2,4}(?:-[a-z]+)+-[0-9]+)"
    r"\.(?:amazonaws\.(?:com|com\.cn|eu)|on\.aws)"
)
_PUBLIC_HOSTS = frozenset({"public.ecr.aws", "ecr-public.aws.com"})  # the second is dual-stack


@dataclass(frozen=True)
class EcrRegistry:
    """An Amazon ECR registry host, and where its authorization API is."""

    host: str
    region: str
    public: bool  # ECR Public: service "ecr-public", region us-east-1
    account: str = ""  # a private registry's 12-digit id
    fips: bool = False  # dkr.ecr-fips: the FIPS API endpoint too


def ecr_registry(host: str) -> EcrRegistry | None:
    """The ECR registry ``host`` (no path) names, as docker/login-action recognises them."""
    name = host.lower()
    if name in _PUBLIC_HOSTS:
        return EcrRegistry(name, PUBLIC_REGION, public=True)
    match = _PRIVATE.fullmatch(name)
    if match is None:
        return None
    return EcrRegistry(name, match["region"], False, match["account"], bool(match["fips"]))
