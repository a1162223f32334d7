"""Tag rules -> the version, its partial tags and whether ``latest`` applies.

The rule semantics are docker/metadata-action's (src/meta.ts ``getVersion``): rules run
in priority order; the first tag produced is the version (``main``), later distinct
ones are partials; the first rule that produces a tag decides ``latest``. Tags are
sanitised as metadata-action does (runs of characters outside ``[A-Za-z0-9._-]``
become ``-``), then Slipway fixes what a registry would refuse: a leading ``.``/``-``
is dropped and a tag longer than 128 characters keeps a prefix plus a short hash.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from slipway.errors import InputError
from slipway.meta import handlebars, pep440, semver
from slipway.meta.expressions import RunFacts, short_sha
from slipway.meta.handlebars import Helper, TemplateError
from slipway.meta.jsregex import JsRegexError, compile_js, compile_pattern
from slipway.meta.rules import Flavor, RefEvent, TagRule, TagType

__all__ = ["Version", "compute_version", "fix_tag"]

MAX_TAG_LENGTH = 128
HASH_LENGTH = 8
_UNSAFE = re.compile(r"[^a-zA-Z0-9._-]+")

NOT_SEMVER = "{value} is not a valid semver. More info: https://semver.org/"
NOT_PEP440 = "{value} does not conform to PEP 440. More info: https://peps.python.org/pep-0440/"
NO_MATCH = "{pattern} does not match {value}."
NO_GROUP = "Group {group} does not exist for {pattern} pattern."
BAD_ENABLE = "enable={value!r} in {entry!r} must render to true or false"
BAD_TEMPLATE = "{entry!r}: {error}"
BAD_REGEX = "{entry!r}: {error}"
MATCH_NEEDS_GROUP = "{entry!r}: match={pattern!r} needs a capture group (the version is group 1)"


@dataclass
class Version:
    """metadata-action's ``Version``: the main tag, the partial tags and ``latest``."""

    main: str | None = None
    partial: list[str] = field(default_factory=list)
    latest: bool | None = None
    latest_source: str = ""  # the raw version that decided ``latest`` (for latest=highest)
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Engine:
    """What the rules are evaluated against."""

    facts: RunFacts
    flavor: Flavor
    scope: dict[str, Helper]
    default_branch: str
    short_sha_length: int

    def expand(self, template: str, rule: TagRule) -> str:
        """Render a global expression for ``rule`` (errors name the ``tags`` entry)."""
        return self.render(template, self.scope, rule)

    def render(self, template: str, scope: handlebars.Scope, rule: TagRule) -> str:
        """Render ``template`` against ``scope``."""
        try:
            return handlebars.render(template, scope)
        except TemplateError as error:
            raise InputError("tags", BAD_TEMPLATE.format(entry=rule.entry, error=error)) from None

    def auto(self, default: bool) -> bool:
        """``latest`` for a rule whose auto value is ``default``."""
        return (
            default if self.flavor.latest in ("auto", "highest") else self.flavor.latest == "true"
        )


def fix_tag(tag: str) -> str:
    """Slipway's repair of a sanitised tag: no leading ``.``/``-``; at most 128 characters."""
    tag = tag.lstrip(".-")
    if len(tag) <= MAX_TAG_LENGTH:
        return tag
    digest = hashlib.sha256(tag.encode()).hexdigest()[:HASH_LENGTH]
    return f"{tag[: MAX_TAG_LENGTH - HASH_LENGTH - 1]}-{digest}"


def clean_tag(value: str) -> str:
    """metadata-action's sanitising, then `fix_tag`."""
    return fix_tag(_UNSAFE.sub("-", value))


def _set_value(engine: Engine, value: str, rule: TagRule) -> str:
    """Add the rule's (or else the flavor's) prefix and suffix."""
    if "prefix" in rule.attrs:
        value = engine.expand(rule.attrs["prefix"], rule) + value
    elif engine.flavor.prefix:
        value = engine.expand(engine.flavor.prefix, rule) + value
    if "suffix" in rule.attrs:
        value += engine.expand(rule.attrs["suffix"], rule)
    elif engine.flavor.suffix:
        value += engine.expand(engine.flavor.suffix, rule)
    return value


def _add(version: Version, value: str, latest: bool, source: str) -> None:
    if not value:
        return
    tag = clean_tag(value)
    if not tag:
        return
    if version.main is None:
        version.main = tag
    elif tag != version.main:
        version.partial.append(tag)
    if version.latest is None:
        version.latest, version.latest_source = latest, source


def _ref_value(engine: Engine, prefix: str) -> str | None:
    ref = engine.facts.ref
    return ref.removeprefix(prefix) if ref.startswith(prefix) else None


def _version_input(engine: Engine, rule: TagRule) -> str | None:
    """The text a semver/pep440/match rule reads: ``value`` or the pushed tag."""
    if rule.get("value"):
        return engine.expand(rule.get("value"), rule)
    return _ref_value(engine, "refs/tags/")


def _apply_match(engine: Engine, rule: TagRule, raw: str, version: Version) -> str:
    """v6's ``match`` attribute of semver/pep440: keep capture group 1 when it matches."""
    pattern = rule.get("match")
    if not pattern:
        return raw
    try:
        found = compile_js(pattern).match(raw)
    except JsRegexError as error:
        raise InputError("tags", BAD_REGEX.format(entry=rule.entry, error=error)) from None
    if found is None:
        version.warnings.append(NO_MATCH.format(pattern=pattern, value=raw))
        return raw
    if len(found) < 2 or found[1] is None:
        message = MATCH_NEEDS_GROUP.format(entry=rule.entry, pattern=pattern)
        raise InputError("tags", message)
    return found[1]


def _semver(engine: Engine, rule: TagRule, version: Version) -> None:
    raw = _version_input(engine, rule)
    if raw is None:
        return
    raw = _apply_match(engine, rule, raw, version).replace("/", "-")
    parsed = semver.parse(raw)
    if parsed is None:
        version.warnings.append(NOT_SEMVER.format(value=raw))
        return
    scope: handlebars.Scope = {
        "raw": parsed.raw,
        "version": parsed.version,
        "major": parsed.major,
        "minor": parsed.minor,
        "patch": parsed.patch,
        "build": list(parsed.build),
        "prerelease": list(parsed.prerelease),
    }
    pattern = rule.get("pattern")
    if parsed.prerelease:
        if rule.get("prerelease") == "false":
            return
        if not handlebars.is_raw_statement(pattern):
            pattern = "{{version}}"
    value = engine.render(pattern, scope, rule)
    _add(version, _set_value(engine, value, rule), engine.auto(not parsed.prerelease), raw)


def _pep440(engine: Engine, rule: TagRule, version: Version) -> None:
    raw = _version_input(engine, rule)
    if raw is None:
        return
    raw = _apply_match(engine, rule, raw, version).replace("/", "-")
    parsed = pep440.parse(raw)
    if parsed is None:
        version.warnings.append(NOT_PEP440.format(value=raw))
        return
    if parsed.is_special:
        if rule.get("prerelease") == "false" and parsed.is_prerelease:
            return
        raw_pattern = handlebars.is_raw_statement(rule.get("pattern"))
        value = raw if raw_pattern else parsed.clean()
    else:
        scope: handlebars.Scope = {
            "raw": raw,
            "version": parsed.clean(),
            "major": parsed.segment(0),
            "minor": parsed.segment(1),
            "patch": parsed.segment(2),
        }
        value = engine.render(rule.get("pattern"), scope, rule)
    _add(version, _set_value(engine, value, rule), engine.auto(not parsed.is_special), raw)


def _match(engine: Engine, rule: TagRule, version: Version) -> None:
    raw = _version_input(engine, rule)
    if raw is None:
        return
    pattern, group = rule.get("pattern"), rule.get("group")
    try:
        found = compile_pattern(pattern).match(raw)
    except JsRegexError as error:
        raise InputError("tags", BAD_REGEX.format(entry=rule.entry, error=error)) from None
    if found is None:
        version.warnings.append(NO_MATCH.format(pattern=pattern, value=raw))
        return
    index = int(group) if re.fullmatch(r"0|[1-9][0-9]{0,8}", group) else len(found)
    if index >= len(found) or found[index] is None:
        version.warnings.append(NO_GROUP.format(group=group, pattern=pattern))
        return
    _add(version, _set_value(engine, str(found[index]), rule), engine.auto(True), raw)


def _ref(engine: Engine, rule: TagRule, version: Version) -> None:
    event = rule.get("event")
    if event == RefEvent.BRANCH:
        value, auto = _ref_value(engine, "refs/heads/"), False
    elif event == RefEvent.TAG:
        value, auto = _ref_value(engine, "refs/tags/"), True
    else:
        pull = _ref_value(engine, "refs/pull/")
        value, auto = (pull.removesuffix("/merge") if pull is not None else None), False
    if value is not None:
        _add(version, _set_value(engine, value, rule), engine.auto(auto), value)


def _edge(engine: Engine, rule: TagRule, version: Version) -> None:
    branch = _ref_value(engine, "refs/heads/")
    if branch is not None and branch == (rule.get("branch") or engine.default_branch):
        _add(version, _set_value(engine, "edge", rule), engine.auto(False), branch)


def _schedule(engine: Engine, rule: TagRule, version: Version) -> None:
    if "schedule" not in engine.facts.event_name:
        return
    scope = {key: engine.scope[key] for key in ("date", "commit_date")}
    value = engine.render(rule.get("pattern"), scope, rule)
    _add(version, _set_value(engine, value, rule), engine.auto(False), value)


def _raw(engine: Engine, rule: TagRule, version: Version) -> None:
    value = engine.expand(rule.get("value"), rule)
    _add(version, _set_value(engine, value, rule), engine.auto(False), value)


def _sha(engine: Engine, rule: TagRule, version: Version) -> None:
    sha = engine.facts.sha
    if not sha:
        return
    value = short_sha(sha, engine.short_sha_length) if rule.get("format") == "short" else sha
    _add(version, _set_value(engine, value, rule), engine.auto(False), value)


_PROCESSORS: dict[TagType, Callable[[Engine, TagRule, Version], None]] = {
    TagType.SCHEDULE: _schedule,
    TagType.SEMVER: _semver,
    TagType.PEP440: _pep440,
    TagType.MATCH: _match,
    TagType.REF: _ref,
    TagType.EDGE: _edge,
    TagType.RAW: _raw,
    TagType.SHA: _sha,
}


def compute_version(engine: Engine, rules: tuple[TagRule, ...]) -> Version:
    """Run every enabled rule, in priority order, into one `Version`."""
    version = Version()
    for rule in rules:
        enabled = engine.expand(rule.get("enable", "true"), rule)
        if enabled not in ("true", "false"):
            message = BAD_ENABLE.format(value=enabled, entry=rule.entry)
            raise InputError("tags", message, "Example: enable={{is_default_branch}}")
        if enabled == "true":
            _PROCESSORS[rule.type](engine, rule, version)
    version.partial = list(dict.fromkeys(version.partial))
    if version.latest is None:
        version.latest = False
    return version
