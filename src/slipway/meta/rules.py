"""``tags``, ``flavor`` and ``images`` inputs -> frozen rules, as metadata-action reads them.

Same syntax, defaults and priorities as docker/metadata-action (src/tag.ts, flavor.ts,
image.ts). Every problem is an `InputError` naming the input, the entry and the fix;
unlike metadata-action, an attribute name no rule knows (a typo such as ``prefx``) is
an error rather than silently ignored.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from slipway.core.lists import CsvError, metadata_list, parse_record
from slipway.core.numbers import NumberError, parse_js_number
from slipway.errors import InputError
from slipway.meta.handlebars import TemplateError, check_template
from slipway.meta.jsregex import JsRegexError, compile_pattern


class TagType(StrEnum):
    """The ``type=`` of a tag rule."""

    SCHEDULE = "schedule"
    SEMVER = "semver"
    PEP440 = "pep440"
    MATCH = "match"
    EDGE = "edge"
    REF = "ref"
    RAW = "raw"
    SHA = "sha"


class RefEvent(StrEnum):
    """The ``event=`` of a ``type=ref`` rule."""

    BRANCH = "branch"
    TAG = "tag"
    PR = "pr"


DEFAULT_PRIORITIES = {
    TagType.SCHEDULE: 1000,
    TagType.SEMVER: 900,
    TagType.PEP440: 900,
    TagType.MATCH: 800,
    TagType.EDGE: 700,
    TagType.REF: 600,
    TagType.RAW: 200,
    TagType.SHA: 100,
}
DEFAULT_TAGS = "type=schedule\ntype=ref,event=branch\ntype=ref,event=tag\ntype=ref,event=pr"
KNOWN_ATTRIBUTES = (
    "type",
    "enable",
    "priority",
    "prefix",
    "suffix",
    "value",
    "pattern",
    "match",
    "group",
    "format",
    "branch",
    "event",
    "prerelease",
)
LATEST_MODES = ("auto", "true", "false", "highest")
TAGS_HINT = "Example:\n  tags: |\n    type=ref,event=branch\n    type=semver,pattern={{version}}"
FLAVOR_HINT = "Example:\n  flavor: |\n    latest=auto\n    prefix=v,onlatest=true"
IMAGES_HINT = "Example:\n  images: |\n    ghcr.io/org/app\n    name=docker.io/org/app,enable=false"
UNKNOWN_TYPE = "unknown tag type {value!r} in {entry!r}"
MISSING_ATTRIBUTE = "{entry!r} needs the {name} attribute"
INVALID_ATTRIBUTE = "{entry!r}: {name}={value!r} is not one of {allowed}"
UNKNOWN_ATTRIBUTE = "unknown attribute {name!r} in {entry!r}"
NOT_A_NUMBER = "{entry!r}: {name}={value!r} is not a number"
BAD_CSV = "cannot parse {entry!r}: {error}"
BAD_FLAVOR = "{entry!r} is not a key=value flavor entry"
UNKNOWN_FLAVOR = "unknown flavor {key!r} in {entry!r}"
EMPTY_IMAGE = "image name is empty in {entry!r}"
UNKNOWN_IMAGE_ATTRIBUTE = "unknown image attribute {key!r} in {entry!r}"


@dataclass(frozen=True)
class TagRule:
    """One entry of ``tags``: its type and attributes, defaults filled in."""

    type: TagType
    attrs: Mapping[str, str]
    entry: str = ""

    @property
    def priority(self) -> float:
        """Higher comes first; ties keep the input order."""
        return parse_js_number(self.attrs["priority"])

    def get(self, name: str, default: str = "") -> str:
        """An attribute, or ``default``."""
        return self.attrs.get(name, default)


@dataclass(frozen=True)
class Flavor:
    """The ``flavor`` input."""

    latest: str = "auto"
    prefix: str = ""
    prefix_latest: bool = False
    suffix: str = ""
    suffix_latest: bool = False


@dataclass(frozen=True)
class ImageEntry:
    """One entry of ``images``."""

    name: str
    enable: bool = True


@dataclass(frozen=True)
class _Parsed:
    type: TagType | None = None
    attrs: dict[str, str] = field(default_factory=dict)


def _fields(entry: str, name: str, hint: str) -> list[str]:
    try:
        return parse_record(entry)
    except CsvError as error:
        raise InputError(name, BAD_CSV.format(entry=entry, error=error), hint) from None


def _did_you_mean(word: str, options: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(word, list(options), n=1)
    return f"Did you mean {close[0]!r}?" if close else f"Known: {', '.join(options)}."


def _read_tag_fields(entry: str) -> _Parsed:
    parsed = _Parsed()
    for item in _fields(entry, "tags", TAGS_HINT):
        key, sep, value = item.partition("=")
        if not sep or not key:  # metadata-action: a field without "key=" is the value
            parsed.attrs["value"] = item.strip()
            continue
        key, value = key.strip().lower(), value.strip()
        if key not in KNOWN_ATTRIBUTES:
            raise InputError(
                "tags",
                UNKNOWN_ATTRIBUTE.format(name=key, entry=entry),
                _did_you_mean(key, KNOWN_ATTRIBUTES),
            )
        if key == "type":
            if value not in tuple(TagType):
                message = UNKNOWN_TYPE.format(value=value, entry=entry)
                raise InputError("tags", message, _did_you_mean(value, tuple(TagType)))
            parsed = _Parsed(TagType(value), parsed.attrs)
        else:
            parsed.attrs[key] = value
    return parsed


def _require(attrs: dict[str, str], name: str, entry: str) -> None:
    if name not in attrs:
        raise InputError("tags", MISSING_ATTRIBUTE.format(entry=entry, name=name), TAGS_HINT)


def _choice(attrs: dict[str, str], name: str, allowed: tuple[str, ...], entry: str) -> None:
    if attrs[name] not in allowed:
        message = INVALID_ATTRIBUTE.format(
            entry=entry, name=name, value=attrs[name], allowed=", ".join(allowed)
        )
        raise InputError("tags", message, _did_you_mean(attrs[name], allowed))


def _number(attrs: dict[str, str], name: str, entry: str) -> None:
    try:
        parse_js_number(attrs[name])
    except NumberError:
        message = NOT_A_NUMBER.format(entry=entry, name=name, value=attrs[name])
        raise InputError("tags", message, "Use an integer, e.g. priority=950 or group=1.") from None


def _apply_defaults(kind: TagType, attrs: dict[str, str], entry: str) -> None:
    """Fill in defaults and check required attributes, per metadata-action's tag.ts."""
    if kind is TagType.SCHEDULE:
        attrs.setdefault("pattern", "nightly")
    elif kind in (TagType.SEMVER, TagType.PEP440, TagType.MATCH):
        _require(attrs, "pattern", entry)
        attrs.setdefault("value", "")
        attrs.setdefault("match", "")
        attrs.setdefault("prerelease", "true")
        _choice(attrs, "prerelease", ("true", "false"), entry)
        if kind is TagType.MATCH:
            attrs.setdefault("group", "0")
            _number(attrs, "group", entry)
    elif kind is TagType.EDGE:
        attrs.setdefault("branch", "")
    elif kind is TagType.REF:
        _require(attrs, "event", entry)
        _choice(attrs, "event", tuple(RefEvent), entry)
        if attrs["event"] == RefEvent.PR:
            attrs.setdefault("prefix", "pr-")
    elif kind is TagType.RAW:
        _require(attrs, "value", entry)
    elif kind is TagType.SHA:
        attrs.setdefault("prefix", "sha-")
        attrs.setdefault("format", "short")
        _choice(attrs, "format", ("short", "long"), entry)
    attrs.setdefault("enable", "true")
    attrs.setdefault("priority", str(DEFAULT_PRIORITIES[kind]))
    _number(attrs, "priority", entry)


def parse_tag(entry: str) -> TagRule:
    """Parse one ``tags`` entry (``type=semver,pattern={{version}}``)."""
    parsed = _read_tag_fields(entry)
    kind = parsed.type or TagType.RAW
    attrs = dict(parsed.attrs)
    _apply_defaults(kind, attrs, entry)
    _check_expressions(kind, attrs, entry)
    return TagRule(kind, attrs, entry)


def _check_expressions(kind: TagType, attrs: dict[str, str], entry: str) -> None:
    """Templates and regular expressions compiled now, whatever the event: a broken
    pattern must not wait for the first release to fail."""
    for key in ("pattern", "value", "prefix", "suffix"):
        if "{{" in attrs.get(key, ""):
            try:
                check_template(attrs[key])
            except TemplateError as error:
                raise InputError("tags", f"{entry}: {error}") from None
    if kind is TagType.MATCH and attrs.get("pattern"):
        try:
            compile_pattern(attrs["pattern"])
        except JsRegexError as error:
            raise InputError("tags", f"{entry}: {error}") from None


def parse_tags(raw: str) -> tuple[TagRule, ...]:
    """The ``tags`` input -> rules sorted by priority (stable); empty -> the defaults."""
    entries = metadata_list(raw) or metadata_list(DEFAULT_TAGS)
    rules = [parse_tag(entry) for entry in entries]
    return tuple(sorted(rules, key=lambda rule: -rule.priority))


def _flavor_entry(entry: str, flavor: dict[str, str | bool]) -> None:
    target = ""
    for item in _fields(entry, "flavor", FLAVOR_HINT):
        parts = [part.strip() for part in item.split("=")]
        if len(parts) == 1:
            raise InputError("flavor", BAD_FLAVOR.format(entry=entry), FLAVOR_HINT)
        key, value = parts[0].lower(), parts[1]  # metadata-action keeps the text up to a 2nd "="
        if key == "latest":
            if value not in LATEST_MODES:
                message = f"latest={value!r} in {entry!r} is not one of {', '.join(LATEST_MODES)}"
                raise InputError("flavor", message, _did_you_mean(value, LATEST_MODES))
            flavor["latest"] = value
        elif key in ("prefix", "suffix"):
            flavor[key], target = value, key
        elif key == "onlatest":
            if value not in ("true", "false"):
                raise InputError("flavor", f"onlatest={value!r} must be true or false", FLAVOR_HINT)
            if target:
                flavor[f"{target}_latest"] = value == "true"
        else:
            raise InputError(
                "flavor",
                UNKNOWN_FLAVOR.format(key=key, entry=entry),
                _did_you_mean(key, ("latest", "prefix", "suffix", "onlatest")),
            )


def parse_flavor(raw: str) -> Flavor:
    """The ``flavor`` input (``latest=auto|true|false|highest``, ``prefix``, ``suffix``)."""
    values: dict[str, str | bool] = {}
    for entry in metadata_list(raw):
        _flavor_entry(entry, values)
    return Flavor(**values)  # type: ignore[arg-type]


def _image_entry(entry: str) -> ImageEntry:
    name, enable = "", True
    for item in _fields(entry, "images", IMAGES_HINT):
        parts = [part.strip() for part in item.split("=")]
        if len(parts) == 1:
            name = parts[0]
            continue
        key, value = parts[0].lower(), parts[1]
        if key == "name":
            name = value
        elif key == "enable":
            if value not in ("true", "false"):
                raise InputError("images", f"enable={value!r} must be true or false", IMAGES_HINT)
            enable = value == "true"
        else:
            message = UNKNOWN_IMAGE_ATTRIBUTE.format(key=key, entry=entry)
            raise InputError("images", message, _did_you_mean(key, ("name", "enable")))
    if not name:
        raise InputError("images", EMPTY_IMAGE.format(entry=entry), IMAGES_HINT)
    return ImageEntry(name, enable)


def parse_images(raw: str) -> tuple[ImageEntry, ...]:
    """The ``images`` input; one line of plain names may also be comma-separated."""
    entries = metadata_list(raw)
    if len(entries) == 1:
        fields = _fields(entries[0], "images", IMAGES_HINT)
        if all("=" not in item for item in fields):
            return tuple(ImageEntry(item.strip()) for item in fields if item.strip())
    return tuple(_image_entry(entry) for entry in entries)
