"""Amazon ECR logins (slipway.tools.aws) against moto's real server, boto3 being the oracle of
what each answer means: static keys, moto checking our signatures, keyless login through a
stand-in of GitHub's OIDC token service and moto's STS, and the refusals, none of which may
show a secret. moto has no ECR Public (moto 5.x implements no ecr-public API at all), so that
login runs against a canned endpoint, next to the request boto3's own ecr-public client sends.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import boto3
import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from slipway.errors import RegistryError
from slipway.oci.ecr import EcrRegistry, ecr_registry
from slipway.tools.aws import (
    AwsCredentials,
    assume_role_with_web_identity,
    ecr_authorization,
    ecr_login,
    github_oidc_token,
)
from tests.support.moto_server import moto_server
from tests.support.oidc_standin import CannedAws, OidcStandin, Recorded

pytestmark = [pytest.mark.integration, pytest.mark.no_engine]

ACCOUNT = "210987654321"
REGION = "eu-west-3"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/slipway-push"
STATIC = AwsCredentials("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
SESSION = AwsCredentials("ASIAIOSFODNN7EXAMPLE", "temporary/Secret+Key", "FwoGZXIvYXdzEB-session")
CLOSED = "http://127.0.0.1:9"  # discard: nothing listens


def registry(host: str = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com") -> EcrRegistry:
    found = ecr_registry(host)
    assert found is not None
    return found


def client(service: str, endpoint: str, credentials: AwsCredentials, region: str = REGION) -> Any:
    return boto3.client(
        service,
        region_name=region,
        endpoint_url=endpoint,
        aws_access_key_id=credentials.access_key_id,
        aws_secret_access_key=credentials.secret_access_key,
        aws_session_token=credentials.session_token or None,
    )


def boto3_login(ecr: Any, **kwargs: Any) -> tuple[str, str]:
    """Docker's credentials from boto3's GetAuthorizationToken, decoded as the AWS CLI does."""
    data = ecr.get_authorization_token(**kwargs)["authorizationData"]
    token = (data[0] if isinstance(data, list) else data)["authorizationToken"]
    username, _, password = base64.b64decode(token).decode().partition(":")
    return username, password


@pytest.fixture(scope="module")
def moto() -> Iterator[str]:
    with moto_server() as url:
        yield url


def test_static_keys_log_in_as_boto3_does(moto: str) -> None:
    env = {"AWS_ENDPOINT_URL": moto}
    ours = ecr_authorization(registry(), STATIC, env=env)
    assert ours == boto3_login(client("ecr", moto, STATIC), registryIds=[ACCOUNT])
    assert ours[0] == "AWS"
    assert ours[1]
    keys = {"AWS_ACCESS_KEY_ID": STATIC.access_key_id, "AWS_SECRET_ACCESS_KEY": "x"}
    assert ecr_login(registry(), env={**env, **keys}) == ours


def test_the_service_endpoint_variable_wins(moto: str) -> None:
    env = {"AWS_ENDPOINT_URL": CLOSED, "AWS_ENDPOINT_URL_ECR": moto}
    assert ecr_authorization(registry(), SESSION, env=env)[0] == "AWS"


@pytest.fixture(scope="module")
def iam_keys(moto: str) -> dict[str, AwsCredentials]:
    """Two IAM users' keys: one allowed ecr:GetAuthorizationToken, one allowed nothing."""
    iam = client("iam", moto, STATIC, "us-east-1")
    keys = {}
    for name, actions in (("pusher", ["ecr:GetAuthorizationToken"]), ("nobody", [])):
        user = f"{name}-{uuid.uuid4().hex[:8]}"
        iam.create_user(UserName=user)
        if actions:
            statement = {"Effect": "Allow", "Action": actions, "Resource": "*"}
            policy = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
            iam.put_user_policy(UserName=user, PolicyName="ecr-login", PolicyDocument=policy)
        key = iam.create_access_key(UserName=user)["AccessKey"]
        keys[name] = AwsCredentials(key["AccessKeyId"], key["SecretAccessKey"])
    return keys


@pytest.fixture
def enforced(moto: str) -> Iterator[None]:
    """moto checks every request's signature and IAM permissions while the test runs."""
    requests.post(f"{moto}/moto-api/reset-auth", data=b"0", timeout=10).raise_for_status()
    try:
        yield
    finally:
        requests.post(f"{moto}/moto-api/reset-auth", data=b"inf", timeout=10).raise_for_status()


@pytest.mark.usefixtures("enforced")
def test_moto_accepts_our_signature(moto: str, iam_keys: dict[str, AwsCredentials]) -> None:
    pusher = iam_keys["pusher"]
    ours = ecr_authorization(registry(), pusher, env={"AWS_ENDPOINT_URL": moto})
    assert ours == boto3_login(client("ecr", moto, pusher), registryIds=[ACCOUNT])


@pytest.mark.usefixtures("enforced")
@pytest.mark.parametrize(
    ("who", "code", "hint"),
    [
        ("wrong-secret", "SignatureDoesNotMatch", "configure-aws-credentials"),
        ("unknown-key", "InvalidClientTokenId", "configure-aws-credentials"),
        ("nobody", "AccessDenied", "ecr:GetAuthorizationToken"),
    ],
)
def test_moto_refusals_name_the_aws_code(
    who: str, code: str, hint: str, moto: str, iam_keys: dict[str, AwsCredentials]
) -> None:
    credentials = {
        "wrong-secret": AwsCredentials(iam_keys["pusher"].access_key_id, "not/the+secret"),
        "unknown-key": AwsCredentials("AKIAUNKNOWNUNKNOWN00", "unknown/secret"),
    }.get(who) or iam_keys[who]
    # boto3 refuses too, but moto words these refusals in its IAM errors' XML even for a JSON
    # service like ECR (real ECR answers JSON): botocore reads only "403" from them.
    with pytest.raises(ClientError) as oracle:
        client("ecr", moto, credentials).get_authorization_token(registryIds=[ACCOUNT])
    with pytest.raises(RegistryError) as caught:
        ecr_authorization(registry(), credentials, env={"AWS_ENDPOINT_URL": moto})
    error = caught.value
    assert f"{registry().host}: {code}: " in error.message
    assert error.status == oracle.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert hint in error.hint
    assert credentials.secret_access_key not in f"{error} {error.hint}"


def lowered(request: Recorded) -> dict[str, str]:
    return {name.lower(): value for name, value in request.headers.items()}


def test_ecr_public_request_is_boto3s() -> None:
    token = base64.b64encode(b"AWS:public-password").decode()
    answer = {"authorizationData": {"authorizationToken": token, "expiresAt": 1.8e9}}
    with CannedAws(body=json.dumps(answer).encode()) as canned:
        public = registry("public.ecr.aws")
        ours = ecr_authorization(public, SESSION, env={"AWS_ENDPOINT_URL_ECR_PUBLIC": canned.url})
        theirs = boto3_login(client("ecr-public", canned.url, SESSION, "us-east-1"))
    assert ours == theirs == ("AWS", "public-password")
    mine, boto = canned.requests
    assert (mine.method, mine.path) == (boto.method, boto.path) == ("POST", "/")
    for name in ("content-type", "x-amz-target", "x-amz-security-token"):
        assert lowered(mine)[name] == lowered(boto)[name], name
    assert json.loads(mine.body) == json.loads(boto.body) == {}
    scope = "/us-east-1/ecr-public/aws4_request, SignedHeaders="
    assert scope in lowered(mine)["authorization"]
    assert scope in lowered(boto)["authorization"]
    assert botocore_authorization(mine, canned.url, SESSION) == lowered(mine)["authorization"]


def botocore_authorization(sent: Recorded, url: str, credentials: AwsCredentials) -> str:
    """The Authorization botocore computes for the request as it arrived."""
    headers = lowered(sent)
    signed = headers["authorization"].partition("SignedHeaders=")[2].partition(",")[0].split(";")
    kept = {n: headers[n] for n in signed if n not in ("x-amz-date", "x-amz-security-token")}
    request = AWSRequest(method=sent.method, url=url + sent.path, data=sent.body, headers=kept)
    at = datetime.strptime(headers["x-amz-date"], "%Y%m%dT%H%M%SZ")
    oracle = Credentials(
        credentials.access_key_id, credentials.secret_access_key, credentials.session_token
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("botocore.auth.get_current_datetime", lambda: at)
        SigV4Auth(oracle, "ecr-public", "us-east-1").add_auth(request)
    return str(request.headers["Authorization"])


def test_keyless_login_through_github_oidc_and_sts(moto: str) -> None:
    with OidcStandin() as github:
        env = {**github.env, "AWS_ENDPOINT_URL": moto}
        jwt = github_oidc_token(env)
        (asked,) = github.requests
        assert "api-version=2.0&audience=sts.amazonaws.com" in asked.path
        ours = assume_role_with_web_identity(ROLE, jwt, region=REGION, env=env)
        sts = client("sts", moto, STATIC)
        theirs = sts.assume_role_with_web_identity(
            RoleArn=ROLE, RoleSessionName="slipway", WebIdentityToken=jwt
        )["Credentials"]
        assert ours.access_key_id.startswith("ASIA")
        assert theirs["AccessKeyId"].startswith("ASIA")
        shape = (len(ours.access_key_id), len(ours.secret_access_key), len(ours.session_token))
        keys = ("AccessKeyId", "SecretAccessKey", "SessionToken")
        assert shape == tuple(len(theirs[key]) for key in keys)
        assert ours.session_token
        login = ecr_authorization(registry(), ours, env=env)
        assert login == boto3_login(client("ecr", moto, ours), registryIds=[ACCOUNT])
        assert ecr_login(registry(), env=env, role_to_assume=ROLE) == login
    assert len(github.requests) == 2


def test_a_wrong_request_token_is_refused_without_showing_it() -> None:
    with OidcStandin(request_token="the-right-one") as github:
        env = {**github.env, "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "wrong-request-token-5f3a9"}
        with pytest.raises(RegistryError) as caught:
            github_oidc_token(env)
    error = caught.value
    assert error.status == 401
    assert "wrong-request-token-5f3a9" not in f"{error} {error.hint}"
    assert "id-token: write" in error.hint


@pytest.mark.parametrize(
    "unset", ["ACTIONS_ID_TOKEN_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_TOKEN"]
)
def test_no_oidc_variables_ask_for_id_token_write(unset: str) -> None:
    with OidcStandin() as github:
        env = {**github.env, unset: ""}
        with pytest.raises(RegistryError, match=f"{unset} is unset.*`id-token: write`") as caught:
            ecr_login(registry(), env=env, role_to_assume=ROLE)
        assert github.requests == []
    assert "id-token: write" in caught.value.hint


def test_no_credentials_at_all_say_how_to_get_some() -> None:
    with pytest.raises(RegistryError, match="no AWS credentials") as caught:
        ecr_login(registry(), env={"AWS_ENDPOINT_URL": CLOSED})
    assert "aws-actions/configure-aws-credentials" in caught.value.hint
    assert "aws-role-to-assume" in caught.value.hint


def sts_error(code: str, message: str) -> bytes:
    return (
        '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error>'
        f"<Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error>"
        "<RequestId>4f0b6d7e-0000-4000-8000-000000000000</RequestId></ErrorResponse>"
    ).encode()


@pytest.mark.parametrize(
    ("code", "message", "hint"),
    [
        (
            "AccessDenied",
            "Not authorized to perform sts:AssumeRoleWithWebIdentity",
            "token.actions.githubusercontent.com",
        ),
        (
            "InvalidIdentityToken",
            "Token {jwt} audience is not allowed",
            "token.actions.githubusercontent.com",
        ),
        (
            "ValidationError",
            "1 validation error detected: Value at 'roleArn'",
            "aws-role-to-assume",
        ),
    ],
)
def test_sts_refusals_name_the_aws_code(code: str, message: str, hint: str) -> None:
    jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvOm8vciJ9.c2lnbmF0dXJl"
    body = sts_error(code, message.format(jwt=jwt))
    with CannedAws(status=403, body=body, content_type="text/xml") as canned:
        with pytest.raises(ClientError) as oracle:
            client("sts", canned.url, STATIC).assume_role_with_web_identity(
                RoleArn=ROLE, RoleSessionName="slipway", WebIdentityToken=jwt
            )
        with pytest.raises(RegistryError) as caught:
            assume_role_with_web_identity(
                ROLE, jwt, region=REGION, env={"AWS_ENDPOINT_URL": canned.url}
            )
    error = caught.value
    assert oracle.value.response["Error"]["Code"] == code
    assert f"{ROLE}: {code}: " in error.message
    assert (error.status, hint in error.hint) == (403, True)
    assert jwt not in f"{error} {error.hint}"


def test_ecr_json_refusal_names_the_aws_code() -> None:
    code, message = (
        "UnrecognizedClientException",
        "The security token included in the request is invalid.",
    )
    body = json.dumps({"__type": code, "message": message}).encode()
    with CannedAws(status=400, body=body) as canned:
        env = {"AWS_ENDPOINT_URL": canned.url}
        with pytest.raises(ClientError) as oracle:
            client("ecr", canned.url, SESSION).get_authorization_token()
        with pytest.raises(RegistryError) as caught:
            ecr_authorization(registry(), SESSION, env=env)
    error = caught.value
    assert oracle.value.response["Error"]["Code"] == code
    assert error.message.endswith(f"{registry().host}: {code}: {message}")
    assert "configure-aws-credentials" in error.hint
    for secret in (SESSION.secret_access_key, SESSION.session_token):
        assert secret not in f"{error} {error.hint}"
