"""slipway.tools.aws without a network: its Signature Version 4 against botocore's own
``SigV4Auth`` (the oracle: same Authorization and X-Amz-Date), ECR hosts as
docker/login-action recognises them, credentials from the environment, and endpoints."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any
from unittest import mock

import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from slipway.errors import RegistryError
from slipway.oci.ecr import EcrRegistry, ecr_registry
from slipway.tools import aws
from slipway.tools.aws import AwsCredentials, Signer

KEY = AwsCredentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
SESSION = AwsCredentials(
    "ASIAEXAMPLE7", "s3cr3t/Key+with=signs", "FwoGZXIvYXdzEBYaD+session/token=="
)
ECR_JSON = {"Content-Type": "application/x-amz-json-1.1"}
GET_TOKEN = "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken"
FORM = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}

# (credentials, region, service, method, url, headers, body, time)
CASES: list[tuple[AwsCredentials, str, str, str, str, dict[str, str], bytes, datetime]] = [
    (
        KEY,
        "eu-west-3",
        "ecr",
        "POST",
        "https://api.ecr.eu-west-3.amazonaws.com/",
        {**ECR_JSON, "X-Amz-Target": GET_TOKEN},
        b'{"registryIds": ["012345678901"]}',
        datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
    ),
    (
        SESSION,
        "cn-north-1",
        "ecr",
        "POST",
        "https://api.ecr.cn-north-1.amazonaws.com.cn/",
        {**ECR_JSON, "X-Amz-Target": GET_TOKEN},
        b"{}",
        datetime(2025, 12, 31, 23, 59, 59, tzinfo=UTC),
    ),
    (
        SESSION,
        "us-east-1",
        "ecr-public",
        "POST",
        "https://api.ecr-public.us-east-1.amazonaws.com",
        {**ECR_JSON, "X-Amz-Target": "SpencerFrontendService.GetAuthorizationToken"},
        b"{}",
        datetime(2024, 2, 29, 12, 0, 0, tzinfo=UTC),
    ),
    (
        KEY,
        "us-west-2",
        "sts",
        "GET",
        "https://sts.us-west-2.amazonaws.com/?Version=2011-06-15&Action=GetCallerIdentity",
        {},
        b"",
        datetime(2026, 6, 1, 0, 0, 0, tzinfo=UTC),
    ),
    (
        SESSION,
        "ap-southeast-2",
        "execute-api",
        "GET",
        (
            "https://example.execute-api.ap-southeast-2.amazonaws.com/v1/items/a%20b?b=2&a=1&a=0"
            "&c=x%20y&d=&slash=%2F&t=a~b"
        ),
        {"X-Custom": "  spaced   out  value "},
        b"",
        datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC),
    ),
    (
        KEY,
        "eu-central-1",
        "sts",
        "POST",
        "http://127.0.0.1:5000/",
        FORM,
        b"Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A1%3Arole%2Fx",
        datetime(2026, 7, 8, 9, 10, 11, tzinfo=UTC),
    ),
    (
        KEY,
        "eusc-de-east-1",
        "ecr",
        "POST",
        "https://API.ECR.eusc-de-east-1.amazonaws.eu:443/",
        {**ECR_JSON, "X-Amz-Target": GET_TOKEN},
        '{"é": 1}'.encode(),
        datetime(2026, 1, 1, 0, 0, 0, tzinfo=UTC),
    ),
]


def botocore_headers(case: tuple[Any, ...]) -> dict[str, str]:
    credentials, region, service, method, url, headers, body, at = case
    request = AWSRequest(method=method, url=url, data=body, headers=dict(headers))
    oracle = Credentials(
        credentials.access_key_id, credentials.secret_access_key, credentials.session_token or None
    )
    with mock.patch("botocore.auth.get_current_datetime", return_value=at.replace(tzinfo=None)):
        SigV4Auth(oracle, service, region).add_auth(request)
    return dict(request.headers.items())


@pytest.mark.parametrize("case", CASES, ids=lambda case: f"{case[2]}-{case[1]}-{case[3]}")
def test_signature_is_botocores(case: tuple[Any, ...]) -> None:
    credentials, region, service, method, url, headers, body, at = case
    ours = Signer(credentials, region, service, at).sign(method, url, headers, body)
    theirs = botocore_headers(case)
    assert ours["Authorization"] == theirs["Authorization"]
    assert ours["X-Amz-Date"] == theirs["X-Amz-Date"]
    assert ours.get("X-Amz-Security-Token") == theirs.get("X-Amz-Security-Token")
    assert {k: v for k, v in ours.items() if k not in theirs} == {"Host": ours["Host"]}


def test_signature_matches_aws_test_suite_get_vanilla() -> None:
    """AWS's own SigV4 test suite, get-vanilla: independent of botocore."""
    at = datetime(2015, 8, 30, 12, 36, tzinfo=UTC)
    signed = Signer(KEY, "us-east-1", "service", at).sign(
        "GET", "https://example.amazonaws.com/", {}, b""
    )
    assert signed["Authorization"] == (
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
        "SignedHeaders=host;x-amz-date, "
        "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
    )


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        (
            "012345678901.dkr.ecr.eu-west-3.amazonaws.com",
            EcrRegistry(
                "012345678901.dkr.ecr.eu-west-3.amazonaws.com", "eu-west-3", False, "012345678901"
            ),
        ),
        (
            "876820548815.dkr.ecr.cn-north-1.amazonaws.com.cn",
            EcrRegistry(
                "876820548815.dkr.ecr.cn-north-1.amazonaws.com.cn",
                "cn-north-1",
                False,
                "876820548815",
            ),
        ),
        (
            "390948362332.dkr.ecr.cn-northwest-1.amazonaws.com.cn",
            EcrRegistry(
                "390948362332.dkr.ecr.cn-northwest-1.amazonaws.com.cn",
                "cn-northwest-1",
                False,
                "390948362332",
            ),
        ),
        (
            "123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com",
            EcrRegistry(
                "123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com",
                "us-gov-west-1",
                False,
                "123456789012",
                fips=True,
            ),
        ),
        (
            "012345678901.dkr-ecr.eu-north-1.on.aws",
            EcrRegistry(
                "012345678901.dkr-ecr.eu-north-1.on.aws", "eu-north-1", False, "012345678901"
            ),
        ),
        (
            "012345678901.dkr.ecr.eusc-de-east-1.amazonaws.eu",
            EcrRegistry(
                "012345678901.dkr.ecr.eusc-de-east-1.amazonaws.eu",
                "eusc-de-east-1",
                False,
                "012345678901",
            ),
        ),
        (
            "012345678901.DKR.ECR.AP-SOUTHEAST-2.AMAZONAWS.COM",
            EcrRegistry(
                "012345678901.dkr.ecr.ap-southeast-2.amazonaws.com",
                "ap-southeast-2",
                False,
                "012345678901",
            ),
        ),
        ("public.ecr.aws", EcrRegistry("public.ecr.aws", "us-east-1", True)),
        ("ecr-public.aws.com", EcrRegistry("ecr-public.aws.com", "us-east-1", True)),
        ("123.dkr.ecr.us-east-1.amazonaws.com", None),
        ("1234567890123.dkr.ecr.us-east-1.amazonaws.com", None),
        ("12345678901a.dkr.ecr.us-east-1.amazonaws.com", None),
        ("123456789012.dkr.ecr.us-east-1.amazonaws.com.evil.example", None),
        ("evil.example/123456789012.dkr.ecr.us-east-1.amazonaws.com", None),
        ("x123456789012.dkr.ecr.us-east-1.amazonaws.com", None),
        ("123456789012.dkr.ecr.us-east-1.amazonaws.com:443", None),
        ("123456789012.ecr.us-east-1.amazonaws.com", None),
        ("123456789012.dkr.ecr..amazonaws.com", None),
        ("123456789012.dkr.ecr.us-east-1.amazonaws.org", None),
        ("public.ecr.aws.evil.example", None),
        ("notpublic.ecr.aws", None),
        ("registry.gitlab.com", None),
        ("gcr.io", None),
        ("", None),
    ],
)
def test_ecr_registry(host: str, expected: EcrRegistry | None) -> None:
    assert ecr_registry(host) == expected


def test_credentials_from_env() -> None:
    env = {"AWS_ACCESS_KEY_ID": "AKIAX", "AWS_SECRET_ACCESS_KEY": "sk", "AWS_SESSION_TOKEN": "st"}
    assert aws.credentials_from_env(env) == AwsCredentials("AKIAX", "sk", "st")
    assert aws.credentials_from_env({**env, "AWS_SESSION_TOKEN": ""}) == AwsCredentials(
        "AKIAX", "sk"
    )
    assert aws.credentials_from_env({}) is None
    assert aws.credentials_from_env({"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""}) is None


@pytest.mark.parametrize("unset", ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"])
def test_half_a_key_pair_is_refused_by_name(unset: str) -> None:
    env = {"AWS_ACCESS_KEY_ID": "AKIAX", "AWS_SECRET_ACCESS_KEY": "the-secret", unset: ""}
    with pytest.raises(RegistryError) as caught:
        aws.credentials_from_env(env)
    assert unset in caught.value.message
    assert "the-secret" not in str(caught.value)
    assert "configure-aws-credentials" in caught.value.hint


def test_repr_hides_secrets() -> None:
    for shown in (repr(SESSION), repr(Signer(SESSION, "us-east-1", "ecr"))):
        assert "ASIAEXAMPLE7" in shown
        assert SESSION.secret_access_key not in shown
        assert SESSION.session_token not in shown


class Sent:
    """Stands in for requests.request: keeps each call, answers from a list."""

    def __init__(self, *answers: tuple[int, bytes]) -> None:
        self.calls: list[dict[str, Any]] = []
        self.answers = list(answers)

    def __call__(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        self.calls.append({"method": method, "url": url, **kwargs})
        response = requests.Response()
        response.status_code, response._content = self.answers.pop(0)
        return response


def ecr_answer(password: str) -> tuple[int, bytes]:
    token = base64.b64encode(f"AWS:{password}".encode()).decode()
    return 200, json.dumps({"authorizationData": [{"authorizationToken": token}]}).encode()


@pytest.mark.parametrize(
    ("host", "env", "url"),
    [
        (
            "012345678901.dkr.ecr.eu-west-3.amazonaws.com",
            {},
            "https://api.ecr.eu-west-3.amazonaws.com",
        ),
        (
            "012345678901.dkr.ecr.cn-north-1.amazonaws.com.cn",
            {},
            "https://api.ecr.cn-north-1.amazonaws.com.cn",
        ),
        (
            "012345678901.dkr.ecr-fips.us-east-2.amazonaws.com",
            {},
            "https://api.ecr-fips.us-east-2.amazonaws.com",
        ),
        (
            "012345678901.dkr.ecr.eusc-de-east-1.amazonaws.eu",
            {},
            "https://api.ecr.eusc-de-east-1.amazonaws.eu",
        ),
        ("public.ecr.aws", {}, "https://api.ecr-public.us-east-1.amazonaws.com"),
        (
            "public.ecr.aws",
            {"AWS_ENDPOINT_URL_ECR": "http://no", "AWS_ENDPOINT_URL": "http://all"},
            "http://all",
        ),
        (
            "public.ecr.aws",
            {"AWS_ENDPOINT_URL_ECR_PUBLIC": "http://pub", "AWS_ENDPOINT_URL": "x"},
            "http://pub",
        ),
        (
            "012345678901.dkr.ecr.eu-west-3.amazonaws.com",
            {"AWS_ENDPOINT_URL_ECR": "http://ecr", "AWS_ENDPOINT_URL": "http://all"},
            "http://ecr",
        ),
        (
            "012345678901.dkr.ecr.eu-west-3.amazonaws.com",
            {"AWS_ENDPOINT_URL": "http://all", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"},
            "https://api.ecr.eu-west-3.amazonaws.com",
        ),
    ],
)
def test_ecr_endpoints(
    host: str, env: dict[str, str], url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent = Sent(ecr_answer("pw"))
    monkeypatch.setattr("slipway.tools.aws.requests.request", sent)
    registry = ecr_registry(host)
    assert registry is not None
    assert aws.ecr_authorization(registry, KEY, env=env) == ("AWS", "pw")
    (call,) = sent.calls
    assert (call["method"], call["url"], call["timeout"]) == ("POST", url, aws.TIMEOUT)
    scope = f"/{registry.region}/{'ecr-public' if registry.public else 'ecr'}/aws4_request,"
    assert scope in call["headers"]["Authorization"]


@pytest.mark.parametrize(
    ("region", "url"),
    [
        ("eu-west-1", "https://sts.eu-west-1.amazonaws.com"),
        ("cn-northwest-1", "https://sts.cn-northwest-1.amazonaws.com.cn"),
    ],
)
def test_sts_endpoint_and_form(region: str, url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    xml = (
        b"<AssumeRoleWithWebIdentityResponse xmlns='https://sts.amazonaws.com/doc/2011-06-15/'>"
        b"<AssumeRoleWithWebIdentityResult><Credentials><AccessKeyId>ASIAQ</AccessKeyId>"
        b"<SecretAccessKey>sk</SecretAccessKey><SessionToken>st</SessionToken></Credentials>"
        b"</AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>"
    )
    sent = Sent((200, xml))
    monkeypatch.setattr("slipway.tools.aws.requests.request", sent)
    role = "arn:aws:iam::012345678901:role/push"
    got = aws.assume_role_with_web_identity(
        role, "a.b.c", region=region, env={}, duration_seconds=900
    )
    assert got == AwsCredentials("ASIAQ", "sk", "st")
    (call,) = sent.calls
    assert (call["method"], call["url"]) == ("POST", url)
    assert "headers" not in call  # unsigned: the web identity token is the proof
    assert call["data"] == {
        "Action": "AssumeRoleWithWebIdentity",
        "Version": "2011-06-15",
        "RoleArn": role,
        "RoleSessionName": "slipway",
        "WebIdentityToken": "a.b.c",
        "DurationSeconds": "900",
    }


def test_transient_failures_are_retried_a_bounded_number_of_times(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sleeps: list[float] = []
    registry = ecr_registry("public.ecr.aws")
    assert registry is not None
    sent = Sent((503, b"{}"), (500, b"{}"), ecr_answer("third-time"))
    monkeypatch.setattr("slipway.tools.aws.requests.request", sent)
    assert aws.ecr_authorization(registry, KEY, env={}, sleep=sleeps.append) == (
        "AWS",
        "third-time",
    )
    assert sleeps == list(aws.RETRY_DELAYS)
    sent = Sent((503, b"{}"), (503, b"{}"), (503, b'{"__type": "ServerException"}'))
    monkeypatch.setattr("slipway.tools.aws.requests.request", sent)
    with pytest.raises(RegistryError, match="ServerException") as caught:
        aws.ecr_authorization(registry, KEY, env={}, sleep=sleeps.append)
    assert caught.value.status == 503
    assert len(sent.calls) == 3
