"""The run's step list, as a table: which steps a plan and what is known before the run give,
in order (slipway.core.steps)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from slipway.core.context import Context
from slipway.core.plan import Plan, make_plan
from slipway.core.steps import Facts, Step, When, plan_steps
from slipway.inputs import read_inputs
from tests.support.input_table import SIGN_KEY

NOW = datetime(2026, 12, 6, tzinfo=UTC)
CONTEXT = Context(
    event_name="push", ref="refs/heads/main", sha="a" * 40, repository="acme/app", payload={}
)


def plan_for(**inputs: str) -> Plan:
    env = {
        f"INPUT_{k.upper()}": v for k, v in {"images": "127.0.0.1:5000/acme/app", **inputs}.items()
    }
    return make_plan(read_inputs(env), CONTEXT, env=env, now=NOW)


def steps(plan: Plan, **facts: bool) -> list[str]:
    return [str(s) for s in plan_steps(plan, Facts(**facts))]


P = "(if passed)"
KEY = {"push": "true", "sign-key": SIGN_KEY}
ROWS = [
    # (inputs, facts, the steps in order)
    pytest.param(
        {},
        {},
        ["lint", "build", "scan", "baseline", "advice", "policy", "gate", "report"],
        id="no-push",
    ),
    pytest.param(
        {"push": "true"},
        {},
        [
            "lint",
            "preflight",
            "build",
            "push",
            "size",
            "scan",
            "baseline",
            "advice",
            "policy",
            "gate",
            f"attach {P}",
            f"tag {P}",
            "report",
        ],
        id="push-from-the-layout",
    ),
    pytest.param(
        {"push": "true"},
        {"builder_pushes": True},
        [
            "lint",
            "preflight",
            "build",
            "size",
            "scan",
            "baseline",
            "advice",
            "policy",
            "gate",
            f"attach {P}",
            f"tag {P}",
            "report",
        ],
        id="the-builder-pushes",
    ),
    pytest.param(
        {"push": "true"},
        {"reused": True, "save": True},
        [
            "lint",
            "preflight",
            "reuse",
            "size",
            "scan",
            "baseline",
            "advice",
            "policy",
            "gate",
            f"attach {P}",
            f"tag {P}",
            "report",
            "save",
        ],
        id="an-identical-build-reused",
    ),
    pytest.param(
        {"push": "true", "tag-on-gate-failure": "true"},
        {"builder_pushes": True},
        [
            "lint",
            "preflight",
            "build",
            "tag",
            "size",
            "scan",
            "baseline",
            "advice",
            "policy",
            "gate",
            "attach",
            "report",
        ],
        id="publish-then-scan",
    ),
    pytest.param(
        {"push": "true", "attach": "none"},
        {"builder_pushes": True},
        [
            "lint",
            "preflight",
            "build",
            "size",
            "scan",
            "baseline",
            "advice",
            "policy",
            "gate",
            f"tag {P}",
            "report",
        ],
        id="no-evidence",
    ),
    pytest.param(
        {"push": "true", "scan": "false"},
        {"builder_pushes": True},
        [
            "lint",
            "preflight",
            "build",
            "size",
            "policy",
            "gate",
            f"attach {P}",
            f"tag {P}",
            "report",
        ],
        id="no-scan",
    ),
    pytest.param(
        {"push": "true", "push-by-digest": "true"},
        {"builder_pushes": True, "save": True},
        ["preflight", "build", "report", "save"],
        id="a-split-build-part",
    ),
    pytest.param(
        {"push": "true", "push-by-digest": "true"},
        {"reused": True},
        ["preflight", "reuse", "report"],
        id="a-split-build-part-reused",
    ),
    pytest.param(
        {"push": "true", "merge-digests": "sha256:" + "1" * 64},
        {"save": True},
        [
            "lint",
            "preflight",
            "merge",
            "size",
            "scan",
            "baseline",
            "advice",
            "policy",
            "gate",
            f"attach {P}",
            f"tag {P}",
            "report",
            "save",
        ],
        id="the-merge-job",
    ),
    pytest.param(
        {},
        {"save": True},
        ["lint", "build", "scan", "baseline", "advice", "policy", "gate", "report", "save"],
        id="no-push-with-a-cache-service",
    ),
    pytest.param(
        {"push": "true"},
        {"builder_pushes": True, "dockerfile": False},
        [
            "preflight",
            "build",
            "size",
            "scan",
            "baseline",
            "policy",
            "gate",
            f"attach {P}",
            f"tag {P}",
            "report",
        ],
        id="a-remote-context-has-no-dockerfile-here",
    ),
    pytest.param(
        {"push": "true", "baseline": "none"},
        {"builder_pushes": True},
        [
            "lint",
            "preflight",
            "build",
            "size",
            "scan",
            "advice",
            "policy",
            "gate",
            f"attach {P}",
            f"tag {P}",
            "report",
        ],
        id="no-comparison",
    ),
    pytest.param(
        {"push": "true", "baseline": "none", "base-advice": "none"},
        {"builder_pushes": True},
        [
            "lint",
            "preflight",
            "build",
            "size",
            "scan",
            "policy",
            "gate",
            f"attach {P}",
            f"tag {P}",
            "report",
        ],
        id="no-comparison-no-advice",
    ),
    pytest.param(
        KEY,
        {"builder_pushes": True},
        [
            "lint",
            "preflight",
            "build",
            "size",
            "scan",
            "baseline",
            "advice",
            "policy",
            "gate",
            f"attach {P}",
            f"sign {P}",
            f"tag {P}",
            "report",
        ],
        id="signed-before-the-tags",
    ),
    pytest.param(
        {**KEY, "attach": "none"},
        {"builder_pushes": True},
        [
            "lint",
            "preflight",
            "build",
            "size",
            "scan",
            "baseline",
            "advice",
            "policy",
            "gate",
            f"sign {P}",
            f"tag {P}",
            "report",
        ],
        id="signed-without-evidence",
    ),
    pytest.param(
        {**KEY, "tag-on-gate-failure": "true"},
        {"builder_pushes": True},
        [
            "lint",
            "preflight",
            "build",
            "tag",
            "size",
            "scan",
            "baseline",
            "advice",
            "policy",
            "gate",
            "attach",
            f"sign {P}",
            "report",
        ],
        id="publish-then-scan-signs-only-what-passed",
    ),
    pytest.param(
        {**KEY, "merge-digests": "sha256:" + "1" * 64},
        {},
        [
            "lint",
            "preflight",
            "merge",
            "size",
            "scan",
            "baseline",
            "advice",
            "policy",
            "gate",
            f"attach {P}",
            f"sign {P}",
            f"tag {P}",
            "report",
        ],
        id="the-merge-job-signs",
    ),
    pytest.param(
        {**KEY, "push-by-digest": "true"},
        {"builder_pushes": True},
        ["preflight", "build", "report"],
        id="a-split-part-signs-nothing",
    ),
    pytest.param(
        {**KEY, "sign": "false"},
        {"builder_pushes": True},
        [
            "lint",
            "preflight",
            "build",
            "size",
            "scan",
            "baseline",
            "advice",
            "policy",
            "gate",
            f"attach {P}",
            f"tag {P}",
            "report",
        ],
        id="sign-false",
    ),
]


@pytest.mark.parametrize(("inputs", "facts", "expected"), ROWS)
def test_the_step_list(inputs: dict[str, str], facts: dict[str, bool], expected: list[str]) -> None:
    assert steps(plan_for(**inputs), **facts) == expected


@pytest.mark.parametrize(("inputs", "facts", "expected"), ROWS)
def test_nothing_is_tagged_before_the_gate_unless_asked(
    inputs: dict[str, str], facts: dict[str, bool], expected: list[str]
) -> None:
    planned = plan_steps(plan_for(**inputs), Facts(**facts))
    order = [p.step for p in planned]
    for p in planned:
        if p.step in (Step.TAG, Step.ATTACH) and p.when is When.ALWAYS:
            assert inputs.get("tag-on-gate-failure") == "true"
        if p.step is Step.TAG and p.when is When.PASSED:
            assert order.index(Step.GATE) < order.index(Step.TAG)
            assert Step.SCAN not in order or order.index(Step.SCAN) < order.index(Step.TAG)
    if Step.ATTACH in order and Step.TAG in order and inputs.get("tag-on-gate-failure") != "true":
        assert order.index(Step.ATTACH) < order.index(Step.TAG)  # a tag shows its evidence
    for p in planned:
        if p.step is Step.SIGN:  # a failed gate signs nothing; a tag shows its signature
            assert p.when is When.PASSED
            assert order.index(Step.GATE) < order.index(Step.SIGN)
            assert (
                Step.TAG not in order
                or inputs.get("tag-on-gate-failure") == "true"
                or (order.index(Step.SIGN) < order.index(Step.TAG))
            )
    assert order[-1] in (Step.REPORT, Step.SAVE)


def test_without_push_nothing_is_reused_pushed_or_tagged() -> None:
    plan = plan_for()
    for facts in (Facts(), Facts(builder_pushes=True), Facts(save=True)):
        order = [p.step for p in plan_steps(plan, facts)]
        assert not {Step.PREFLIGHT, Step.PUSH, Step.TAG, Step.ATTACH, Step.SIZE} & set(order)


def test_a_merge_job_never_builds() -> None:
    plan = replace(plan_for(push="true"), merge_digests=("sha256:" + "2" * 64,))
    for facts in (Facts(), Facts(reused=True), Facts(builder_pushes=True)):
        order = [p.step for p in plan_steps(plan, facts)]
        assert Step.MERGE in order
        assert not {Step.BUILD, Step.REUSE, Step.PUSH} & set(order)


def test_a_bake_target_holds_its_tags_back() -> None:
    """Issue 28: each target is built, scanned, gated, its evidence attached and signed; its
    tags move only once every target passed (slipway.commands.bake), never in its own run."""
    plan = replace(plan_for(**KEY), hold_tags=True)
    for facts in (Facts(), Facts(builder_pushes=True), Facts(reused=True, save=True)):
        planned = plan_steps(plan, facts)
        order = [p.step for p in planned]
        assert Step.TAG not in order
        assert {Step.GATE, Step.ATTACH, Step.SIGN, Step.REPORT} <= set(order)
        assert all(p.when is When.PASSED for p in planned if p.step in (Step.ATTACH, Step.SIGN))
    assert Step.TAG in [p.step for p in plan_steps(replace(plan, hold_tags=False), Facts())]
