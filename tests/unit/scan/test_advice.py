"""Base-image advice: tracks, candidate tags, the final image's bases, FROM lines, ranking
and the review comment, as tables of cases."""

from __future__ import annotations

import re
import time
from collections import Counter

import pytest

from slipway.core.severity import Severity
from slipway.dockerfile import for_target, parse_dockerfile
from slipway.scan.advice import (
    Advice,
    BaseImage,
    Option,
    Track,
    Widen,
    candidate_tags,
    final_bases,
    from_line,
    parse_track,
    rank,
    review_body,
    review_marker,
)
from slipway.scan.findings import PlatformScan, Vulnerability

C, H, M, L = Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW
DIGEST_A, DIGEST_B, DIGEST_C = ("sha256:" + c * 64 for c in "abc")
EVERY = (Severity.UNKNOWN, L, M, H, C)

# -- parse_track -------------------------------------------------------------------------------

TRACKS: list[tuple[str, Track | None]] = [
    ("3.11-slim-bookworm", Track((3, 11), "-slim-bookworm")),
    ("3.11.4-slim-bookworm", Track((3, 11, 4), "-slim-bookworm")),
    ("1.25.3-alpine3.20", Track((1, 25, 3), "-alpine3.20")),
    ("20", Track((20,), "")),
    ("20-bookworm-slim", Track((20,), "-bookworm-slim")),
    ("1.2.3.4", Track((1, 2, 3, 4), "")),
    ("123456789-slim", Track((123456789,), "-slim")),
    ("08.1", Track((8, 1), "")),
    ("latest", None),
    ("bookworm", None),
    ("", None),
    ("3.13.0rc1-slim", None),  # a pre-release: a letter right after the version
    ("3.13.0b2", None),
    ("1.22rc1", None),
    ("1234567890", None),  # ten digits: a date or a build, not a version
    ("3.1234567890-slim", None),
    ("1.2.3.4.5", None),  # five components
    (".".join(str(n) for n in range(1, 11)), None),  # ten components
    ("3.", None),
    ("3.-slim", None),
    ("3..11", None),
    ("-3.11", None),  # not a tag
    ("3.11 slim", None),
    ("3.11-slim\n", None),
    ("3.11-sl`im", None),
    ("3.11-" + "a" * 123, Track((3, 11), "-" + "a" * 123)),  # 128 characters: a tag
    ("3.11-" + "a" * 124, None),  # 129: longer than any tag
]


@pytest.mark.parametrize(("tag", "expected"), TRACKS, ids=[repr(t[0][:30]) for t in TRACKS])
def test_parse_track(tag: str, expected: Track | None) -> None:
    assert parse_track(tag) == expected


@pytest.mark.parametrize(
    "tag", ["1" * 10_000, "1." * 5_000, "3.11-" + "a" * 10_000, "9" * 9 + "." * 10_000]
)
def test_parse_track_of_a_huge_tag_returns_at_once(tag: str) -> None:
    start = time.perf_counter()
    for _ in range(100):
        assert parse_track(tag) is None
    assert time.perf_counter() - start < 0.5


# -- candidate_tags ------------------------------------------------------------------------------

ISSUE_TAGS = [
    "3.11-slim-bookworm",  # the current one
    "3.11.9-slim-bookworm",
    "3.11.10-slim-bookworm",
    "3.12-slim-bookworm",
    "3.12.1-slim-bookworm",
    "3.11-slim-bullseye",  # another distribution
    "3.11-bookworm",  # another variant
    "3.11.9-bookworm",
    "3.12.0rc1-slim-bookworm",  # a pre-release
    "4.0-slim-bookworm",  # another major
    "3-slim-bookworm",  # floats over minors: not newer than 3.11
    "3.10-slim-bookworm",  # older
    "3.10.14-slim-bookworm",
    "latest",
    "slim-bookworm",
]

CANDIDATES: list[tuple[str, str, list[str], Widen, int, list[str]]] = [
    (
        "the issue's example: the same major.minor by default",
        "3.11-slim-bookworm",
        ISSUE_TAGS,
        Widen.TRACK,
        5,
        ["3.11.10-slim-bookworm", "3.11.9-slim-bookworm"],
    ),
    (
        "the issue's example, widened to newer minors",
        "3.11-slim-bookworm",
        ISSUE_TAGS,
        Widen.MINOR,
        5,
        [
            "3.12.1-slim-bookworm",
            "3.12-slim-bookworm",
            "3.11.10-slim-bookworm",
            "3.11.9-slim-bookworm",
        ],
    ),
    (
        "a more specific current tag: a shorter one is not newer, a greater patch is",
        "3.11.9-slim-bookworm",
        ISSUE_TAGS,
        Widen.TRACK,
        5,
        ["3.11.10-slim-bookworm"],
    ),
    (
        "limit",
        "3.11-slim-bookworm",
        ISSUE_TAGS,
        Widen.MINOR,
        2,
        ["3.12.1-slim-bookworm", "3.12-slim-bookworm"],
    ),
    ("limit 0", "3.11-slim-bookworm", ISSUE_TAGS, Widen.TRACK, 0, []),
    (
        "ordered by version, not by text (10 after 9) nor by the listing's order",
        "1.2",
        ["1.2.2", "1.2.10", "1.2.9", "1.2.1", "1.2.10"],
        Widen.TRACK,
        5,
        ["1.2.10", "1.2.9", "1.2.2", "1.2.1"],
    ),
    (
        "one component: the major is the track, either way",
        "20-bookworm-slim",
        [
            "20.11-bookworm-slim",
            "20.11.1-bookworm-slim",
            "21-bookworm-slim",
            "20-bookworm",
            "20.12.0-bookworm-slim",
            "19.9-bookworm-slim",
        ],
        Widen.TRACK,
        5,
        ["20.12.0-bookworm-slim", "20.11.1-bookworm-slim", "20.11-bookworm-slim"],
    ),
    (
        "the suffix is compared exactly (alpine3.20 is not alpine3.19)",
        "1.25.3-alpine3.20",
        ["1.25.4-alpine3.20", "1.25.5-alpine3.19", "1.25.5-alpine", "1.26.0-alpine3.20"],
        Widen.TRACK,
        5,
        ["1.25.4-alpine3.20"],
    ),
    (
        "equal versions written differently: the tag's text decides",
        "3.1",
        ["3.01.2", "3.1.2"],
        Widen.TRACK,
        5,
        ["3.01.2", "3.1.2"],
    ),
    ("no track: latest", "latest", ISSUE_TAGS, Widen.MINOR, 5, []),
    ("no track: a pre-release", "3.12.0rc1-slim-bookworm", ISSUE_TAGS, Widen.MINOR, 5, []),
    ("no track: pinned by digest only", "", ISSUE_TAGS, Widen.TRACK, 5, []),
]


@pytest.mark.parametrize(
    ("current", "tags", "widen", "limit", "expected"),
    [c[1:] for c in CANDIDATES],
    ids=[c[0] for c in CANDIDATES],
)
def test_candidate_tags(
    current: str, tags: list[str], widen: Widen, limit: int, expected: list[str]
) -> None:
    assert candidate_tags(current, tags, widen, limit) == expected


def test_candidate_tags_default_to_the_track_and_five() -> None:
    tags = [f"3.11.{n}-slim" for n in range(20)]
    assert candidate_tags("3.11-slim", [*tags, "3.12-slim"]) == [
        f"3.11.{n}-slim" for n in range(19, 14, -1)
    ]


def test_widen_as_the_input_spells_it() -> None:
    tags = ["3.12-slim", "3.11.1-slim"]
    assert candidate_tags("3.11-slim", tags, Widen("minor")) == ["3.12-slim", "3.11.1-slim"]
    assert candidate_tags("3.11-slim", tags, "minor") == ["3.12-slim", "3.11.1-slim"]  # type: ignore[arg-type]
    assert candidate_tags("3.11-slim", tags, "track") == ["3.11.1-slim"]  # type: ignore[arg-type]


# -- final_bases --------------------------------------------------------------------------------

PINNED = f"python:3.11-slim@{DIGEST_A}"

BASES: list[tuple[str, str, dict[str, str] | None, list[tuple[str, str, str, int, str]]]] = [
    (
        "one stage",
        "FROM python:3.11-slim-bookworm\nRUN true\n",
        None,
        [
            (
                "python:3.11-slim-bookworm",
                "docker.io/library/python",
                "3.11-slim-bookworm",
                1,
                "FROM python:3.11-slim-bookworm",
            )
        ],
    ),
    (
        "multi-stage: FROM builder is followed to the builder's image; other stages are not",
        (
            "FROM golang:1.22 AS build\nRUN go build\n"
            "FROM --platform=$BUILDPLATFORM python:3.11-slim AS base\n"
            "FROM base AS app\nCOPY --from=build /app /app\n"
        ),
        None,
        [
            (
                "python:3.11-slim",
                "docker.io/library/python",
                "3.11-slim",
                3,
                "FROM --platform=$BUILDPLATFORM python:3.11-slim AS base",
            )
        ],
    ),
    (
        "a stage named in another case is still the stage",
        "FROM ghcr.io/acme/base:2.1 AS Builder\nFROM builder\n",
        None,
        [
            (
                "ghcr.io/acme/base:2.1",
                "ghcr.io/acme/base",
                "2.1",
                1,
                "FROM ghcr.io/acme/base:2.1 AS Builder",
            )
        ],
    ),
    ("scratch", "FROM golang:1.22 AS build\nFROM scratch\nCOPY --from=build /a /a\n", None, []),
    ("scratch through a stage", "FROM scratch AS empty\nFROM empty\n", None, []),
    (
        "pinned by digest, with a tag",
        f"FROM {PINNED} AS app\n",
        None,
        [(PINNED, "docker.io/library/python", "3.11-slim", 1, f"FROM {PINNED} AS app")],
    ),
    (
        "pinned by digest only",
        f"FROM python@{DIGEST_A}\n",
        None,
        [(f"python@{DIGEST_A}", "docker.io/library/python", "", 1, f"FROM python@{DIGEST_A}")],
    ),
    (
        "no tag: latest",
        "FROM registry.example:5000/team/app\n",
        None,
        [
            (
                "registry.example:5000/team/app",
                "registry.example:5000/team/app",
                "latest",
                1,
                "FROM registry.example:5000/team/app",
            )
        ],
    ),
    (
        "an ARG-templated base, resolved from its default",
        "ARG PYTHON_VERSION=3.11.4\nFROM python:${PYTHON_VERSION}-slim AS base\n",
        None,
        [
            (
                "python:3.11.4-slim",
                "docker.io/library/python",
                "3.11.4-slim",
                2,
                "FROM python:${PYTHON_VERSION}-slim AS base",
            )
        ],
    ),
    (
        "an ARG-templated base, a build arg overriding the default",
        "ARG PYTHON_VERSION=3.11.4\nFROM python:${PYTHON_VERSION}-slim AS base\n",
        {"PYTHON_VERSION": "3.12.1", "UNDECLARED": "x"},
        [
            (
                "python:3.12.1-slim",
                "docker.io/library/python",
                "3.12.1-slim",
                2,
                "FROM python:${PYTHON_VERSION}-slim AS base",
            )
        ],
    ),
    (
        "a build arg declared only inside a stage does not reach FROM",
        "FROM python:${V:-3.11}\nARG V=3.12\n",
        {"V": "3.13"},
        [("python:3.11", "docker.io/library/python", "3.11", 1, "FROM python:${V:-3.11}")],
    ),
    ("an ARG without a default: left out", "ARG BASE\nFROM ${BASE}\n", None, []),
    ("a tag without its ARG: left out", "ARG TAG\nFROM python:${TAG}\n", None, []),
    ("a per-platform ARG: left out", "FROM python:3.11-${TARGETARCH}-slim\n", None, []),
    ("not a reference", "FROM Python:3.11\n", None, []),
    ("no FROM", "# nothing\n", None, []),
]


@pytest.mark.parametrize(
    ("text", "build_args", "expected"), [b[1:] for b in BASES], ids=[b[0] for b in BASES]
)
def test_final_bases(
    text: str,
    build_args: dict[str, str] | None,
    expected: list[tuple[str, str, str, int, str]],
) -> None:
    found = final_bases(parse_dockerfile(text), build_args)
    assert [(b.reference, b.repository, b.tag, b.line, b.instruction) for b in found] == expected


def test_final_bases_of_a_target_and_of_a_continued_from() -> None:
    text = "FROM alpine:3.20 AS tools\nFROM \\\n  debian:12.5-slim \\\n  AS app\nRUN true\n"
    (tools,) = final_bases(for_target(parse_dockerfile(text), "tools"))
    assert (tools.reference, tools.line, tools.spans_lines) == ("alpine:3.20", 1, False)
    (app,) = final_bases(parse_dockerfile(text))
    assert (app.reference, app.line, app.end_line, app.spans_lines) == (
        "debian:12.5-slim",
        2,
        4,
        True,
    )
    assert app.instruction == "FROM debian:12.5-slim AS app"


# -- from_line ------------------------------------------------------------------------------------


def base(instruction: str, reference: str, tag: str = "3.11-slim") -> BaseImage:
    return BaseImage(reference, "docker.io/library/python", tag, 3, instruction)


FROM_LINES: list[tuple[str, BaseImage, str, str, str]] = [
    (
        "flags and alias kept byte for byte",
        base("FROM --platform=$BUILDPLATFORM  python:3.11-slim   AS app", "python:3.11-slim"),
        "3.11.9-slim",
        "",
        "FROM --platform=$BUILDPLATFORM  python:3.11.9-slim   AS app",
    ),
    (
        "a quoted flag value with a space",
        base(
            'FROM --platform="linux/amd64, linux/arm64" python:3.11-slim as App', "python:3.11-slim"
        ),
        "3.12-slim",
        "",
        'FROM --platform="linux/amd64, linux/arm64" python:3.12-slim as App',
    ),
    (
        "a registry with a port, no alias",
        base("FROM localhost:5000/py:3.11-slim", "localhost:5000/py:3.11-slim"),
        "3.12-slim",
        "",
        "FROM localhost:5000/py:3.12-slim",
    ),
    (
        "pinned by digest: the candidate's digest replaces it",
        base(f"FROM {PINNED} AS app", PINNED),
        "3.11.9-slim",
        DIGEST_B,
        f"FROM python:3.11.9-slim@{DIGEST_B} AS app",
    ),
    (
        "pinned by digest only: the tag comes in",
        base(f"FROM python@{DIGEST_A}", f"python@{DIGEST_A}", ""),
        "3.12",
        DIGEST_B,
        f"FROM python:3.12@{DIGEST_B}",
    ),
    (
        "not pinned, a digest given: pinned",
        base("FROM python:3.11-slim", "python:3.11-slim"),
        "3.11.9-slim",
        DIGEST_C,
        f"FROM python:3.11.9-slim@{DIGEST_C}",
    ),
    (
        "an ARG-templated reference is replaced whole by the resolved name",
        base("FROM python:${PY}-slim AS base", "python:3.11-slim"),
        "3.11.9-slim",
        "",
        "FROM python:3.11.9-slim AS base",
    ),
]


@pytest.mark.parametrize(
    ("base_image", "tag", "digest", "expected"),
    [f[1:] for f in FROM_LINES],
    ids=[f[0] for f in FROM_LINES],
)
def test_from_line(base_image: BaseImage, tag: str, digest: str, expected: str) -> None:
    assert from_line(base_image, tag, digest) == expected


@pytest.mark.parametrize(
    ("base_image", "tag", "digest", "message"),
    [
        (base("FROM python:3.11-slim", "python:3.11-slim"), "3.12\nRUN curl evil", "", "not a tag"),
        (base("FROM python:3.11-slim", "python:3.11-slim"), "a`b", "", "not a tag"),
        (base("FROM python:3.11-slim", "python:3.11-slim"), "3.12", "sha256:x", "not a digest"),
        (base(f"FROM {PINNED}", PINNED), "3.12", "", "pinned by digest"),
        (base("RUN python:3.11-slim", "python:3.11-slim"), "3.12", "", "not one FROM"),
        (base("FROM", "python:3.11-slim"), "3.12", "", "not one FROM"),
        (base("FROM a\nFROM b", "a"), "3.12", "", "not one FROM"),
    ],
)
def test_from_line_refuses(base_image: BaseImage, tag: str, digest: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        from_line(base_image, tag, digest)


# -- rank -------------------------------------------------------------------------------------------


def v(vuln_id: str, severity: Severity = H, package: str = "openssl") -> Vulnerability:
    return Vulnerability(
        vuln_id, package, "1.0", "1.1", severity, "t", f"https://avd.test/{vuln_id}", "debian"
    )


def scan(*vulns: Vulnerability) -> PlatformScan:
    return PlatformScan("linux/amd64", "img", vulns)


APP = base("FROM python:3.11-slim AS app", "python:3.11-slim")
# The final image: three findings from the base (one CRITICAL, one HIGH, one LOW) and one
# of its own (the app's package); the base has one more that the final stage removed.
FINAL = scan(v("CVE-C", C), v("CVE-H", H), v("CVE-L", L), v("CVE-APP", C, "flask"))
CURRENT = scan(v("CVE-C", C), v("CVE-H", H), v("CVE-L", L), v("CVE-GONE", C, "perl"))


def candidate(
    tag: str, *vulns: Vulnerability, size: int = 1000, digest: str = DIGEST_B
) -> tuple[str, str, PlatformScan, int]:
    return (tag, digest, scan(*vulns), size)


def shape(options: tuple[Option, ...]) -> list[tuple[str, dict[str, int], dict[str, int], int]]:
    return [
        (
            o.tag,
            {str(s): n for s, n in o.removes.items()},
            {str(s): n for s, n in o.adds.items()},
            o.size_delta,
        )
        for o in options
    ]


RANKS: list[
    tuple[
        str,
        list[tuple[str, str, PlatformScan, int]],
        tuple[Severity, ...],
        int,
        list[tuple[str, dict[str, int], dict[str, int], int]],
    ]
] = [
    (
        "removes counts the final image's findings from the base only; adds the candidate's new",
        [candidate("3.11.9-slim", v("CVE-L", L), v("CVE-GONE", C, "perl"), v("CVE-NEW", M))],
        EVERY,
        3,
        [("3.11.9-slim", {"CRITICAL": 1, "HIGH": 1}, {"MEDIUM": 1}, 0)],
    ),
    (
        "the worst severity first: one CRITICAL outweighs two HIGH and a LOW",
        [
            candidate("3.11.8-slim", v("CVE-C", C)),  # removes HIGH, LOW
            candidate("3.11.7-slim", v("CVE-H", H), v("CVE-L", L)),  # removes CRITICAL
        ],
        EVERY,
        3,
        [
            ("3.11.7-slim", {"CRITICAL": 1}, {}, 0),
            ("3.11.8-slim", {"HIGH": 1, "LOW": 1}, {}, 0),
        ],
    ),
    (
        "equal removals: fewer adds, then the smaller size, then the newer tag",
        [
            candidate("3.11.5-slim", v("CVE-H", H), v("CVE-L", L), v("CVE-X", L), size=900),
            candidate("3.11.6-slim", v("CVE-H", H), v("CVE-L", L), size=1200),
            candidate("3.11.9-slim", v("CVE-H", H), v("CVE-L", L), size=1100),
            candidate("3.11.10-slim", v("CVE-H", H), v("CVE-L", L), size=1100),
        ],
        EVERY,
        5,
        [
            ("3.11.10-slim", {"CRITICAL": 1}, {}, 100),
            ("3.11.9-slim", {"CRITICAL": 1}, {}, 100),
            ("3.11.6-slim", {"CRITICAL": 1}, {}, 200),
            ("3.11.5-slim", {"CRITICAL": 1}, {"LOW": 1}, -100),
        ],
    ),
    (
        "net gain only: no removal, an even trade, a worse addition are left out",
        [
            candidate("3.11.5-slim", v("CVE-C", C), v("CVE-H", H), v("CVE-L", L)),  # nothing
            candidate("3.11.6-slim", v("CVE-C", C), v("CVE-L", L), v("CVE-Y", H)),  # H for H
            candidate("3.11.7-slim", v("CVE-H", H), v("CVE-L", L), v("CVE-Z", C)),  # C for C
            candidate("3.11.8-slim", v("CVE-C", C), v("CVE-H", H), v("CVE-W", M)),  # L for M
            candidate("3.11.9-slim", v("CVE-C", C), v("CVE-L", L), v("A", L), v("B", L)),  # H, 2 L
        ],
        EVERY,
        3,
        [("3.11.9-slim", {"HIGH": 1}, {"LOW": 2}, 0)],
    ),
    (
        "severities filter what is counted (a LOW gain is no gain at HIGH and above)",
        [
            candidate("3.11.8-slim", v("CVE-C", C), v("CVE-H", H)),  # removes the LOW only
            candidate("3.11.9-slim", v("CVE-C", C), v("CVE-L", L), v("CVE-Q", M)),
        ],
        (H, C),
        3,
        [("3.11.9-slim", {"HIGH": 1}, {}, 0)],
    ),
    (
        "limit, and an identity counted once however often it is found",
        [
            candidate("3.11.7-slim", v("CVE-L", L), v("CVE-N", M), v("CVE-N", M)),
            candidate("3.11.8-slim", v("CVE-L", L)),
            candidate("3.11.9-slim", v("CVE-H", H), v("CVE-L", L)),
        ],
        EVERY,
        2,
        [
            ("3.11.8-slim", {"CRITICAL": 1, "HIGH": 1}, {}, 0),
            ("3.11.7-slim", {"CRITICAL": 1, "HIGH": 1}, {"MEDIUM": 1}, 0),
        ],
    ),
    (
        "a candidate whose tag is not one is left out",
        [candidate("3.12\nRUN x", v("CVE-L", L)), candidate("latest", v("CVE-L", L))],
        EVERY,
        3,
        [],
    ),
]


@pytest.mark.parametrize(
    ("candidates", "severities", "limit", "expected"),
    [r[1:] for r in RANKS],
    ids=[r[0] for r in RANKS],
)
def test_rank(
    candidates: list[tuple[str, str, PlatformScan, int]],
    severities: tuple[Severity, ...],
    limit: int,
    expected: list[tuple[str, dict[str, int], dict[str, int], int]],
) -> None:
    options = rank(APP, FINAL, CURRENT, candidates, 1000, severities, limit=limit)
    assert shape(options) == expected
    for option in options:
        assert option.line == f"FROM python:{option.tag} AS app"
        assert option.reference == f"docker.io/library/python:{option.tag}"


def test_rank_pins_the_line_by_digest_when_asked_or_when_the_base_is_pinned() -> None:
    good = [candidate("3.11.9-slim", v("CVE-L", L), digest=DIGEST_B)]
    (pinned,) = rank(APP, FINAL, CURRENT, good, 1000, EVERY, digest_pinned=True)
    assert pinned.line == f"FROM python:3.11.9-slim@{DIGEST_B} AS app"
    was_pinned = base(f"FROM {PINNED} AS app", PINNED)
    (kept,) = rank(was_pinned, FINAL, CURRENT, good, 1000, EVERY)
    assert kept.line == f"FROM python:3.11.9-slim@{DIGEST_B} AS app"
    no_digest = [candidate("3.11.9-slim", v("CVE-L", L), digest="")]
    assert rank(was_pinned, FINAL, CURRENT, no_digest, 1000, EVERY) == ()
    assert rank(APP, FINAL, CURRENT, no_digest, 1000, EVERY, digest_pinned=True) == ()


# -- review_marker, review_body ------------------------------------------------------------------


def option(tag: str = "3.11.9-slim", line: str = "FROM python:3.11.9-slim AS app") -> Option:
    return Option(
        tag,
        f"docker.io/library/python:{tag}",
        DIGEST_B,
        Counter({C: 2, H: 1}),
        Counter({L: 1}),
        -4_000_000,
        line,
    )


def test_review_marker() -> None:
    assert review_marker(DIGEST_A) == f"<!-- slipway-base-advice {DIGEST_A} -->"
    assert review_marker("sha256:x --> <script>") == "<!-- slipway-base-advice -->"


def test_review_body() -> None:
    body = review_body(Advice(APP, DIGEST_A, (option(), option("3.11.8-slim"))))
    assert body == (
        "Slipway: `3.11.9-slim`, on the same track as `python:3.11-slim`, removes "
        "2 CRITICAL, 1 HIGH of the findings the final image has from it, adds 1 LOW and "
        "changes the size by -4.0 MB.\n\n"
        "```suggestion\nFROM python:3.11.9-slim AS app\n```\n\n"
        f"<!-- slipway-base-advice {DIGEST_A} -->\n"
    )


HOSTILE = "evil`<script>alert(1)</script>@everyone [x](javascript:alert(1)) | ```"


@pytest.mark.parametrize(
    "line",
    [
        "FROM python:3.12 AS ```\n@everyone",
        "FROM python:3.12 AS `x`",
        "FROM python:3.12\nRUN curl evil | sh",
        "FROM python:3.12\rRUN x",
        "FROM python:3.12 AS a\u202eb",  # a bidi override hides text
        "FROM python:3.12 AS a\u2028b",
        "FROM python:3.12 AS a\x00",
        "",
    ],
)
def test_review_body_refuses_a_line_that_could_leave_the_block(line: str) -> None:
    assert review_body(Advice(APP, DIGEST_A, (option(line=line),))) == ""


def test_review_body_escapes_hostile_text_outside_the_block() -> None:
    hostile_base = BaseImage(HOSTILE, "docker.io/library/python", "3.11", 3, "FROM python:3.11")
    body = review_body(Advice(hostile_base, "sha256:--> <b>", (option(tag=HOSTILE),)))
    sentence, block, marker = body.split("\n\n")
    # Outside the block, the hostile text is only ever inside code spans it cannot close.
    spans = re.findall(r"`[^`\n]*`", sentence)
    assert len(spans) == 2
    assert all("`" not in s[1:-1] and "|" not in s.replace("\\|", "") for s in spans)
    outside = re.sub(r"`[^`\n]*`", "", sentence)
    assert not set("`<>@[]|") & set(outside)
    assert block == "```suggestion\nFROM python:3.11.9-slim AS app\n```"
    assert marker == "<!-- slipway-base-advice -->\n"


def test_review_body_without_options_or_for_a_continued_from() -> None:
    assert review_body(Advice(APP, DIGEST_A, (), "no newer tag")) == ""
    continued = BaseImage(
        "python:3.11", "docker.io/library/python", "3.11", 3, "FROM python:3.11", 4
    )
    assert review_body(Advice(continued, DIGEST_A, (option(),))) == ""
