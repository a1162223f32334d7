"""Dockerfile line attribution: image history (as BuildKit writes it) matched to instructions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from slipway.scan.attribution import instructions, layer_lines

HELLO = (Path(__file__).parents[3] / "examples" / "hello" / "Dockerfile").read_text()


def metadata(*created_by: str) -> dict[str, Any]:
    history: list[dict[str, Any]] = [{"created_by": c} for c in created_by]
    history.insert(1, {"created_by": "ENV LANG=C.UTF-8", "empty_layer": True})
    return {
        "DiffIDs": [f"sha256:{n}" for n in range(len(created_by))],
        "ImageConfig": {"history": history},
    }


def test_instructions_join_continuations_and_skip_comments() -> None:
    found = instructions("# c\nFROM a\nRUN x \\\n  # inside\n  && y\n\nCOPY . /\n")
    assert found == [(2, "FROM a"), (3, "RUN x && y"), (7, "COPY . /")]


def test_hello_base_layers_point_at_the_final_from() -> None:
    meta = metadata(
        "# debian.sh --arch 'amd64' out/ 'bookworm' '@1760918400'",  # the base image's own
        "RUN /bin/sh -c set -eux; apt-get update # buildkit",
        "COPY /opt/hello /opt/hello # buildkit",  # COPY --from=build, flags dropped
    )
    lines = layer_lines(meta, HELLO)
    final_from = next(n for n, t in instructions(HELLO) if t == "FROM ${PYTHON_IMAGE}")
    copy = next(n for n, t in instructions(HELLO) if t.startswith("COPY --from"))
    assert lines == {"sha256:0": final_from, "sha256:1": final_from, "sha256:2": copy}


def test_build_args_are_expanded_in_history() -> None:
    dockerfile = "FROM scratch\nARG TARGETARCH\nCOPY root-${TARGETARCH}/ /\nRUN make $TARGETARCH\n"
    meta = metadata(
        "COPY root-arm64/ / # buildkit", "RUN |1 TARGETARCH=arm64 /bin/sh -c make arm64 # buildkit"
    )
    assert layer_lines(meta, dockerfile) == {"sha256:0": 3, "sha256:1": 4}


def test_unknown_shapes_give_nothing() -> None:
    assert layer_lines({}, HELLO) == {}
    assert layer_lines(metadata("COPY a b # buildkit"), "no from here") == {}
    broken = metadata("COPY a b # buildkit")
    broken["DiffIDs"] = []
    assert layer_lines(broken, HELLO) == {}
