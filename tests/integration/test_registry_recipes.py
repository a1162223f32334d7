"""README's registry-auth recipes (GAR, ACR, Docker Hub, GHCR), each against a local registry
with the bearer-token flow those registries use (tests/support/token_registry.py).

The recipes are read from README.md ("#### Recipes: each cloud's registry"): each
``registry-auth: |`` block of its YAML, the registry host swapped for the stand-in's and each
``${{ }}`` expression for a value the token service accepts. So a README recipe whose
username convention changes (``oauth2accesstoken`` for GAR) fails here. What a loopback
stand-in cannot show: the real hosts (Docker Hub's docker.io -> registry-1.docker.io alias),
TLS, and each cloud's own token service.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import re
import tarfile
import textwrap
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from slipway.errors import RegistryError
from slipway.inputs import Inputs, access_for, read_inputs
from slipway.oci.manifest import Manifest
from slipway.stages.registries import connection
from slipway.tools.registry import RegistryClient, RegistryClients
from tests.support.actionrun import run_action
from tests.support.devenv import ROOT
from tests.support.images import scratch_context
from tests.support.payloads import load_event
from tests.support.token_registry import TokenRegistry

pytestmark = pytest.mark.integration
SECTION = "#### Recipes: each cloud's registry"
REPOSITORY = "team/app"
PUSH_SCOPE = f"repository:{REPOSITORY}:pull,push"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
EXPRESSION = re.compile(r"\$\{\{\s*(.+?)\s*\}\}")
ACR_TOKEN_USER = "00000000-0000-0000-0000-000000000000"


def readme_section() -> str:
    """The recipes section of README.md, up to the next heading outside a code block."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert SECTION in text, f"README.md has no {SECTION!r}"
    lines, fenced = [], False
    for line in text.split(SECTION, 1)[1].splitlines():
        fenced ^= line.startswith("```")
        if line.startswith("#") and not fenced:
            break
        lines.append(line)
    return "\n".join(lines)


def readme_recipes() -> dict[str, str]:
    """Registry host -> the ``registry-auth`` value of each recipe, as README shows it."""
    block = re.search(r"^```yaml\n(.*?)^```", readme_section(), re.MULTILINE | re.DOTALL)
    assert block, "no ```yaml block in the recipes section"
    found: dict[str, str] = {}
    lines = block.group(1).splitlines()
    for number, line in enumerate(lines):
        start = re.match(r"^(\s*)registry-auth: \|\s*$", line)
        if not start:
            continue
        body = []
        for following in lines[number + 1 :]:
            if len(following) - len(following.lstrip()) <= len(start.group(1)):
                break
            body.append(following)
        value = textwrap.dedent("\n".join(body))
        entries = yaml.safe_load(EXPRESSION.sub("x", value))
        found[entries[0]["registry"]] = value
    return found


def hex_token(prefix: str) -> str:
    """A token-looking secret, new for each run."""
    return prefix + uuid.uuid4().hex + uuid.uuid4().hex[:8]


@dataclass(frozen=True)
class Recipe:
    """One README recipe and the login the token service accepts for it."""

    name: str
    host: str  # the recipe's registry, as README names it
    username: str
    password: str
    values: dict[str, str] = field(default_factory=dict)  # ${{ expression }} -> value

    def registry_auth(self, address: str, password: str = "") -> str:
        """README's entry for ``host``, at ``address``, every expression given its value."""
        text = readme_recipes()[self.host]
        line = f"registry: {self.host}\n"
        assert line in text, text
        values = {**self.values, **({self.password_expression(): password} if password else {})}
        missing = sorted(set(EXPRESSION.findall(text)) - set(values))
        assert not missing, f"README's {self.name} recipe uses expressions {missing}"
        text = EXPRESSION.sub(lambda match: values[match.group(1)], text)
        return text.replace(line, f"registry: {address}\n")

    def password_expression(self) -> str:
        """The expression README's entry gives as the password."""
        entry = yaml.safe_load(EXPRESSION.sub(r"<\1>", readme_recipes()[self.host]))[0]
        return str(entry["password"]).strip("<>")


GAR_TOKEN, ACR_TOKEN = hex_token("ya29.a0Af"), hex_token("eyJhbGciOiJSUzI1NiJ9.")
ACR_SP, ACR_SECRET = str(uuid.uuid4()), hex_token("Q8u8Q~")
HUB_PAT, GHCR_TOKEN = hex_token("dckr_pat_"), hex_token("ghs_")
ACR_HOST = "myregistry.azurecr.io"
RECIPES = [
    Recipe(
        "gar",
        "europe-docker.pkg.dev",
        "oauth2accesstoken",
        GAR_TOKEN,
        {"steps.auth.outputs.access_token": GAR_TOKEN},
    ),
    Recipe(
        "acr-service-principal",
        ACR_HOST,
        ACR_SP,
        ACR_SECRET,
        {"vars.ACR_CLIENT_ID": ACR_SP, "secrets.ACR_CLIENT_SECRET": ACR_SECRET},
    ),
    Recipe(
        "docker-hub",
        "docker.io",
        "octodev",
        HUB_PAT,
        {"vars.DOCKERHUB_USERNAME": "octodev", "secrets.DOCKERHUB_TOKEN": HUB_PAT},
    ),
    Recipe(
        "ghcr",
        "ghcr.io",
        "octocat",
        GHCR_TOKEN,
        {"github.actor": "octocat", "secrets.GITHUB_TOKEN": GHCR_TOKEN},
    ),
]
READ_ONLY = ("reader", hex_token("ro_"))


# ACR's other login, in the same entry: `az acr login --expose-token`'s token, with the
# all-zero username README's comment gives (test_readme_shows_the_four_recipes checks it)
ACR_TOKEN_RECIPE = Recipe(
    "acr-token",
    ACR_HOST,
    ACR_TOKEN_USER,
    ACR_TOKEN,
    {"vars.ACR_CLIENT_ID": ACR_TOKEN_USER, "secrets.ACR_CLIENT_SECRET": ACR_TOKEN},
)
ALL_RECIPES = [*RECIPES, ACR_TOKEN_RECIPE]


@pytest.fixture(scope="module")
def registry() -> Iterator[TokenRegistry]:
    accepted = {r.username: r.password for r in ALL_RECIPES} | {READ_ONLY[0]: READ_ONLY[1]}
    with TokenRegistry(accepted, read_only={READ_ONLY[0]}) as started:
        yield started


@pytest.fixture
def fresh(registry: TokenRegistry) -> TokenRegistry:
    """The module's registry with no token requests recorded yet."""
    registry.requests.clear()
    return registry


def inputs_for(address: str, registry_auth: str = "") -> Inputs:
    """The inputs of a push of ``address/team/app`` with ``registry-auth``."""
    env = {
        "INPUT_IMAGES": f"{address}/{REPOSITORY}",
        "INPUT_PUSH": "true",
        "INPUT_REGISTRY-TIMEOUT": "2",
    }
    if registry_auth:
        env["INPUT_REGISTRY-AUTH"] = registry_auth
    return read_inputs(env)


def client_for_recipe(
    address: str, registry_auth: str = "", clients: RegistryClients | None = None
) -> RegistryClient:
    """The run's client for the image of ``inputs_for(address, registry_auth)``, from
    ``clients`` (the run's: `Run.registry_clients`), else from a run of its own."""
    inputs = inputs_for(address, registry_auth)
    return (clients or RegistryClients()).client(connection(access_for(inputs), inputs.images[0]))


def push_image(registry: RegistryClient, folder: Path) -> Manifest:
    """One layer (a tar.gz with one new file) and its config as blobs; the manifest, unsent."""
    folder.mkdir(parents=True, exist_ok=True)
    content = uuid.uuid4().bytes
    tar = io.BytesIO()
    with tarfile.open(fileobj=tar, mode="w") as archive:
        member = tarfile.TarInfo("file")
        member.size = len(content)
        archive.addfile(member, io.BytesIO(content))
    layer = gzip.compress(tar.getvalue(), mtime=0)
    config = json.dumps(
        {
            "architecture": "amd64",
            "os": "linux",
            "rootfs": {"type": "layers", "diff_ids": [sha256(tar.getvalue())]},
        }
    ).encode()
    descriptors = []
    for name, blob, media_type in (
        ("config", config, "application/vnd.oci.image.config.v1+json"),
        ("layer", layer, "application/vnd.oci.image.layer.v1.tar+gzip"),
    ):
        path = folder / name
        path.write_bytes(blob)
        assert registry.push_blob(REPOSITORY, sha256(blob), path)  # new: really sent
        descriptors.append({"mediaType": media_type, "digest": sha256(blob), "size": len(blob)})
    body = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": descriptors[0],
            "layers": descriptors[1:],
        }
    ).encode()
    return Manifest(sha256(body), OCI_MANIFEST, body)


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def served_digest(registry: TokenRegistry, reference: str) -> str:
    """The digest the registry serves for ``team/app:reference`` (a pull token of its own)."""
    served = registry.get(
        f"/v2/{REPOSITORY}/manifests/{reference}", REPOSITORY, headers={"Accept": OCI_MANIFEST}
    )
    assert served.status_code == 200, served.text
    return served.headers["Docker-Content-Digest"]


def test_readme_shows_the_four_recipes() -> None:
    assert sorted(readme_recipes()) == sorted(r.host for r in RECIPES)
    assert "username: oauth2accesstoken" in readme_recipes()["europe-docker.pkg.dev"]
    assert f"username {ACR_TOKEN_USER}" in readme_section()  # ACR's token login


@pytest.mark.parametrize("recipe", ALL_RECIPES, ids=lambda r: r.name)
def test_a_recipe_logs_in_and_pushes_through_the_token_flow(
    recipe: Recipe, fresh: TokenRegistry, tmp_path: Path
) -> None:
    registry = client_for_recipe(fresh.address, recipe.registry_auth(fresh.address))
    registry.check_login()
    registry.check_push(REPOSITORY)
    manifest = push_image(registry, tmp_path)
    registry.put_manifest(REPOSITORY, recipe.name, manifest)
    assert served_digest(fresh, recipe.name) == manifest.digest
    assert {(r.username, r.status) for r in fresh.requests} == {(recipe.username, 200)}
    assert PUSH_SCOPE in {scope for r in fresh.requests for scope in r.scopes}


@pytest.mark.parametrize("recipe", ALL_RECIPES, ids=lambda r: r.name)
def test_a_wrong_password_is_refused_without_showing_it(
    recipe: Recipe, fresh: TokenRegistry
) -> None:
    wrong = hex_token("wrong_")
    registry = client_for_recipe(fresh.address, recipe.registry_auth(fresh.address, wrong))
    for check in (registry.check_login, lambda: registry.check_push(REPOSITORY)):
        with pytest.raises(RegistryError) as raised:
            check()
        said = f"{raised.value.message}\n{raised.value.hint}\n{raised.value!r}"
        assert "refused the credentials" in said
        assert wrong not in said
        assert recipe.password not in said
    assert {(r.username, r.status) for r in fresh.requests} == {(recipe.username, 401)}


def test_without_a_login_the_push_needs_credentials(fresh: TokenRegistry) -> None:
    registry = client_for_recipe(fresh.address)
    registry.check_login()  # an anonymous token opens /v2/, as on Docker Hub and GHCR
    with pytest.raises(RegistryError, match="needs credentials"):
        registry.check_push(REPOSITORY)
    assert {(r.username, r.status) for r in fresh.requests} == {("", 200)}


def test_a_login_without_push_rights_is_refused_the_push(fresh: TokenRegistry) -> None:
    user, password = READ_ONLY
    entry = f"- registry: {fresh.address}\n  username: {user}\n  password: {password}\n"
    registry = client_for_recipe(fresh.address, entry)
    registry.check_login()
    with pytest.raises(RegistryError) as raised:
        registry.check_push(REPOSITORY)
    # distribution answers 401 with error="insufficient_scope" in its challenge, as ACR does:
    # valid credentials without push rights, said as such (a 403), not "check the password"
    assert raised.value.status == 403
    assert "lack push/pull rights" in raised.value.hint
    assert f"push to {fresh.address}/{REPOSITORY} (preflight)" in raised.value.message
    assert password not in f"{raised.value.message}\n{raised.value.hint}"
    assert [r.scopes for r in fresh.requests if r.scopes] == [(PUSH_SCOPE,)]


def test_an_expired_token_is_renewed(tmp_path: Path) -> None:
    """One token per scope for a whole run, held by the run's one client of the registry,
    and asked for once more when the registry stops honouring it (as when it expires)."""
    user, password = "octocat", GHCR_TOKEN
    entry = f"- registry: {{address}}\n  username: {user}\n  password: {password}\n"
    with TokenRegistry({user: password}) as standin:
        clients = RegistryClients()  # the run's
        registry = client_for_recipe(
            standin.address, entry.format(address=standin.address), clients
        )
        registry.check_push(REPOSITORY)
        manifest = push_image(registry, tmp_path)  # per blob: HEAD, POST and PUT
        assert push_tokens(standin) == 1  # held for every request since
        standin.revoke_tokens()  # the token held for PUSH_SCOPE is no longer honoured
        again = client_for_recipe(standin.address, entry.format(address=standin.address), clients)
        assert again is registry  # a later stage of the run: the same client, its token
        again.put_manifest(REPOSITORY, "renewed", manifest)
        assert push_tokens(standin) == 2  # refused once, renewed once
        again.put_manifest(REPOSITORY, "renewed-again", manifest)
        assert push_tokens(standin) == 2
        assert served_digest(standin, "renewed") == manifest.digest


def push_tokens(standin: TokenRegistry) -> int:
    """Tokens the service issued for PUSH_SCOPE."""
    return sum(1 for r in standin.requests if r.status == 200 and PUSH_SCOPE in r.scopes)


def test_a_whole_run_pushes_with_the_gar_recipe(tmp_path: Path) -> None:
    gar = RECIPES[0]
    with TokenRegistry({gar.username: gar.password}) as standin:
        given = {
            "IMAGES": f"{standin.address}/{REPOSITORY}",
            "CONTEXT": str(scratch_context(tmp_path / "ctx", ("linux/amd64",))),
            "PUSH": "true",
            "SCAN": "false",
            "PROVENANCE": "false",
            "REGISTRY-AUTH": gar.registry_auth(standin.address),
        }
        result = run_action(tmp_path / "run", "push", load_event("push", index=4), given)
        assert result.returncode == 0, result.log + standin.registry_log()[-3000:]
        assert served_digest(standin, "master") == result.outputs["digest"]
        assert {(r.username, r.status) for r in standin.requests} == {(gar.username, 200)}
        assert PUSH_SCOPE in {scope for r in standin.requests for scope in r.scopes}
    assert f"::add-mask::{gar.password}" in result.log
    log = "\n".join(x for x in result.log.splitlines() if not x.startswith("::add-mask::"))
    for text in (log, result.summary, *result.outputs.values()):
        assert gar.password not in text
    assert "Traceback" not in result.log
