"""Which steps a run takes, and in what order, decided before any of them runs (pure).

`plan_steps` turns the plan and what is known before the first step (`Facts`: what was
restored from the cache service, which builder the run uses) into a tuple of `Planned` steps;
`slipway.commands.run` carries them out in a loop. The order is the product's promise: nothing is
tagged before the scan and the policy have passed the gate (unless `tag-on-gate-failure`), the
evidence is attached and signed before the tags move (a failed gate signs nothing), the report is written whatever the verdict, and
what the next job can reuse is saved last.

Restoring from the cache service comes before this list, because the list depends on it: an
identical build that was pushed before is reused instead of built.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, StrEnum

from slipway.core.plan import Plan


class Step(StrEnum):
    """One step of a run (each is one function of `slipway.commands.run.STAGES`)."""

    LINT = "lint"  # the Dockerfile checks, started alongside the build (they need no image)
    PREFLIGHT = "preflight"  # the credentials may push to every image, proven before building
    BUILD = "build"  # a builder, then buildx build (a builder of Slipway's own pushes by digest)
    REUSE = "reuse"  # an identical build was pushed before: its index, read from the registry
    MERGE = "merge"  # one index from the digests of a split build's parts
    PUSH = "push"  # the OCI layout's blobs, manifests and index, by digest
    SIZE = "size"  # the pushed image's sizes, streamed from the registry alongside the scan
    SCAN = "scan"  # Trivy on every platform, by digest
    BASELINE = "baseline"  # the published image the change is compared with, and its findings
    ADVICE = "advice"  # newer base images on the same track, scanned and ranked
    POLICY = "policy"  # the Dockerfile and image-config checks, and the size gates
    GATE = "gate"  # SARIF written, and the verdict: which findings break `fail-on`
    ATTACH = "attach"  # the evidence (scan report, SBOMs) as referrers of the image
    SIGN = "sign"  # the image, the verdict, SBOMs and provenance signed, as referrers too
    TAG = "tag"  # every tag of every image pointed at the scanned index
    REPORT = "report"  # summary, outputs, annotations, comment, check run, SARIF upload
    SAVE = "save"  # what the next job can reuse, into the cache service


class When(Enum):
    """The condition a step runs under."""

    ALWAYS = "always"
    PASSED = "passed"  # only when the gate passed


@dataclass(frozen=True)
class Planned:
    """A step and the condition it runs under."""

    step: Step
    when: When = When.ALWAYS

    def __str__(self) -> str:
        return self.step.value if self.when is When.ALWAYS else f"{self.step.value} (if passed)"


@dataclass(frozen=True)
class Facts:
    """What is known before the first step runs."""

    reused: bool = False  # this exact build was pushed before and the registry still serves it
    builder_pushes: bool = False  # the builder Slipway creates for the run pushes by digest
    save: bool = False  # there is a cache service to save into
    dockerfile: bool = True  # a Dockerfile to check here (not for a remote context)


def plan_steps(plan: Plan, facts: Facts) -> tuple[Planned, ...]:
    """The run's steps, in order (see the module's text)."""
    if plan.split_part:  # one part of a split build: pushed by digest, scanned by the merge job
        return (
            *_image(plan, facts),
            Planned(Step.REPORT),
            *((Planned(Step.SAVE),) if facts.save else ()),
        )
    early = plan.push and plan.tag_on_gate_failure  # opt-in: publish, then scan
    steps = [*((Planned(Step.LINT),) if facts.dockerfile else ()), *_image(plan, facts)]
    if early:
        steps.append(Planned(Step.TAG))
    if plan.push:
        steps.append(Planned(Step.SIZE))
    if plan.scan.enabled:
        steps.append(Planned(Step.SCAN))
        if plan.scan.baseline != "none":
            steps.append(Planned(Step.BASELINE))
        if plan.scan.base_advice != "none" and facts.dockerfile:
            steps.append(Planned(Step.ADVICE))
    steps += [Planned(Step.POLICY), Planned(Step.GATE)]
    if plan.push and plan.attach:  # before the tags: a tag shows its evidence at once
        steps.append(Planned(Step.ATTACH, When.ALWAYS if early else When.PASSED))
    if plan.sign.enabled:  # only what passed; before the tags: a tag shows its signature
        steps.append(Planned(Step.SIGN, When.PASSED))
    if plan.push and not early and not plan.hold_tags:  # bake: moved once all targets passed
        steps.append(Planned(Step.TAG, When.PASSED))
    steps.append(Planned(Step.REPORT))
    if facts.save:
        steps.append(Planned(Step.SAVE))
    return tuple(steps)


def _image(plan: Plan, facts: Facts) -> list[Planned]:
    """The steps that put the image in the registry (or the OCI layout, without `push`)."""
    steps = [Planned(Step.PREFLIGHT)] if plan.push else []
    if plan.merge_digests:
        return [*steps, Planned(Step.MERGE)]
    if facts.reused:
        return [*steps, Planned(Step.REUSE)]
    steps.append(Planned(Step.BUILD))
    if plan.push and not facts.builder_pushes:
        steps.append(Planned(Step.PUSH))
    return steps
