"""The one history -> Dockerfile-line attribution, on history BuildKit really wrote.

HISTORY is the config history of DOCKERFILE built by Docker 28.5's BuildKit (v0.25)
on the local python stand-in (its own entries first). The scan's annotations, the
size table and SW017 all read their lines from `slipway.dockerfile.history`; the
bugs this replaces put a heredoc RUN's packages on the FROM line (scan) and an
ARG-expanded RUN's secret on no line (policy).
"""

from __future__ import annotations

from typing import Any

from slipway.dockerfile import for_target, parse_dockerfile
from slipway.dockerfile.history import BASE, attribute, keyword_of, layer_lines, layer_origins
from slipway.stages.scan import attributed

DOCKERFILE = """\
FROM 127.0.0.1:5000/library/python:3.11-slim-bookworm
ARG VERSION=1.2
RUN <<EOF
echo one > /one
echo two > /two
EOF
RUN echo "v${VERSION}" > /v
COPY --chown=1:1 Dockerfile /df
WORKDIR /app
ENV A=b
"""
HISTORY: list[dict[str, Any]] = [
    {"created_by": "ARG TARGETARCH=amd64", "empty_layer": True},
    {"created_by": "ADD bookworm-amd64.tar / # buildkit"},
    {"created_by": "ENV LANG=C.UTF-8", "empty_layer": True},
    {"created_by": 'CMD ["python3"]', "empty_layer": True},
    {"created_by": "ARG VERSION=1.2", "empty_layer": True},
    {"created_by": "RUN |1 VERSION=1.2 /bin/sh -c echo one > /one\necho two > /two\n # buildkit"},
    {"created_by": 'RUN |1 VERSION=1.2 /bin/sh -c echo "v${VERSION}" > /v # buildkit'},
    {"created_by": "COPY --chown=1:1 Dockerfile /df # buildkit"},
    {"created_by": "WORKDIR /app"},
    {"created_by": "ENV A=b", "empty_layer": True},
]
DIFF_IDS = [f"sha256:{n}" for n in range(5)]  # the five entries with a layer
LINES = [1, 3, 7, 8, 9]  # base (its FROM), heredoc RUN, ARG-expanded RUN, COPY, WORKDIR


def config() -> dict[str, Any]:
    return {"history": HISTORY}


def test_each_entry_on_its_instruction_and_the_base_before_them() -> None:
    origins = attribute(HISTORY, parse_dockerfile(DOCKERFILE))
    assert [o.line for o in origins] == [0, 0, 0, 0, 2, 3, 7, 8, 9, 10]
    assert [o.stage for o in origins[:4]] == [BASE] * 4


def test_scan_and_size_name_the_same_line_for_every_layer() -> None:
    dockerfile = parse_dockerfile(DOCKERFILE)
    scan = layer_lines(config(), DIFF_IDS, dockerfile)
    size = layer_origins(config(), len(DIFF_IDS), dockerfile)
    assert [scan[d] for d in DIFF_IDS] == LINES
    # The size table says "base image" where the scan names the FROM to bump.
    assert [o.line or 1 for o in size] == LINES
    assert size[0].from_base
    assert not size[1].from_base


def test_scan_findings_and_secrets_take_their_layers_line() -> None:
    vulnerability = {"PkgName": "a", "InstalledVersion": "1", "Severity": "HIGH"}
    secret = {"RuleID": "r", "Title": "t", "Severity": "CRITICAL"}
    report = {
        "Metadata": {"DiffIDs": DIFF_IDS, "ImageConfig": config()},
        "Results": [
            {
                "Target": "python-pkgs",
                "Vulnerabilities": [
                    {**vulnerability, "VulnerabilityID": "CVE-1", "Layer": {"DiffID": "sha256:1"}},
                    {**vulnerability, "VulnerabilityID": "CVE-2", "Layer": {"DiffID": "sha256:0"}},
                ],
            },
            {
                "Target": "/v",
                "Secrets": [
                    {**secret, "Layer": {"DiffID": "sha256:2", "CreatedBy": "RUN |1 VERSION=1.2"}}
                ],
            },
        ],
    }
    vulnerabilities, secrets = attributed(report, parse_dockerfile(DOCKERFILE))
    assert [v.dockerfile_line for v in vulnerabilities] == [3, 1]
    assert [s.dockerfile_line for s in secrets] == [7]


def test_target_stage_and_the_stages_it_is_built_from() -> None:
    dockerfile = parse_dockerfile(
        "FROM a AS base\nRUN one\nFROM base AS app\nCOPY x /x\nFROM scratch AS other\nCOPY y /y\n"
    )
    app = for_target(dockerfile, "app")
    history = [
        {"created_by": "ADD root.tar /"},
        {"created_by": "RUN /bin/sh -c one"},
        {"created_by": "COPY x /x # buildkit"},
    ]
    assert [o.line for o in attribute(history, app)] == [0, 2, 4]
    assert layer_lines({"history": history}, ["d0", "d1", "d2"], app) == {
        "d0": 1,
        "d1": 2,
        "d2": 4,
    }


def test_nothing_known_gives_no_lines() -> None:
    dockerfile = parse_dockerfile(DOCKERFILE)
    assert layer_lines({}, DIFF_IDS, dockerfile) == {}
    assert layer_lines(config(), DIFF_IDS, None) == {}
    assert layer_lines(config(), DIFF_IDS, parse_dockerfile("# no FROM\n")) == {}
    # More layers than the history explains (a squashed image): the extra ones are base.
    assert [o.line for o in layer_origins(config(), 7, dockerfile)] == [0, 0, 0, 3, 7, 8, 9]


def test_keywords_of_both_builders() -> None:
    assert keyword_of('/bin/sh -c #(nop)  CMD ["sh"]') == "CMD"
    assert keyword_of("/bin/sh -c apt-get update") == "RUN"
    assert keyword_of("RUN |2 A=1 B=2 /bin/sh -c make") == "RUN"
    assert keyword_of("COPY file:abc in / ") == "COPY"
