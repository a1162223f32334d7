"""OCI layout push order and index parsing (pure parts of the registry adapter), and the
run's one registry client per registry and login."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import replace
from pathlib import Path
from typing import Any

from slipway.inputs import Credential, access_for, read_inputs
from slipway.oci.manifest import OCI_INDEX, OCI_MANIFEST, platform_manifests
from slipway.stages.registries import connection
from slipway.tools.oci_layout import Descriptor, Layout
from slipway.tools.registry import RegistryClients
from slipway.tools.registry_http import parse_challenge


def put(root: Path, data: bytes) -> dict[str, Any]:
    digest = hashlib.sha256(data).hexdigest()
    (root / "blobs" / "sha256").mkdir(parents=True, exist_ok=True)
    (root / "blobs" / "sha256" / digest).write_bytes(data)
    return {"digest": f"sha256:{digest}", "size": len(data)}


def manifest(root: Path, layers: list[bytes]) -> dict[str, Any]:
    config = {"mediaType": "application/vnd.oci.image.config.v1+json", **put(root, b"{}")}
    layer_descriptors = [
        {"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", **put(root, x)} for x in layers
    ]
    body = json.dumps({"schemaVersion": 2, "config": config, "layers": layer_descriptors}).encode()
    return {"mediaType": OCI_MANIFEST, **put(root, body)}


def make_layout(root: Path) -> dict[str, Any]:
    amd = {
        **manifest(root, [b"base", b"amd"]),
        "platform": {"os": "linux", "architecture": "amd64"},
    }
    arm = {
        **manifest(root, [b"base", b"arm"]),
        "platform": {"os": "linux", "architecture": "arm64"},
    }
    att = {
        **manifest(root, [b"provenance"]),
        "platform": {"os": "unknown", "architecture": "unknown"},
        "annotations": {"vnd.docker.reference.type": "attestation-manifest"},
    }
    index = {
        "mediaType": OCI_INDEX,
        **put(root, json.dumps({"manifests": [amd, arm, att]}).encode()),
    }
    (root / "index.json").write_text(json.dumps({"schemaVersion": 2, "manifests": [index]}))
    return index


def test_uploads_children_first_each_blob_once(tmp_path: Path) -> None:
    index = make_layout(tmp_path)
    uploads = Layout(tmp_path).uploads()
    digests = [u.descriptor.digest for u in uploads]
    assert len(digests) == len(set(digests))
    assert digests[-1] == index["digest"]
    for position, upload in enumerate(uploads):
        if upload.is_manifest:
            children = Layout(tmp_path).read_json(upload.descriptor.digest)
            child_digests = [
                c["digest"]
                for c in [
                    children.get("config", {}),
                    *children.get("layers", []),
                    *children.get("manifests", []),
                ]
                if c
            ]
            assert all(digests.index(c) < position for c in child_digests)
    assert sum(u.is_manifest for u in uploads) == 4


def test_platform_manifests_skip_attestations(tmp_path: Path) -> None:
    index = make_layout(tmp_path)
    found = platform_manifests(Layout(tmp_path).read_json(index["digest"]))
    assert [m.platform for m in found] == ["linux/amd64", "linux/arm64"]


def test_parse_challenge() -> None:
    scheme, params = parse_challenge(
        'Bearer realm="https://auth.test/token",service="registry.test",scope="x"'
    )
    assert scheme == "bearer"
    assert params == {"realm": "https://auth.test/token", "service": "registry.test", "scope": "x"}
    assert parse_challenge('Basic realm="r"') == ("basic", {"realm": "r"})


def test_prune_keeps_what_the_build_uses_and_recent_blobs(tmp_path: Path) -> None:
    index = make_layout(tmp_path)
    layout = Layout(tmp_path)
    stale = put(tmp_path, b"an old build's layer")
    fresh = put(tmp_path, b"another run's layer, just written")
    now = 10_000_000.0
    for blob in (tmp_path / "blobs" / "sha256").iterdir():
        os.utime(blob, (now - 30 * 86400, now - 30 * 86400))
    os.utime(layout.path(fresh["digest"]), (now - 60, now - 60))
    top = Descriptor(OCI_INDEX, index["digest"], index["size"])
    assert layout.prune(top, older_than=7 * 86400, now=now) == 1
    assert not layout.path(stale["digest"]).exists()
    assert layout.path(fresh["digest"]).exists()
    assert all(layout.path(u.descriptor.digest).exists() for u in layout.uploads(top))


def test_state_is_kept_where_it_outlives_the_container() -> None:
    from slipway.runner.paths import layout_dir, state_dir, trivy_cache_dir

    assert layout_dir({"HOME": "/home/runner"}) == Path("/home/runner/.cache/slipway/oci-layout")
    assert layout_dir({"XDG_CACHE_HOME": "/c", "HOME": "/h"}) == Path("/c/slipway/oci-layout")
    assert layout_dir({"SLIPWAY_LAYOUT_DIR": "/x"}) == Path("/x")
    # In the action's container HOME is emptied every job; runner temp outlives the step
    # (the runner empties it when the job ends: the cache service carries state across jobs).
    actions = {
        "GITHUB_ACTIONS": "true",
        "RUNNER_TEMP": "/github/runner_temp",
        "HOME": "/github/home",
    }
    assert state_dir(actions) == Path("/github/runner_temp/slipway")
    assert layout_dir(actions) == Path("/github/runner_temp/slipway/oci-layout")
    assert trivy_cache_dir(actions) == Path("/github/runner_temp/slipway/trivy")
    assert state_dir({**actions, "SLIPWAY_STATE_DIR": "/s"}) == Path("/s")


def test_private_docker_config_shares_builders_not_credentials(tmp_path: Path) -> None:
    from slipway.tools.docker import private_docker_config

    user = tmp_path / "home" / ".docker"
    (user / "buildx" / "instances").mkdir(parents=True)
    (user / "config.json").write_text('{"auths": {"x": {"auth": "secret"}}}')
    private = private_docker_config({"HOME": str(tmp_path / "home")}, tmp_path / "private")
    assert (private / "buildx" / "instances").is_dir()
    assert (private / "contexts").resolve() == (user / "contexts").resolve()
    assert not (private / "config.json").exists()  # the user's credentials stay out


def test_a_run_has_one_client_per_registry_and_login() -> None:
    inputs = read_inputs(
        {
            "INPUT_IMAGES": "ghcr.io/o/a\nghcr.io/o/b\nquay.io/o/c",
            "INPUT_REGISTRY-AUTH": "- registry: ghcr.io\n  username: u\n  password: p\n",
        }
    )
    clients = RegistryClients()
    access = access_for(inputs)
    a, b, c = (clients.client(connection(access, image)) for image in inputs.images)
    assert a is b  # every stage's requests to ghcr.io: one session, token cache and budget
    assert a is not c
    assert clients.client(connection(access, inputs.images[0])) is a
    other = replace(access, credentials=(Credential("ghcr.io", "u", "another"),))
    assert clients.client(connection(other, inputs.images[0])) is not a  # another login
    assert RegistryClients().client(connection(access, inputs.images[0])) is not a  # another run
