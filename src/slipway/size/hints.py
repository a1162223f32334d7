"""Where the image-size advice applies, with the numbers that justify it.

Good practice asks for small images through multi-stage builds, minimal base
images and (as its Dockerfile practices imply) no package caches in layers. Each
hint names the line to change and how many bytes it would save.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from slipway.size.limits import format_size
from slipway.size.model import PlatformSize

MIN_BYTES = 1_000_000  # below this a hint is noise
SLIM_BASE_BYTES = 100_000_000  # compressed base size that makes a slimmer base worth it
SLIM_SHARE = 0.5
_SLIM_NAMES = re.compile(r"slim|alpine|distroless|scratch|minimal|micro|busybox|wolfi|chainguard")

CACHE_HINT = "{instruction} (line {line}) leaves {size} in /{directory}: {fix} in the same RUN."
CACHE_FIXES = {
    "var/lib/apt/lists": "add `&& rm -rf /var/lib/apt/lists/*`",
    "var/cache/apt": "add `&& apt-get clean`",
    "var/cache/apk": "use `apk add --no-cache`",
    "var/cache/yum": "add `&& yum clean all`",
    "var/cache/dnf": "add `&& dnf clean all`",
    "root/.cache/pip": "use `pip install --no-cache-dir`",
    "root/.cache": "remove /root/.cache",
    "root/.npm": "add `&& npm cache clean --force`",
    "usr/local/share/.cache/yarn": "add `&& yarn cache clean`",
}
MULTI_STAGE_HINT = (
    "Compilers and headers take {size} in the final image ({instruction}, line {line}): "
    "build in a separate stage and `COPY --from=` only the result."
)
SLIM_HINT = (
    "The base image {base} is {size} of the {total} download ({share:.0%}): "
    "a slim or distroless variant is usually a fraction of that."
)


@dataclass(frozen=True)
class Hint:
    """One piece of size advice (message text includes untrusted instruction text)."""

    kind: str  # cache-cleanup, multi-stage, slim-base
    platform: str
    line: int
    saving: int  # bytes (uncompressed for caches and tools, compressed for the base)
    message: str


def _short(text: str, limit: int = 50) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def platform_hints(size: PlatformSize) -> list[Hint]:
    """The hints for one platform, biggest saving first."""
    hints: list[Hint] = []
    for layer in size.layers:
        if layer.from_base or layer.contents is None:
            continue
        for directory, count in layer.contents.cache_bytes:
            if count >= MIN_BYTES:
                message = CACHE_HINT.format(
                    instruction=_short(layer.instruction),
                    line=layer.line,
                    size=format_size(count),
                    directory=directory,
                    fix=CACHE_FIXES[directory],
                )
                hints.append(Hint("cache-cleanup", size.platform, layer.line, count, message))
        tools = layer.contents.build_tool_bytes
        if tools >= MIN_BYTES:
            message = MULTI_STAGE_HINT.format(
                size=format_size(tools), instruction=_short(layer.instruction), line=layer.line
            )
            hints.append(Hint("multi-stage", size.platform, layer.line, tools, message))
    base = size.base_compressed
    if (
        base >= SLIM_BASE_BYTES
        and size.compressed
        and base / size.compressed >= SLIM_SHARE
        and not _SLIM_NAMES.search(size.base)
    ):
        message = SLIM_HINT.format(
            base=size.base or "image",
            size=format_size(base),
            total=format_size(size.compressed),
            share=base / size.compressed,
        )
        hints.append(Hint("slim-base", size.platform, 0, base, message))
    return sorted(hints, key=lambda h: -h.saving)


def size_hints(sizes: Iterable[PlatformSize]) -> list[Hint]:
    """Hints for every platform; the same advice for the same line is given once."""
    seen: set[tuple[str, int, str]] = set()
    found: list[Hint] = []
    for size in sizes:
        for hint in platform_hints(size):
            key = (hint.kind, hint.line, hint.message.split(":")[0])
            if key not in seen:
                seen.add(key)
                found.append(hint)
    return found
