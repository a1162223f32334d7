"""Size analysis without a registry: units, attribution, streamed layers, deltas, gates, hints."""

from __future__ import annotations

import gzip
import io
import json
import tarfile
from pathlib import Path
from typing import Any

import pytest

from slipway.dockerfile import parse_dockerfile
from slipway.dockerfile.history import BASE, clean_created_by, layer_origins
from slipway.size.delta import compare, size_failures
from slipway.size.hints import size_hints
from slipway.size.layers import read_layer
from slipway.size.limits import SizeLimits, format_delta, format_size, parse_size
from slipway.size.model import Layer, LayerContents, PlatformSize
from slipway.size.report import baseline_reference, build_platform_size

DATA = Path(__file__).resolve().parent / "data"
EXAMPLES = Path(__file__).resolve().parents[3] / "tests" / "images" / "policy"
GZIP = "application/vnd.oci.image.layer.v1.tar+gzip"


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA / name).read_text())
    return data


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("123", 123),
        ("500MB", 500_000_000),
        ("1.5GiB", int(1.5 * 2**30)),
        ("800k", 800_000),
        ("2 mib", 2 * 2**20),
        ("10b", 10),
    ],
)
def test_parse_size(text: str, size: int) -> None:
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["", "MB", "10%", "1.2.3GB", "5i"])
def test_parse_size_refuses(text: str) -> None:
    with pytest.raises(ValueError, match="not a size"):
        parse_size(text)


def test_format() -> None:
    assert format_size(999) == "999 B"
    assert format_size(23_400_000) == "23.4 MB"
    assert format_delta(23_400_000) == "+23.4 MB"
    assert format_delta(-1_200) == "-1.2 kB"
    assert format_delta(0) == "±0 B"


@pytest.mark.parametrize(
    ("created_by", "clean"),
    [
        ("RUN /bin/sh -c pip install pip # buildkit", "RUN pip install pip"),
        ("RUN |2 A=1 B=2 /bin/sh -c make # buildkit", "RUN make"),
        ("/bin/sh -c #(nop) COPY file:abc in /x ", "COPY file:abc in /x"),
        ("/bin/sh -c apt-get update", "RUN apt-get update"),
        ("COPY Dockerfile /x # buildkit", "COPY Dockerfile /x"),
    ],
)
def test_clean_created_by(created_by: str, clean: str) -> None:
    assert clean_created_by(created_by) == clean


def caches_dockerfile() -> Any:
    return parse_dockerfile((EXAMPLES / "caches" / "Dockerfile").read_text(), "Dockerfile")


def test_layers_are_attributed_to_their_lines() -> None:
    config = load("caches-config.json")
    origins = layer_origins(config, 6, caches_dockerfile())
    assert [(o.line, o.stage) for o in origins] == [
        (0, BASE),
        (4, "stage 0"),
        (5, "stage 0"),
        (7, "stage 0"),
        (8, "stage 0"),
        (9, "stage 0"),
    ]


def test_unexplained_layers_count_as_base() -> None:
    origins = layer_origins({"history": []}, 2, None)
    assert [(o.line, o.stage) for o in origins] == [(0, BASE), (0, BASE)]


def layer_tarball(files: dict[str, int], *, compress: bool = True) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for path, size in files.items():
            info = tarfile.TarInfo(path)
            info.size = size
            archive.addfile(info, io.BytesIO(b"x" * size))
        archive.addfile(tarfile.TarInfo("var/lib/apt/lists/partial"), None)
    data = buffer.getvalue()
    return gzip.compress(data) if compress else data


FILES = {
    "var/lib/apt/lists/deb_Packages": 2_000_000,
    "usr/lib/gcc/x86_64-linux-gnu/12/cc1": 1_500_000,
    "usr/bin/app": 300_000,
    "root/.cache/pip/wheels/a.whl": 10_000,
}


def test_read_layer_streams_sizes_largest_files_and_caches() -> None:
    raw = layer_tarball(FILES, compress=False)
    contents = read_layer(io.BytesIO(gzip.compress(raw)), GZIP, top=2)
    assert contents is not None
    assert contents.uncompressed == len(raw)
    assert [(f.path, f.size) for f in contents.largest] == [
        ("var/lib/apt/lists/deb_Packages", 2_000_000),
        ("usr/lib/gcc/x86_64-linux-gnu/12/cc1", 1_500_000),
    ]
    assert contents.cache_bytes == (("var/lib/apt/lists", 2_000_000), ("root/.cache/pip", 10_000))
    assert contents.build_tool_bytes == 1_500_000
    plain = read_layer(io.BytesIO(raw), "application/vnd.oci.image.layer.v1.tar")
    assert plain is not None
    assert plain.uncompressed == len(raw)
    assert read_layer(io.BytesIO(raw), "application/octet-stream") is None


def platform(layers: list[Layer], base: str = "python:3.11-slim") -> PlatformSize:
    return PlatformSize("linux/amd64", "sha256:m", tuple(layers), base)


BASE_LAYER = Layer("sha256:base", GZIP, 30_000_000, "ADD rootfs.tar /", 0, BASE)
PIP = "RUN /bin/sh -c pip install -r requirements.txt # buildkit"


def test_delta_names_the_line_that_grew() -> None:
    before = platform([BASE_LAYER, Layer("sha256:a", GZIP, 5_000_000, PIP, 14, "stage 0")])
    after = platform(
        [
            BASE_LAYER,
            Layer("sha256:b", GZIP, 28_400_000, PIP, 15, "stage 0"),
            Layer("sha256:c", GZIP, 1_000, "COPY app /app # buildkit", 16, "stage 0"),
        ]
    )
    delta = compare(after, before)
    assert delta.compressed == 23_401_000
    assert [d.describe() for d in delta.layers] == [
        "+23.4 MB, RUN pip install -r requirements.txt line 15",
        "+1.0 kB, COPY app /app line 16",
    ]
    assert delta.uncompressed is None  # layers were not read
    shrunk = compare(before, after)
    assert [d.compressed for d in shrunk.layers] == [-23_400_000, -1_000]


def test_size_gates() -> None:
    before = platform([BASE_LAYER])
    after = platform([BASE_LAYER, Layer("sha256:x", GZIP, 6_000_000, PIP, 3, "stage 0")])
    sizes, deltas = {"linux/amd64": after}, {"linux/amd64": compare(after, before)}
    assert size_failures(sizes, deltas, SizeLimits()) == ()
    assert size_failures(sizes, deltas, SizeLimits(max_size=36_000_000)) == ()
    assert size_failures(sizes, deltas, SizeLimits(max_size=35_000_000)) == (
        "linux/amd64 is 36.0 MB compressed, over max-size 35.0 MB",
    )
    assert size_failures(sizes, deltas, SizeLimits(max_increase=5_000_000), "main") == (
        "linux/amd64 grew by +6.0 MB (+20.0%) against main, over max-size-increase 5.0 MB",
    )
    assert size_failures(sizes, deltas, SizeLimits(max_increase_percent=25.0)) == ()
    assert len(size_failures(sizes, deltas, SizeLimits(max_increase_percent=10.0))) == 1


def test_hints_with_numbers() -> None:
    contents = LayerContents(
        5_000_000, (), (("var/lib/apt/lists", 3_000_000),), build_tool_bytes=40_000_000
    )
    apt = "RUN /bin/sh -c apt-get update && apt-get install -y gcc # buildkit"
    big_base = Layer("sha256:base", GZIP, 300_000_000, "ADD rootfs.tar /", 0, BASE)
    size = platform(
        [big_base, Layer("sha256:x", GZIP, 20_000_000, apt, 4, "s", contents)], "python:3.11"
    )
    hints = size_hints([size])
    assert [(h.kind, h.line) for h in hints] == [
        ("slim-base", 0),
        ("multi-stage", 4),
        ("cache-cleanup", 4),
    ]
    assert "leaves 3.0 MB in /var/lib/apt/lists" in hints[2].message
    assert "300.0 MB of the 320.0 MB download (94%)" in hints[0].message
    slim = platform([big_base], "python:3.11-slim-bookworm")
    assert size_hints([slim]) == []


def test_build_platform_size_from_manifest_and_config() -> None:
    manifest, config = load("caches-manifest.json"), load("caches-config.json")
    digest = manifest["layers"][2]["digest"]
    contents = {digest: LayerContents(22_856_192)}
    size = build_platform_size(
        "linux/amd64", "sha256:m", manifest, config, caches_dockerfile(), contents=contents
    )
    assert size.compressed == sum(layer["size"] for layer in manifest["layers"])
    assert size.uncompressed is None  # not every layer was read
    assert size.base == "python:3.11-slim-bookworm"
    assert [layer.line for layer in size.layers] == [0, 4, 5, 7, 8, 9]
    assert size.layers[2].contents == LayerContents(22_856_192)
    assert size.layers[3].instruction == "RUN pip install pip"


@pytest.mark.parametrize(
    ("given", "event", "base_ref", "ref"),
    [
        ("v1.2.3", "pull_request", "main", "v1.2.3"),
        ("", "pull_request", "main", "main"),
        ("", "pull_request_target", "release/1.x", "release-1.x"),
        ("", "push", "", ""),
    ],
)
def test_baseline_reference(given: str, event: str, base_ref: str, ref: str) -> None:
    assert baseline_reference(given, event, base_ref) == ref


def test_removed_layer_has_no_line() -> None:
    before = platform([BASE_LAYER, Layer("sha256:a", GZIP, 5_000_000, PIP, 14, "stage 0")])
    delta = compare(platform([BASE_LAYER]), before)
    assert [d.describe() for d in delta.layers] == [
        "-5.0 MB, RUN pip install -r requirements.txt (removed)"
    ]
