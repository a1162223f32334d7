"""``cache-from``, ``cache-to`` and ``outputs``: buildx's CSV entries, with the attributes
each type needs (pure). Nothing is echoed from an entry but its type and attribute names:
an s3 or azblob entry holds keys.

Per type (BuildKit ``cache/remotecache/*``, buildx ``util/buildflags/cache.go``): a registry
cache needs ``ref`` (a bare reference is one), a local one ``src`` to read and ``dest`` to
write, ``mode`` is ``min`` or ``max``. A registry cache inside a repository the run publishes
is refused: the export writes a tag there before the scan gate. An output writes to a path:
``dest=-`` (a tarball into the log) and a ``local`` or ``tar`` output without ``dest`` are
refused, as is one that pushes (before the gate).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from slipway.buildx import attributes as buildx_csv
from slipway.core.lists import CsvError
from slipway.errors import InputError
from slipway.inputs.reader import argv_word
from slipway.oci.refs import ImageName, check_reference, parse_image_name

CACHE_TYPES = ("registry", "gha", "local", "inline", "s3", "azblob")
MODES = ("min", "max")
QUOTE_HINT = 'Quote a value holding commas as a whole field: "dest=/a,b".'
CACHE_HINT = "e.g. `cache-to: type=registry,ref=ghcr.io/acme/app-cache,mode=max`."
PUBLISHED = (
    "entry {number}: the registry cache {ref!r} is in {image}, which this run publishes: its "
    "export would write a tag there before the scan gate"
)
PUBLISHED_HINT = "Keep the cache in a repository of its own, e.g. `ref=ghcr.io/acme/app-cache`."
OUTPUT_HINT = "Write buildx's form, e.g. `outputs: type=local,dest=out`."


def _attributes(name: str, number: int, entry: str) -> dict[str, str]:
    """The entry's attributes (a bare reference is ``type=registry,ref=...``)."""
    argv_word(name, entry)
    if "=" not in entry:
        return {"type": "registry", "ref": entry}
    try:
        pairs = buildx_csv.attributes(entry)
    except CsvError as error:
        raise InputError(
            name, f"entry {number}: buildx cannot read it: {error}", QUOTE_HINT
        ) from None
    found = dict(pairs)
    found.setdefault("type", "registry" if "ref" in found else "")
    return found


def _same_repository(reference: str, images: Sequence[ImageName]) -> ImageName | None:
    head = reference.partition("@")[0]
    folder, _, last = head.rpartition("/")
    name = f"{folder}/{last.partition(':')[0]}" if folder else last.partition(":")[0]
    try:
        repository = parse_image_name(name.lower())
    except ValueError:
        return None
    return next((image for image in images if image == repository), None)


def _check_cache(
    name: str, number: int, attrs: Mapping[str, str], images: Sequence[ImageName]
) -> None:
    kind = attrs.get("type", "")
    if kind not in CACHE_TYPES:
        raise InputError(
            name,
            f"entry {number}: unknown cache type {kind[:20]!r}",
            f"Use one of {', '.join(CACHE_TYPES)}.",
        )
    needed = {"registry": "ref", "local": "src" if name == "cache-from" else "dest"}.get(kind)
    if needed and not attrs.get(needed, "").strip():
        raise InputError(name, f"entry {number}: type={kind} needs {needed}=", CACHE_HINT)
    if "mode" in attrs and attrs["mode"] not in MODES:
        raise InputError(name, f"entry {number}: mode is min or max", CACHE_HINT)
    if kind == "registry":
        try:
            check_reference(attrs["ref"])
        except ValueError:
            raise InputError(
                name, f"entry {number}: ref is not an image reference", CACHE_HINT
            ) from None
        image = _same_repository(attrs["ref"], images)
        if name == "cache-to" and image is not None:
            message = PUBLISHED.format(number=number, ref=attrs["ref"][:80], image=image)
            raise InputError(name, message, PUBLISHED_HINT)
    if kind == "local" and attrs.get(needed or "", "").startswith("-"):
        raise InputError(name, f"entry {number}: {needed} starts with '-'", "e.g. `dest=./cache`.")


def cache_entries(
    name: str, entries: Sequence[str], images: Sequence[ImageName]
) -> tuple[str, ...]:
    """``cache-from`` / ``cache-to`` entries, each with what its type needs."""
    for number, entry in enumerate(entries, start=1):
        _check_cache(name, number, _attributes(name, number, entry), images)
    return tuple(entries)


def outputs(entries: Sequence[str]) -> tuple[str, ...]:
    """``outputs``: each writes to a path; none pushes (it would tag before the gate)."""
    for number, entry in enumerate(entries, start=1):
        if entry.strip() == "-":
            raise InputError(
                "outputs", f"entry {number}: '-' writes a tarball into the log", OUTPUT_HINT
            )
        try:
            pairs = buildx_csv.attributes(entry)
            kind = (buildx_csv.value_of(pairs, "type") or "").lower()
            push = buildx_csv.parse_bool(buildx_csv.value_of(pairs, "push") or "false")
        except CsvError as error:
            raise InputError("outputs", f"entry {number}: {error}", OUTPUT_HINT) from None
        if kind == "registry" or (push and kind in ("image", "oci", "docker")):
            raise InputError(
                "outputs",
                "an output that pushes would bypass the scan gate (tags before the scan)",
                "Use `push: true`: Slipway pushes by digest, scans, then tags.",
            )
        dest = buildx_csv.value_of(pairs, "dest")
        if dest is not None and (dest.strip() == "-" or dest.startswith("-")):
            raise InputError("outputs", f"entry {number}: dest=- writes into the log", OUTPUT_HINT)
        if kind in ("local", "tar") and not (dest or "").strip():
            raise InputError("outputs", f"entry {number}: type={kind} needs dest=", OUTPUT_HINT)
    return tuple(entries)
