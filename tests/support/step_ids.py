"""``GITHUB_ACTION`` as GitHub's runner derives it: each step's context name within its job.

The spec is actions/runner (read at 258d6c8, 2026-08-17):

* ``Runner.Worker/StepsRunner.cs`` sets ``github.action`` (hence ``GITHUB_ACTION``) to the
  step's name, which the workflow parser made (``Sdk/WorkflowParser/Conversion/
  WorkflowTemplateConverter.cs`` ``ConvertToSteps``): the step's ``id`` when it has one, else a
  default from what it ``uses``: the image after ``docker://``, ``self`` for ``./`` (or
  ``.\\``), ``selfRepository`` for ``$/path``, ``owner/repo`` for ``owner/repo[/path]@ref``,
  and ``run`` for a script (or anything else), prefixed ``__``.
* ``Sdk/WorkflowParser/Conversion/IdBuilder.cs`` makes a default safe and unique: every
  character outside ``[A-Za-z0-9_-]`` becomes ``_`` (per UTF-16 unit), the name is cut to 100
  characters, and a name already taken in the job (compared case-insensitively, explicit ids
  included) gets ``_2``, ``_3``, ... (cut so the whole stays within 100).
* ``TryAddKnownId`` refuses an explicit ``id`` that is not ``[A-Za-z_][A-Za-z0-9_-]*`` under
  100 characters, that starts with ``__`` (reserved for the defaults) or that the job already
  has; the step conversion refuses a ``uses`` that is none of the forms above.
* ``Runner.Worker/ActionRunner.cs`` sets ``github.action_repository`` and
  ``github.action_ref`` (``GITHUB_ACTION_REPOSITORY``/``_REF``) for an action from a
  repository, and empties both otherwise (``./``, ``$/``, ``docker://``, scripts).

Explicit ids never start with ``__`` and defaults always do, so assigning names step by step
(as :class:`StepIds` does) gives what the parser's two passes give.
"""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_NAME_LENGTH = 100  # WorkflowConstants.MaxNodeNameLength
DOCKER_PREFIX = "docker://"
SELF_REPOSITORY_PREFIX = "$/"  # PipelineConstants.SelfRepositoryPrefix

INVALID_ID = (
    "The identifier '{value}' is invalid. IDs may only contain alphanumeric characters, '_', "
    "and '-'. IDs must start with a letter or '_' and must be less than 100 characters."
)
RESERVED_ID = "The identifier '{value}' is invalid. IDs starting with '__' are reserved."
DUPLICATE_ID = "The identifier '{value}' may not be used more than once within the same scope."
BAD_USES = "Expected format {{org}}/{{repo}}[/path]@ref. Actual '{uses}'"


class StepIdError(ValueError):
    """A step the runner's workflow parser would refuse (bad ``id`` or ``uses``)."""


@dataclass(frozen=True)
class ActionReference:
    """How a step names what it runs: ``GITHUB_ACTION_REPOSITORY`` and ``GITHUB_ACTION_REF``
    ("" for ``./``, ``$/``, ``docker://`` and scripts)."""

    repository: str = ""
    ref: str = ""


def _repository_parts(uses: str) -> tuple[str, str, str] | None:
    """``(owner, repo, ref)`` of ``owner/repo[/path]@ref``; None when ``uses`` is not that."""
    halves = uses.split("@")
    segments = [s for s in halves[0].replace("\\", "/").split("/") if s]
    if len(halves) != 2 or len(segments) < 2 or not halves[1]:
        return None
    return segments[0], segments[1], halves[1]


def _self_repository_path(uses: str) -> str:
    """``PipelineConstants.TryParseSelfRepository``: the path after ``$/`` ("" when none)."""
    if not uses.startswith(SELF_REPOSITORY_PREFIX):
        return ""
    return uses[len(SELF_REPOSITORY_PREFIX) :].lstrip("/")


def check_uses(uses: str) -> None:
    """Refuse a ``uses`` the workflow parser refuses (``PipelineTemplateConverter``)."""
    if uses.startswith((DOCKER_PREFIX, "./", ".\\")) or _self_repository_path(uses):
        return
    if _repository_parts(uses) is None:
        raise StepIdError(BAD_USES.format(uses=uses))


def action_reference(uses: str | None) -> ActionReference:
    """What ``ActionRunner`` puts in ``github.action_repository`` and ``action_ref``."""
    if uses is None or uses.startswith((DOCKER_PREFIX, "./", ".\\")):
        return ActionReference()
    if _self_repository_path(uses):
        return ActionReference()  # selfRepository: a reference without a Name
    parts = _repository_parts(uses)
    if parts is None:
        raise StepIdError(BAD_USES.format(uses=uses))
    owner, repo, ref = parts
    return ActionReference(f"{owner}/{repo}", ref)


def default_name(uses: str | None) -> str:
    """The name ``ConvertToSteps`` starts from for a step without ``id`` (before ``__``)."""
    if uses is None:
        return "run"
    if uses.startswith(DOCKER_PREFIX):
        name = uses[len(DOCKER_PREFIX) :]
    elif uses.startswith(("./", ".\\")):
        name = "self"
    elif _self_repository_path(uses):
        name = "selfRepository"
    else:
        parts = _repository_parts(uses)
        name = f"{parts[0]}/{parts[1]}" if parts else ""
    return name or "run"


def _sanitize(value: str) -> str:
    """``IdBuilder.AppendSegment`` for a value starting with ``_``: each UTF-16 unit outside
    ``[A-Za-z0-9_-]`` becomes ``_``."""
    kept = []
    for char in value:
        if char.isascii() and (char.isalnum() or char in "_-"):
            kept.append(char)
        else:
            kept.append("_" * (len(char.encode("utf-16-le")) // 2))
    return "".join(kept)


def _valid_id(value: str) -> bool:
    """``IdBuilder.IsValid``: letters and ``_`` anywhere, digits and ``-`` after the first."""
    return bool(value) and all(
        (c.isascii() and c.isalpha())
        or c == "_"
        or (index > 0 and ((c.isascii() and c.isdigit()) or c == "-"))
        for index, c in enumerate(value)
    )


@dataclass
class StepIds:
    """The names the steps of one job get, in step order (one :class:`StepIds` per job)."""

    _taken: set[str] = field(default_factory=set)  # upper-cased: OrdinalIgnoreCase

    def add(self, uses: str | None = None, step_id: str | None = None) -> str:
        """The next step's ``GITHUB_ACTION``: its ``step_id`` if given, else the default for
        what it ``uses`` (None: a ``run:`` script). Raises StepIdError where the parser would."""
        if uses is not None:
            check_uses(uses)
        if step_id:
            return self._add_known(step_id)
        return self._build(_sanitize(f"__{default_name(uses)}"))

    def _add_known(self, value: str) -> str:
        """``IdBuilder.TryAddKnownId``."""
        if not _valid_id(value) or len(value) >= MAX_NAME_LENGTH:
            raise StepIdError(INVALID_ID.format(value=value))
        if value.startswith("__"):
            raise StepIdError(RESERVED_ID.format(value=value))
        if value.upper() in self._taken:
            raise StepIdError(DUPLICATE_ID.format(value=value))
        self._taken.add(value.upper())
        return value

    def _build(self, original: str) -> str:
        """``IdBuilder.Build(allowReservedPrefix: true)``: cut to 100, then ``_2``, ``_3``..."""
        for attempt in range(1, 1000):
            suffix = "" if attempt == 1 else f"_{attempt}"
            candidate = original[: MAX_NAME_LENGTH - len(suffix)] + suffix
            if candidate.upper() not in self._taken:
                self._taken.add(candidate.upper())
                return candidate
        raise StepIdError("Unable to create a unique name")
