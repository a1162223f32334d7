"""The pure parts of the jobs benchmark (benchmarks/jobs, issue 22 item 7): the tables and the
goals judged from the medians, the commits the jobs check out, the large Trivy DB's layer, and
what the chain configured for speed decides on its own."""

from __future__ import annotations

import gzip
import io
import json
import sys
import tarfile
from datetime import UTC, datetime

import pytest

from tests.support.devenv import ROOT
from tests.support.trivydb.bolt import decode_db

if str(ROOT / "benchmarks") not in sys.path:  # benchmarks/ is a folder of scripts, not a package
    sys.path.insert(0, str(ROOT / "benchmarks"))

from jobs import report
from jobs.actions_cache import node_action_env, parse_result
from jobs.chain import exact_hit
from jobs.commits import (
    APP_SOURCE,
    BUILD_INFO,
    COMMIT_OF,
    app_workload,
    build_info,
    commit_sha,
    jobs_of,
    push_event,
    smoke_requirements,
)
from jobs.trivydb_large import (
    PADDING_BUCKET,
    metadata_member,
    padded_db,
    padding_values,
    updated_at,
    write_db_member,
)
from pipeline.timing import StepFailed

SIDES = ("bare", "chain", "chain-cached", "slipway")


def rounds(*totals: float, **stages: float) -> list[dict[str, float]]:
    return [{**stages, "total": total} for total in totals]


def app_samples(**jobs: dict[str, list[dict[str, float]]]) -> report.Samples:
    by_side: dict[str, dict[str, list[dict[str, float]]]] = {side: {} for side in SIDES}
    for job, sides in jobs.items():
        for side, samples in sides.items():
            by_side[side][job] = samples
    return {"app": by_side}


# --- the tables -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("samples", "expected"),
    [
        ([], "-"),
        (rounds(12.345), "12.35"),
        (rounds(3.0, 1.0, 2.0), "2.00 (1.00-3.00)"),
        (rounds(4.0, 1.0), "2.50 (1.00-4.00)"),
    ],
)
def test_a_cell_is_the_median_and_its_spread(
    samples: list[dict[str, float]], expected: str
) -> None:
    assert report.cell(samples, "total") == expected


def test_stages_follow_the_job_whichever_side_has_them() -> None:
    sides = {
        "bare": [{"builder": 1.0, "build+push": 2.0, "scan linux/amd64": 1.0, "total": 4.0}],
        "slipway": [
            {
                "start": 0.5,
                "Preflight": 0.1,
                "builder": 1.0,
                "build": 2.0,
                "scan DB": 0.2,
                "scan linux/amd64": 1.0,
                "Save for the next job": 0.3,
                "mystery": 0.1,
                "exit": 0.1,
                "fixed overhead": 0.7,
                "total": 5.0,
            },
        ],
    }
    assert report.stage_names(sides) == [
        "start",
        "Preflight",
        "builder",
        "build+push",
        "build",
        "scan DB",
        "scan linux/amd64",
        "Save for the next job",
        "exit",
        "mystery",
        "fixed overhead",
        "total",
    ]


def test_the_stage_table_is_markdown_with_a_column_per_side() -> None:
    lines = report.stage_table(
        {"bare": rounds(4.0, builder=1.0), "slipway": rounds(2.0, start=0.5)},
        {"slipway": "Slipway"},
    )
    assert lines == [
        "| stage | bare | Slipway |",
        "|---|---:|---:|",
        "| start | - | 0.50 |",
        "| builder | 1.00 | - |",
        "| total | 4.00 | 2.00 |",
    ]


def test_the_totals_table_has_a_row_per_workload_and_job() -> None:
    samples = {
        "app": {"bare": {"A": rounds(10.0), "B": rounds(9.0)}, "slipway": {"A": rounds(11.0)}},
        "tiny": {"bare": {"A": rounds(3.0, 5.0)}},
    }
    assert report.totals_table(samples, {}) == [
        "| job | bare | slipway |",
        "|---|---:|---:|",
        "| app A, the first commit | 10.00 | 11.00 |",
        "| app B, the next commit | 9.00 | - |",
        "| tiny A, the first commit | 4.00 (3.00-5.00) | - |",
    ]


# --- the goals ------------------------------------------------------------------------------
def test_every_goal_of_the_issue_is_judged_on_the_medians() -> None:
    samples = app_samples(
        A={"chain": rounds(100.0), "slipway": rounds(105.0, 115.0, 110.0)},
        B={"chain-cached": rounds(50.0), "chain": rounds(100.0), "slipway": rounds(30.0)},
        C={"chain-cached": rounds(10.0), "slipway": rounds(4.0)},
    )
    judged = {(j.goal.job, j.goal.other): j for j in report.judge(samples)}
    assert judged["B", "chain-cached"].value == pytest.approx(0.6)
    assert judged["B", "chain-cached"].met  # at the limit: "<="
    assert judged["B", "chain"].value == pytest.approx(0.3)
    assert judged["B", "chain"].met
    assert judged["C", "chain-cached"].value == pytest.approx(0.4)
    assert not judged["C", "chain-cached"].met
    assert judged["C", None].value == pytest.approx(4.0)
    assert judged["C", None].met
    assert judged["A", "chain"].value == pytest.approx(1.10)  # the median of 105, 110, 115
    assert judged["A", "chain"].met


def test_the_wall_time_goal_is_strict() -> None:
    judged = report.judge(app_samples(C={"slipway": rounds(5.0)}))
    assert [(j.goal.other, j.value, j.met) for j in judged if j.goal.job == "C"] == [
        ("chain-cached", None, False),
        (None, 5.0, False),
    ]


def test_fresh_jobs_are_judged_on_the_workloads_the_run_had() -> None:
    samples = {
        "tiny": {"chain": {"A": rounds(20.0)}, "slipway": {"A": rounds(18.0)}},
        "large": {"chain": {"A": rounds(20.0)}},  # Slipway not run: no goal to judge
    }
    judged = report.judge(samples)
    assert [(j.workload, j.value, j.met) for j in judged] == [("tiny", 0.9, True)]


def test_the_goals_table_says_what_was_measured_and_whether_it_is_met() -> None:
    samples = app_samples(
        B={"chain-cached": rounds(40.0), "chain": rounds(80.0), "slipway": rounds(30.0)},
        C={"slipway": rounds(3.25)},
    )
    lines = report.goals_table(report.judge(samples))
    assert lines[:2] == [
        "| job | Slipway (no cache input) must be | measured |  |",
        "|---|---|---|---|",
    ]
    x = report.TIMES
    assert lines[2:] == [
        f"| B, the next commit, app | ≤ 0.6 {x} {report.FAST} | 0.75 (30.0 s / 40.0 s) | **not met** |",
        f"| B, the next commit, app | ≤ 0.35 {x} {report.FIRST} | 0.38 (30.0 s / 80.0 s) | **not met** |",
        f"| C, a re-run, app | ≤ 0.25 {x} {report.FAST} | - | not measured |",
        "| C, a re-run, app | under 5 s of wall time for the whole step | 3.25 s | met |",
        f"| A, the first commit, app | ≤ 1.10 {x} {report.FIRST} | - | not measured |",
    ]


def test_a_re_run_that_built_again_is_said() -> None:
    reused = {"Reuse an identical build": 0.05, "total": 1.8}
    built = {"build": 20.0, "total": 30.0}
    samples = {"app": {"slipway": {"B": [built], "C": [reused, built]}, "bare": {"C": [built]}}}
    assert report.missing_reuse(samples) == [report.NOT_REUSED.format(workload="app", round=2)]


# --- the commits ----------------------------------------------------------------------------
def test_the_committed_build_info_is_the_rewrite_of_the_zero_commit() -> None:
    text = (APP_SOURCE / BUILD_INFO).read_text(encoding="utf-8")
    assert text == build_info("0" * 40)


def test_each_round_and_commit_has_its_own_sha_and_c_re_runs_b() -> None:
    shas = {commit_sha(tag, commit) for tag in ("r1-aaaaaa", "r2-bbbbbb") for commit in "AB"}
    assert len(shas) == 4
    assert all(len(sha) == 40 and int(sha, 16) >= 0 for sha in shas)
    assert COMMIT_OF == {"A": "A", "B": "B", "C": "B"}
    assert jobs_of("app") == ("A", "B", "C")
    assert jobs_of("large") == ("A",)


def test_the_push_event_names_the_commit_and_leaves_the_example_alone() -> None:
    base = {"after": "old", "head_commit": {"id": "old", "message": "m"}, "ref": "refs/heads/x"}
    payload = push_event(base, "f" * 40)
    assert payload["after"] == payload["head_commit"]["id"] == "f" * 40
    assert payload["ref"] == "refs/heads/x"
    assert base["after"] == "old"


def test_app_takes_its_index_as_build_args() -> None:
    workload = app_workload("http://127.0.0.1:8123/")
    assert workload.build_args("nonce") == {
        "PIP_FIND_LINKS": "http://127.0.0.1:8123/",
        "PIP_NO_INDEX": "1",
    }
    assert workload.platforms == ("linux/amd64",)


def test_the_smoke_requirements_keep_the_web_framework_and_the_comments() -> None:
    text = "# pins\nfastapi==1.0\nnumpy==2.0\npydantic_core==2.5\nTyping-Extensions==4.1\n\n"
    assert (
        smoke_requirements(text)
        == "# pins\nfastapi==1.0\npydantic_core==2.5\nTyping-Extensions==4.1\n\n"
    )


def test_the_app_pins_every_smoke_package() -> None:
    text = (APP_SOURCE / "requirements.txt").read_text(encoding="utf-8")
    pins = [line for line in smoke_requirements(text).splitlines() if "==" in line]
    assert len(pins) == 10


# --- the large Trivy DB ---------------------------------------------------------------------
def test_padding_is_reproducible_and_as_long_as_asked() -> None:
    first = list(padding_values(7, 200_000, 20_000))
    assert first == list(padding_values(7, 200_000, 20_000))
    assert first != list(padding_values(8, 200_000, 20_000))
    assert 200_000 <= sum(map(len, first)) < 200_000 + 21_000
    record = first[0].split(b"\n")[0]
    cve, advisory = record.split(b" ", 1)
    assert cve.startswith(b"CVE-")
    assert {"Title", "Description", "Severity", "References"} <= set(json.loads(advisory))


def test_padding_compresses_about_as_the_real_db_does() -> None:
    data = b"".join(padding_values(1, 2_000_000))
    ratio = len(data) / len(gzip.compress(data, compresslevel=6))
    assert 8 < ratio < 12


def test_the_padded_db_keeps_the_test_advisories() -> None:
    db = padded_db(size=600_000)
    assert 600_000 <= len(db) < 700_000
    tree = decode_db(db)
    assert PADDING_BUCKET in tree
    assert b"vulnerability" in tree
    assert b"debian 12" in tree


def test_the_layer_is_one_tar_in_two_gzip_members() -> None:
    made = updated_at(datetime(2026, 12, 6, 13, 47, 5, tzinfo=UTC))
    assert made == datetime(2026, 12, 6, 13, tzinfo=UTC)
    metadata = b'{"Version":2}'
    db = b"bolt" * 3000
    out = io.BytesIO()
    write_db_member(db, out)
    layer = metadata_member(metadata, int(made.timestamp())) + out.getvalue()
    with tarfile.open(fileobj=io.BytesIO(layer), mode="r:gz") as tar:
        assert tar.getnames() == ["metadata.json", "trivy.db"]
        assert tar.extractfile("metadata.json").read() == metadata  # type: ignore[union-attr]
        assert tar.extractfile("trivy.db").read() == db  # type: ignore[union-attr]


# --- the chain configured for speed ---------------------------------------------------------
def test_a_post_step_saves_unless_the_primary_key_hit() -> None:
    key = "cache-trivy-2026-12-06"
    assert exact_hit(key, "Cache-Trivy-2026-12-06")
    assert not exact_hit(key, "cache-trivy-2026-12-05")  # a restore key: saved again
    assert not exact_hit(key, None)


def test_node_actions_get_the_v2_cache_service() -> None:
    env = node_action_env("http://127.0.0.1:1/", "token")
    assert env["ACTIONS_CACHE_SERVICE_V2"] == "True"
    assert env["ACTIONS_RESULTS_URL"] == "http://127.0.0.1:1/"
    assert env["ACTIONS_RUNTIME_TOKEN"] == "token"


def test_the_client_result_is_its_last_result_line() -> None:
    output = 'Cache hit for: k\nactions-cache-result {"key": "k"}\n'
    assert parse_result(output) == "k"
    assert parse_result('actions-cache-result {"key": null}\n') is None
    with pytest.raises(StepFailed, match="no result"):
        parse_result("Failed to restore: boom\n")
