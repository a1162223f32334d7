"""Image size from the registry: a baseline pushed first, then the change measured against it.

Layers are streamed from the registry (no ``docker pull``, nothing in the image store).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import subprocess
import tarfile
import uuid
from pathlib import Path

import pytest

from slipway.dockerfile import parse_dockerfile
from slipway.errors import RegistryError
from slipway.oci.manifest import Manifest
from slipway.size.delta import compare, size_failures
from slipway.size.hints import size_hints
from slipway.size.limits import SizeLimits
from slipway.stages.size import LayerCache, analyse_size, measure_baseline, measure_image
from slipway.tools.layer_store import LayerStore
from slipway.tools.oci_layout import Layout
from slipway.tools.registry import RegistryClient
from slipway.tools.registry_http import Connection
from tests.support.builders import oci_builder
from tests.support.devenv import DevEnv
from tests.support.regfront.backend import LocalRegistry

pytestmark = pytest.mark.integration

BASELINE = """\
FROM python:3.11-slim-bookworm
RUN head -c 1000000 /dev/urandom > /opt/small.bin
USER 10001
"""
# Line 3 grows by 5 MB of incompressible data; line 4 leaves apt's cache behind.
CHANGED = """\
FROM python:3.11-slim-bookworm
RUN head -c 1000000 /dev/urandom > /opt/small.bin
RUN head -c 5000000 /dev/urandom > /opt/model.bin
RUN mkdir -p /var/cache/apt && head -c 2000000 /dev/urandom > /var/cache/apt/pkgcache.bin
USER 10001
"""


def build_and_push(
    client: RegistryClient, repository: str, tag: str, dockerfile: str, work: Path
) -> str:
    """Build for linux/amd64 into an OCI layout and push it by digest, then the tag."""
    context = work / tag
    context.mkdir(parents=True)
    (context / "Dockerfile").write_text(dockerfile)
    out = work / f"{tag}-layout"
    argv = ["docker", "buildx", "build", "--builder", oci_builder(), "--platform", "linux/amd64"]
    argv += ["--provenance=mode=min"]
    argv += ["--output", f"type=oci,dest={out},tar=false", str(context)]
    completed = subprocess.run(argv, capture_output=True, text=True, timeout=600, check=False)
    assert completed.returncode == 0, completed.stderr[-3000:]
    layout = Layout(out)
    for upload in layout.uploads():
        digest = upload.descriptor.digest
        if upload.is_manifest:
            manifest = Manifest(digest, upload.descriptor.media_type, layout.read(digest))
            client.put_manifest(repository, digest, manifest)
        else:
            client.push_blob(repository, digest, layout.path(digest))
    top = layout.top()
    client.put_manifest(
        repository, tag, Manifest(top.digest, top.media_type, layout.read(top.digest))
    )
    return top.digest


@pytest.fixture(scope="module")
def pushed(devenv: DevEnv, tmp_path_factory: pytest.TempPathFactory) -> tuple[RegistryClient, str]:
    """A baseline (tag main) pushed first, then the change (tag pr-1)."""
    client = RegistryClient(Connection(devenv.registry, loopback=True))
    repository = f"slipway-test/size-{uuid.uuid4().hex[:10]}"
    work = tmp_path_factory.mktemp("size")
    build_and_push(client, repository, "main", BASELINE, work)
    build_and_push(client, repository, "pr-1", CHANGED, work)
    return client, repository


def test_size_delta_against_a_baseline_pushed_first(
    devenv: DevEnv, pushed: tuple[RegistryClient, str]
) -> None:
    client, repository = pushed
    dockerfile = parse_dockerfile(CHANGED, "Dockerfile")
    cache: LayerCache = {}

    current = measure_image(client, repository, "pr-1", dockerfile, cache=cache)
    baseline = measure_baseline(client, repository, "main", parse_dockerfile(BASELINE), cache=cache)
    assert sorted(current) == sorted(baseline) == ["linux/amd64"]
    size = current["linux/amd64"]
    assert [layer.line for layer in size.layers] == [0, 2, 3, 4]
    assert size.uncompressed is not None
    assert size.uncompressed > size.compressed
    model = size.layers[2]
    assert model.contents is not None
    assert (model.contents.largest[0].path, model.contents.largest[0].size) == (
        "opt/model.bin",
        5_000_000,
    )

    delta = compare(size, baseline["linux/amd64"])
    assert 7_000_000 < delta.compressed < 7_100_000
    assert delta.uncompressed is not None
    assert delta.uncompressed > 7_000_000
    grown = {d.line: d.describe() for d in delta.layers}
    assert sorted(grown) == [3, 4]
    assert grown[3].startswith("+5.0 MB, RUN head -c 5000000 /dev/urandom")
    assert grown[3].endswith("line 3")

    sizes, deltas = {"linux/amd64": size}, {"linux/amd64": delta}
    assert size_failures(sizes, deltas, SizeLimits(max_increase=10_000_000)) == ()
    failures = size_failures(sizes, deltas, SizeLimits(max_increase=1_000_000), "main")
    assert len(failures) == 1
    assert "against main" in failures[0]

    hints = size_hints(sizes.values())
    assert [(h.kind, h.line) for h in hints] == [("cache-cleanup", 4)]
    assert "leaves 2.0 MB in /var/cache/apt" in hints[0].message

    # Streamed, never pulled: the engine's image store does not know the image.
    inspect = subprocess.run(
        ["docker", "image", "inspect", f"{devenv.registry}/{repository}:pr-1"],
        capture_output=True,
        check=False,
    )
    assert inspect.returncode != 0


def test_size_stage_report(pushed: tuple[RegistryClient, str]) -> None:
    client, repository = pushed
    dockerfile = parse_dockerfile(CHANGED, "Dockerfile")
    limits = SizeLimits(max_increase_percent=1.0)
    report = analyse_size(
        client, repository, "pr-1", dockerfile, baseline_ref="main", limits=limits
    )
    assert sorted(report.deltas) == ["linux/amd64"]
    assert len(report.failures) == 1
    assert "max-size-increase 1%" in report.failures[0]
    assert [h.kind for h in report.hints] == ["cache-cleanup"]
    first = analyse_size(client, repository, "pr-1", dockerfile, baseline_ref="no-such-tag")
    assert first.deltas == {}
    assert first.failures == ()
    assert "does not exist" in first.notes[0]


def test_no_baseline_yet(devenv: DevEnv) -> None:
    client = RegistryClient(Connection(devenv.registry, loopback=True))
    missing = f"slipway-test/size-{uuid.uuid4().hex[:10]}"
    assert measure_baseline(client, missing, "main", None) == {}


def test_layer_contents_are_kept_between_runs(
    pushed: tuple[RegistryClient, str], tmp_path: Path
) -> None:
    client, repository = pushed
    dockerfile = parse_dockerfile(CHANGED, "Dockerfile")
    first = analyse_size(client, repository, "pr-1", dockerfile, cache=LayerStore(tmp_path))
    layers = first.sizes["linux/amd64"].layers
    assert sorted(p.stem for p in tmp_path.glob("*.json")) == sorted(
        layer.digest.removeprefix("sha256:") for layer in layers
    )
    # The next run answers from the store: an entry changed on disk is what it reports.
    model = layers[2]
    entry = tmp_path / f"{model.digest.removeprefix('sha256:')}.json"
    stored = json.loads(entry.read_text())
    stored["uncompressed"] = 424242
    entry.write_text(json.dumps(stored))
    again = analyse_size(client, repository, "pr-1", dockerfile, cache=LayerStore(tmp_path))
    contents = again.sizes["linux/amd64"].layers[2].contents
    assert contents is not None
    assert contents.uncompressed == 424242


def _layer(payload: bytes) -> bytes:
    tar = io.BytesIO()
    with tarfile.open(fileobj=tar, mode="w") as archive:
        info = tarfile.TarInfo("opt/data.bin")
        info.size = len(payload)
        archive.addfile(info, io.BytesIO(payload))
    return gzip.compress(tar.getvalue(), mtime=0)


def test_a_layer_whose_bytes_do_not_match_its_digest_is_refused(tmp_path: Path) -> None:
    layer = _layer(b"x" * 5000)
    config = json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {}}).encode()
    blobs = {f"sha256:{hashlib.sha256(b).hexdigest()}": b for b in (layer, config)}
    layer_digest, config_digest = list(blobs)
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": config_digest,
                "size": len(config),
            },
            "layers": [
                {
                    "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                    "digest": layer_digest,
                    "size": len(layer),
                }
            ],
        }
    ).encode()
    with LocalRegistry(tmp_path / "registry") as registry:
        client = RegistryClient(Connection(registry.address, loopback=True))
        for digest, data in blobs.items():
            (tmp_path / "blob").write_bytes(data)
            client.push_blob("damaged", digest, tmp_path / "blob")
        media_type = "application/vnd.oci.image.manifest.v1+json"
        client.put_manifest("damaged", "v1", Manifest("", media_type, manifest))
        store = LayerStore(tmp_path / "store")
        sizes = measure_image(client, "damaged", "v1", None, cache=store)
        assert sizes["linux/amd64"].uncompressed is not None
        # Storage damaged since: same length, other bytes.
        stored = next((tmp_path / "registry").rglob(f"{layer_digest[7:]}/data"))
        stored.write_bytes(_layer(b"y" * 5000))
        with pytest.raises(RegistryError, match="do not match that digest"):
            measure_image(client, "damaged", "v1", None, cache=LayerStore(tmp_path / "other"))
