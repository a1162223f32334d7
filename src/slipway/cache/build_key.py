"""The key of everything that decides the image a build makes (pure).

When a build with the same key was pushed before and the registry still serves its index,
a run reuses it: no builder, no build (`slipway.core.steps`, Step.REUSE). So the key must change
whenever the image could differ. It holds:

* the build context as the build sees it (after `.dockerignore`: `slipway.tools.context_digest`),
  but for ``.git`` (two checkouts of one commit differ there; the commit is in the labels), and
  every local named build context;
* the Dockerfile's text, the target, the platforms;
* every build arg, label and annotation, apart from the creation time (a re-run of a commit
  makes the same image with a newer date), and the provenance/SBOM/attestation settings;
* the ids of build secrets and SSH agents (not their values: a changed secret value does not
  rebuild, as BuildKit's own cache does not);
* the digest each image the build pulls is at now: every ``FROM``, ``COPY --from``,
  ``RUN --mount=from=`` image and the ``# syntax=`` frontend (a moved tag rebuilds, as BuildKit
  would resolve it again);
* the builder's configuration (driver, BuildKit image, driver options, flags).

What it cannot know makes the run build (`unkeyed` says why): a remote context (a Git or HTTP
URL), a named context that is a URL or an OCI layout, ``ADD`` of a URL without ``--checksum``,
a ``FROM`` whose image depends on an argument it cannot resolve, `no-cache`,
`no-cache-filters`, `load` and `outputs` (they need the builder anyway). What it does not
hold, as BuildKit's cache does not: what a ``RUN`` step fetches from the network.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from slipway.core.plan import Plan
from slipway.dockerfile import Dockerfile
from slipway.dockerfile.model import substitute

VERSION = 1
CREATED_LABEL = "org.opencontainers.image.created"
CREATED_ARG = "org_oci_created"
_URL = re.compile(r"^(?:https?://|git@|git://)", re.IGNORECASE)
_ARG = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(?:=(\"[^\"]*\"|'[^']*'|\S*))?")
_SYNTAX = re.compile(r"^#\s*syntax\s*=\s*(\S+)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Pulled:
    """The images a build pulls (to be resolved to digests), or why it cannot be keyed."""

    images: tuple[str, ...] = ()
    unkeyed: str = ""


def unkeyed(plan: Plan) -> str:
    """Why no build of this plan can be reused ("" when one can)."""
    options = plan.build
    reasons = [
        (not plan.push, "nothing is pushed"),
        (_URL.match(plan.context) is not None or plan.context == "-", "the context is remote"),
        (options.no_cache, "no-cache asks for a fresh build"),
        (bool(options.no_cache_filters), "no-cache-filters asks for fresh stages"),
        (options.load, "load needs the builder"),
        (bool(options.outputs), "outputs need the builder"),
        (bool(options.builder), "a builder of your own may hold state the key cannot see"),
    ]
    named = [path for _, path in options.build_contexts if not _is_local(path)]
    reasons.append((bool(named), "a named build context is not a local folder or an image"))
    return next((why for bad, why in reasons if bad), "")


def _is_local(value: str) -> bool:
    return "://" not in value or value.startswith("docker-image://")


def pulled_images(dockerfile: Dockerfile, text: str, build_args: Mapping[str, str]) -> Pulled:
    """Every image the build pulls: FROM (with global ARGs, overridden by build args),
    COPY/ADD --from and RUN --mount from= that name no stage, and the # syntax= frontend."""
    args = _global_args(dockerfile)
    args.update({k: v for k, v in build_args.items() if k in args})
    images: list[str] = []
    first = text.lstrip("\ufeff").splitlines()[:1]
    syntax = _SYNTAX.match(first[0]) if first else None
    if syntax:
        images.append(syntax.group(1))
    for instruction in dockerfile.instructions:
        if instruction.keyword == "FROM":
            words = instruction.body.split()
            base = substitute(words[0], args) if words else ""
            if not base or "$" in base:
                return Pulled(unkeyed=f"FROM {instruction.args[:80]} cannot be resolved")
            if base.lower() != "scratch" and not _earlier_stage(
                dockerfile, base, instruction.stage
            ):
                images.append(base)
        sources = [v for k, v in instruction.flags if k == "from"]
        for key, value in instruction.flags:
            mounted = re.search(r"(?:^|,)from=([^,]+)", value) if key == "mount" else None
            if mounted:
                sources.append(mounted.group(1))
        for raw in sources:
            source = substitute(raw, args)
            if not _earlier_stage(dockerfile, source, instruction.stage):
                images.append(source)
        remote = any(_URL.match(word) for word in instruction.body.split())
        if instruction.keyword == "ADD" and instruction.flag("checksum") is None and remote:
            return Pulled(unkeyed="ADD of a URL without --checksum")
    return Pulled(tuple(dict.fromkeys(images)))


def _global_args(dockerfile: Dockerfile) -> dict[str, str]:
    found: dict[str, str] = {}
    for instruction in dockerfile.instructions:
        if instruction.keyword == "ARG" and instruction.stage == -1:
            for match in _ARG.finditer(instruction.args):
                found[match.group(1)] = (match.group(2) or "").strip("\"'")
    return found


def _earlier_stage(dockerfile: Dockerfile, name: str, before: int) -> bool:
    """True when ``name`` is a stage before stage ``before`` (by name, or by index)."""
    if name.isascii() and name.isdigit():
        return int(name) < before
    return any(
        s.index < before and s.name and s.name.lower() == name.lower() for s in dockerfile.stages
    )


def build_key(
    plan: Plan,
    *,
    dockerfile_text: str,
    context_digest: str,
    named_contexts: Mapping[str, str],
    resolved: Mapping[str, str],
    builder: Sequence[str],
) -> str:
    """The key (sha256 hex) of the build ``plan`` describes; ``resolved`` maps each pulled
    image to its digest, ``named_contexts`` each named context to its digest, ``builder`` is
    the builder's configuration."""
    options = plan.build
    material = {
        "v": VERSION,
        "context": context_digest,
        "named": sorted(named_contexts.items()),
        "dockerfile": hashlib.sha256(dockerfile_text.encode()).hexdigest(),
        "target": options.target,
        "platforms": [str(p) for p in plan.platforms],
        "build_args": sorted(
            [(k, v) for k, v in plan.build_args.items() if k != CREATED_ARG]
            + [(k, v) for k, v in options.build_args if k != CREATED_ARG]
        ),
        "labels": sorted((k, v) for k, v in plan.labels.items() if k != CREATED_LABEL),
        "annotations": sorted(a for a in plan.annotations if CREATED_LABEL not in a),
        "attest": [plan.provenance, options.sbom, *options.attests]
        # as referrers, the index differs (the keys of `index` runs stay what they were)
        + ([options.attestation_storage] if options.attestation_storage != "index" else []),
        "secrets": sorted(
            [sid for sid, _ in options.secrets] + [sid for sid, _ in options.secret_files]
        ),
        "ssh": sorted(entry.split("=", 1)[0] for entry in options.ssh),
        "pulled": sorted(resolved.items()),
        "builder": list(builder),
        "build": [
            options.network,
            options.shm_size,
            *options.ulimit,
            *options.add_hosts,
            *options.allow,
            options.cgroup_parent,
        ],
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()
