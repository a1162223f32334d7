"""Base-image advice: newer tags on the same track as a `FROM` image, ranked by what they
remove from the final image.

Docker Scout's recommendations are complained about for suggesting non-LTS tags and for
false "outdated base" warnings; the point here is *track discipline*. A tag is a version and
a suffix (``3.11.4`` + ``-slim-bookworm``); a candidate keeps the suffix exactly (the variant
and the distribution), keeps the major.minor (or, widened, the major), is newer, and is not a
pre-release. Candidates are then scanned by digest (the scan stage's effect) and ranked by
the findings of the final image that come from the base and that they would remove.

Pure: listing tags, scanning and posting are the stages'; this is which tags, which line,
which order, and the review comment's text. Tags and references come from registries and
Dockerfiles and are untrusted: tags pass the distribution grammar and `parse_track`, lines
are built from validated parts, and the comment escapes everything outside its suggestion.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from slipway.core.severity import Severity
from slipway.dockerfile import Dockerfile, Stage, parse_dockerfile, substitute
from slipway.oci.refs import TAG, check_reference, is_digest, parse_image_name, split_reference
from slipway.report.markdown import code
from slipway.scan.delta import vulnerability_identity
from slipway.scan.findings import PlatformScan, Vulnerability
from slipway.size.limits import format_delta

MAX_COMPONENTS = 4  # version components of a tag on a track: 1.25.3.1 at most
MAX_DIGITS = 9  # per component: a number that big is a date or a build, not a version
MAX_TAG = 128  # distribution's tag length limit
# Anchored, no nested repetition, every repetition bounded: linear whatever the input.
_VERSION = re.compile(
    rf"[0-9]{{1,{MAX_DIGITS}}}(?:\.[0-9]{{1,{MAX_DIGITS}}}){{0,{MAX_COMPONENTS - 1}}}"
)
# $NAME or ${NAME...}, and the modifier after the name (":-" and "-" bring a default)
_VARIABLE = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(:?[-+])?|([A-Za-z_][A-Za-z0-9_]*))")
_MARKER = "slipway-base-advice"
_WORST_FIRST = tuple(sorted(Severity, key=lambda s: s.rank, reverse=True))


class Widen(StrEnum):
    """How far from the current tag a candidate may be."""

    TRACK = "track"  # the same major.minor (the major alone when the tag has one component)
    MINOR = "minor"  # also newer minors of the same major


@dataclass(frozen=True)
class Track:
    """A tag as a version and what follows it: ``3.11.4-slim-bookworm`` is (3, 11, 4) and
    ``-slim-bookworm``."""

    version: tuple[int, ...]
    suffix: str  # the variant and distribution exactly as written; "" for none


def parse_track(tag: str) -> Track | None:
    """The version and suffix of ``tag``; None when it has none (``latest``, ``bookworm``),
    when it is a pre-release (``3.13.0rc1-slim``, ``3.13.0b2``: a letter or digit right
    after the version), when it is not a tag, or when the version has more than
    `MAX_COMPONENTS` components or one of more than `MAX_DIGITS` digits."""
    if len(tag) > MAX_TAG or not TAG.fullmatch(tag):
        return None
    match = _VERSION.match(tag)
    if match is None:
        return None
    suffix = tag[match.end() :]
    if suffix and not suffix.startswith("-"):
        return None  # a pre-release, a fifth component or a longer number
    return Track(tuple(int(part) for part in match.group().split(".")), suffix)


def candidate_tags(
    current: str, tags: Sequence[str], widen: Widen = Widen.TRACK, limit: int = 5
) -> list[str]:
    """The tags of ``tags`` on the track of ``current`` that are newer than it, best first.

    On the track: the same suffix exactly, and the same major.minor (`Widen.TRACK`; the
    major alone when ``current`` has one component) or the same major (`Widen.MINOR`).
    Newer: a greater version, where a tag that extends the current one is newer
    (``3.11`` -> ``3.11.9``) and one it extends is not (``3.11.9`` -> ``3.11``). Ordered by
    version, newest first (so ``3.12.1`` before ``3.12``); at most ``limit``. [] when
    ``current`` has no track."""
    track = parse_track(current)
    if track is None or limit <= 0:
        return []
    keep = min(2 if widen == Widen.TRACK else 1, len(track.version))
    found: dict[str, tuple[int, ...]] = {}
    for tag in tags:
        other = parse_track(tag)
        if (
            other is not None
            and other.suffix == track.suffix
            and other.version[:keep] == track.version[:keep]
            and other.version > track.version
        ):
            found[tag] = other.version
    # Newest first (stable: among equal versions, "3.011" and "3.11", the tag's text decides).
    order = sorted(sorted(found), key=lambda tag: found[tag], reverse=True)
    return order[:limit]


@dataclass(frozen=True)
class BaseImage:
    """One FROM image that reaches the final image."""

    reference: str  # as the FROM line names it, ARGs substituted ("python:3.11-slim-bookworm")
    repository: str  # what the tags are listed from ("docker.io/library/python")
    tag: str  # "3.11-slim-bookworm"; "latest" when none is written; "" when pinned by digest only
    line: int  # the FROM instruction's first line (1-based)
    instruction: str  # the FROM instruction as written (flags, alias), on one line
    end_line: int = 0  # its last line when it continues over several; 0: `line`

    @property
    def pinned(self) -> bool:
        """True when the FROM line pins the image by digest."""
        return "@" in self.reference

    @property
    def spans_lines(self) -> bool:
        """True when the FROM instruction continues over more than one line."""
        return self.end_line > self.line


def final_bases(
    dockerfile: Dockerfile, build_args: Mapping[str, str] | None = None
) -> list[BaseImage]:
    """The FROM image the final stage is built on: the final stage's FROM followed through
    stage names (``FROM builder`` -> the builder stage's FROM; names in any case, as
    BuildKit matches them) to an image. Build a ``--target`` through
    `slipway.dockerfile.for_target` first. ``scratch`` is no image. A reference written
    with ARGs is resolved from the ARGs declared before the first FROM (their defaults,
    ``build_args`` overriding them), and left out when one of its ARGs has no value (nor a
    ``${NAME:-default}``) or the result is not a valid reference. A list: empty when the
    final image is built on no image."""
    stage = dockerfile.final_stage
    if stage is None:
        return []
    while below := _stage_named(dockerfile, stage):
        stage = below
    instruction = next(
        (i for i in dockerfile.instructions if i.keyword == "FROM" and i.stage == stage.index),
        None,
    )
    words = instruction.body.split() if instruction is not None else []
    if instruction is None or not words:
        return []
    written = words[0]
    args = _global_args(dockerfile)
    args |= {k: v for k, v in (build_args or {}).items() if k in args}  # declared ones only
    if any(_unresolved(match, args) for match in _VARIABLE.finditer(written)):
        return []  # a per-platform ARG (TARGETARCH), or one without a value
    reference = substitute(written, args)
    if reference.lower() == "scratch" or dockerfile.is_stage_name(reference):
        return []  # no image, or a stage named through an ARG: not followed
    try:
        name, tag, digest = split_reference(check_reference(reference))
        repository = str(parse_image_name(name))
    except ValueError:
        return []  # not an image reference
    return [
        BaseImage(
            reference,
            repository,
            tag if tag or digest else "latest",
            instruction.line,
            f"FROM {instruction.args}",
            instruction.end_line,
        )
    ]


def _stage_named(dockerfile: Dockerfile, stage: Stage) -> Stage | None:
    """The earlier stage ``stage`` is built FROM, if it names one."""
    base = stage.base.lower()
    return (
        next((s for s in dockerfile.stages[: stage.index] if s.name.lower() == base), None)
        if base
        else None
    )


def _global_args(dockerfile: Dockerfile) -> dict[str, str]:
    """The ARGs declared before the first FROM with their defaults, read as the model reads
    them for the stages' bases (an ARG without a default is declared and empty)."""
    found: dict[str, str] = {}
    for instruction in dockerfile.instructions:
        if instruction.keyword == "ARG" and instruction.stage == -1:
            name, _, default = instruction.args.partition("=")
            found[name.strip()] = default.strip().strip('"')
    return found


def _unresolved(variable: re.Match[str], args: Mapping[str, str]) -> bool:
    """True when a ``$NAME`` / ``${NAME...}`` has no value: not declared and no default."""
    name = variable.group(1) or variable.group(3)
    return name not in args and variable.group(2) not in ("-", ":-")


def from_line(base: BaseImage, tag: str, digest: str = "") -> str:
    """The FROM line to use: ``base.instruction`` with only the image reference changed to
    ``name:tag`` (flags and ``AS alias`` kept byte for byte), and to ``name:tag@digest``
    when ``digest`` is given. A reference written with ARGs is replaced whole by the
    resolved name. ValueError when ``tag`` or ``digest`` is not one, when the base is
    pinned by digest and no ``digest`` is given (the old digest would win over the new
    tag), or when ``base.instruction`` is not one FROM instruction."""
    if not TAG.fullmatch(tag):
        raise ValueError(f"{tag[:60]!r} is not a tag")
    if digest and not is_digest(digest):
        raise ValueError(f"{digest[:80]!r} is not a digest")
    if base.pinned and not digest:
        raise ValueError(f"{base.reference} is pinned by digest: give the new tag's digest")
    text = base.instruction
    parsed = parse_dockerfile(text).instructions
    body = parsed[0].body if len(parsed) == 1 and parsed[0].keyword == "FROM" else ""
    if not body or "\n" in text or not text.rstrip().endswith(body):
        raise ValueError(f"{text[:80]!r} is not one FROM instruction")
    head = text[: len(text.rstrip()) - len(body)]
    rest = body[len(body.split()[0]) :] + text[len(text.rstrip()) :]
    name = split_reference(base.reference)[0]
    return f"{head}{name}:{tag}{'@' + digest if digest else ''}{rest}"


@dataclass(frozen=True)
class Option:
    """A candidate tag and what changing to it would change."""

    tag: str
    reference: str  # repository:tag
    digest: str
    removes: Counter[Severity]  # the final image's findings from the base that it lacks
    adds: Counter[Severity]  # its findings that the current base lacks
    size_delta: int  # its compressed size minus the current base's (bytes)
    line: str  # the FROM line to use (`from_line`)


@dataclass(frozen=True)
class Advice:
    """The advice for one base image."""

    base: BaseImage
    current_digest: str
    options: tuple[Option, ...]  # ranked, best first; only options that remove more than they add
    note: str = ""  # why there is no advice, or what was left out (budget, errors), said plainly


def rank(  # noqa: PLR0917 (the agreed signature: six positional inputs)
    base: BaseImage,
    final: PlatformScan,
    current: PlatformScan,
    candidates: Sequence[tuple[str, str, PlatformScan, int]],
    current_size: int,
    severities: Sequence[Severity],
    *,
    digest_pinned: bool = False,
    limit: int = 3,
) -> tuple[Option, ...]:
    """The candidates (tag, digest, scan, compressed size) as options, best first.

    A vulnerability is its (ID, package); the final image's findings *from the base* are
    those of ``final`` that the ``current`` base also has. An option removes those the
    candidate lacks and adds the candidate's that the current base lacks, each identity
    once, at ``severities`` only. Best: removes the most at the worst severity (one
    CRITICAL outweighs any number of HIGH), then adds the fewest (the same way), then the
    smallest size change, then the newest tag. Kept: options that remove more than they
    add (at the worst severity where the two differ), at most ``limit``. The line pins
    the digest when the base is pinned or ``digest_pinned``; a candidate whose tag or
    digest is not valid is left out. ValueError (`from_line`'s) when ``base.instruction`` is
    not one FROM instruction."""
    shown = set(severities)
    base_ids = {vulnerability_identity(v) for v in current.vulnerabilities}
    from_base = _severities(
        v for v in final.vulnerabilities if vulnerability_identity(v) in base_ids
    )
    pin = digest_pinned or base.pinned
    options: list[Option] = []
    for tag, digest, scan, size in candidates:
        if parse_track(tag) is None or (pin and not is_digest(digest)):
            continue
        theirs = _severities(scan.vulnerabilities)
        removes = Counter(s for key, s in from_base.items() if key not in theirs and s in shown)
        adds = Counter(s for key, s in theirs.items() if key not in base_ids and s in shown)
        if _worst_first(removes) <= _worst_first(adds):
            continue  # no net gain
        line = from_line(base, tag, digest if pin else "")
        reference = f"{base.repository}:{tag}"
        options.append(Option(tag, reference, digest, removes, adds, size - current_size, line))
    options.sort(key=lambda o: _newness(o.tag), reverse=True)  # the last key first: stable sorts
    options.sort(
        key=lambda o: (
            tuple(-n for n in _worst_first(o.removes)),
            _worst_first(o.adds),
            o.size_delta,
        )
    )
    return tuple(options[: max(limit, 0)])


def _severities(vulnerabilities: Iterable[Vulnerability]) -> dict[tuple[str, str], Severity]:
    """Each vulnerability identity once (the first found) with its severity."""
    found: dict[tuple[str, str], Severity] = {}
    for v in vulnerabilities:
        found.setdefault(vulnerability_identity(v), v.severity)
    return found


def _worst_first(counts: Counter[Severity]) -> tuple[int, ...]:
    return tuple(counts[s] for s in _WORST_FIRST)


def _newness(tag: str) -> tuple[tuple[int, ...], str]:
    track = parse_track(tag)
    return (track.version if track else (), tag)


def review_marker(base_digest: str) -> str:
    """The hidden marker that finds Slipway's review comment on a base again: the base's
    digest when it is one (anything else is left out: it would end the comment)."""
    digest = f" {base_digest}" if is_digest(base_digest) else ""
    return f"<!-- {_MARKER}{digest} -->"


def review_body(advice: Advice) -> str:
    """The review comment on the FROM line: one sentence (what the best option removes,
    adds and changes in size), a ``suggestion`` block holding exactly its line, then the
    marker. "" when there is no option, when the FROM instruction spans several lines
    (a one-line suggestion would not replace it), or when the line holds a backtick, a
    line break or a control or format character (it could end the block or hide text)."""
    if not advice.options:
        return ""
    best = advice.options[0]
    if advice.base.spans_lines or not _suggestible(best.line):
        return ""
    sentence = (
        f"Slipway: {code(best.tag)}, on the same track as {code(advice.base.reference)}, "
        f"removes {counts_text(best.removes)} of the findings the final image has from it, "
        f"adds {counts_text(best.adds)} and changes the size by {format_delta(best.size_delta)}."
    )
    return (
        f"{sentence}\n\n```suggestion\n{best.line}\n```\n\n{review_marker(advice.current_digest)}\n"
    )


def counts_text(counts: Counter[Severity]) -> str:
    """``2 CRITICAL, 1 HIGH``: the counts, worst first; ``none`` when empty."""
    parts = [f"{counts[s]} {s}" for s in _WORST_FIRST if counts[s]]
    return ", ".join(parts) or "none"


def _suggestible(line: str) -> bool:
    return (
        bool(line)
        and "`" not in line
        and not any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") for c in line)
    )
