"""Fault rules for regfront: what to inject, for which requests, how often.

A :class:`FaultPlan` holds an ordered list of :class:`FaultRule` s, a seeded RNG and the
"down" switch. For each proxied request :meth:`FaultPlan.decide` walks the rules in order;
the first rule whose method and path patterns match, that has firings left (``count``) and
whose dice roll (``rate``) succeeds, fires. The RNG is only consulted for matching rules,
so the k-th matching request always gets the k-th draw: a given seed injects the same
faults into the same sequence of requests.

JSON form (the control endpoint's ``POST /_regfront/faults`` body, ``--faults FILE``)::

    {"seed": 7,
     "rules": [{"kind": "503", "method": "PATCH|PUT|POST", "path": "/blobs/uploads/",
                "rate": 0.3, "count": null, "retry_after": 1}]}

``kind`` is one of ``429``, ``500``, ``502``, ``503``, ``drop``, ``reset``; ``method`` is
a regex matched against the whole method; ``path`` a regex searched in the request target
(path and query). Every field but ``kind`` is optional.
"""

from __future__ import annotations

import random
import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class FaultKind(StrEnum):
    """What an injected fault does to the request."""

    DENIED = "403"  # permanent: the credentials may not push
    TOO_MANY_REQUESTS = "429"
    INTERNAL_ERROR = "500"
    BAD_GATEWAY = "502"
    UNAVAILABLE = "503"
    DROP = "drop"  # close the client connection at once; the backend never sees the request
    RESET = "reset"  # forward, relay the headers and part of the body, then reset (TCP RST)

    @property
    def status(self) -> int | None:
        """The HTTP status answered for this kind, or None for connection faults."""
        return int(self.value) if self.value.isdigit() else None


class DownMode(StrEnum):
    """How requests are refused while the front is switched down."""

    UNAVAILABLE = "503"
    DROP = "drop"


@dataclass(frozen=True)
class FaultRule:
    """One fault to inject into requests matching ``method`` and ``path``.

    ``rate`` is the probability that a matching request gets the fault; ``count`` caps how
    often the rule fires (None: no cap), so ``rate=1, count=N`` means "the next N matching
    requests". ``retry_after`` (seconds) is sent with 429 and 503 answers.
    """

    kind: FaultKind
    method: str = ".*"
    path: str = ".*"
    rate: float = 1.0
    count: int | None = None
    retry_after: int = 1

    def __post_init__(self) -> None:
        if not 0.0 <= self.rate <= 1.0:
            raise ValueError(f"fault rate must be within [0, 1], got {self.rate}")
        if self.count is not None and self.count < 0:
            raise ValueError(f"fault count must be >= 0 or null, got {self.count}")
        re.compile(self.method)
        re.compile(self.path)

    def matches(self, method: str, target: str) -> bool:
        """Whether a request with this method and target (path + query) is concerned."""
        return (
            re.fullmatch(self.method, method, re.IGNORECASE) is not None
            and re.search(self.path, target) is not None
        )

    def to_json(self) -> dict[str, Any]:
        """The rule as a JSON-ready dict (the format :func:`parse_rule` reads)."""
        return {
            "kind": self.kind.value,
            "method": self.method,
            "path": self.path,
            "rate": self.rate,
            "count": self.count,
            "retry_after": self.retry_after,
        }


_RULE_KEYS = frozenset(("kind", "method", "path", "rate", "count", "retry_after"))


def parse_rule(data: Mapping[str, Any]) -> FaultRule:
    """Build a rule from its JSON form; raise ValueError on unknown keys or bad values."""
    unknown = set(data) - _RULE_KEYS
    if unknown:
        raise ValueError(f"unknown fault rule keys: {sorted(unknown)}")
    if "kind" not in data:
        raise ValueError("a fault rule needs a 'kind'")
    count = data.get("count")
    return FaultRule(
        kind=FaultKind(str(data["kind"])),
        method=str(data.get("method", ".*")),
        path=str(data.get("path", ".*")),
        rate=float(data.get("rate", 1.0)),
        count=None if count is None else int(count),
        retry_after=int(data.get("retry_after", 1)),
    )


def parse_faults(data: Mapping[str, Any]) -> tuple[list[FaultRule], int | None]:
    """Read ``{"seed": ..., "rules": [...]}`` into (rules, seed)."""
    unknown = set(data) - {"seed", "rules"}
    if unknown:
        raise ValueError(f"unknown fault keys: {sorted(unknown)}")
    rules = data.get("rules", [])
    if not isinstance(rules, list):
        raise TypeError("'rules' must be a list")
    seed = data.get("seed")
    return [parse_rule(rule) for rule in rules], None if seed is None else int(seed)


@dataclass
class _LiveRule:
    rule: FaultRule
    left: int | None


@dataclass
class FaultPlan:
    """The faults currently armed, thread-safe; owned by one regfront server."""

    _rules: list[_LiveRule] = field(default_factory=list)
    _rng: random.Random = field(default_factory=lambda: random.Random(0))
    _down: DownMode | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def set_rules(self, rules: Sequence[FaultRule], seed: int | None = 0) -> None:
        """Replace all rules and reseed the RNG (None seeds from the OS)."""
        with self._lock:
            self._rules = [_LiveRule(rule, rule.count) for rule in rules]
            self._rng = random.Random(seed)

    def set_down(self, mode: DownMode | None) -> None:
        """Refuse every request in ``mode`` until called with None."""
        with self._lock:
            self._down = mode

    @property
    def down(self) -> DownMode | None:
        """The current down mode, None when up."""
        return self._down

    def decide(self, method: str, target: str) -> FaultRule | None:
        """The rule that fires for this request, if any (consumes one firing)."""
        with self._lock:
            for live in self._rules:
                if live.left == 0 or not live.rule.matches(method, target):
                    continue
                if live.rule.rate < 1.0 and self._rng.random() >= live.rule.rate:
                    continue
                if live.left is not None:
                    live.left -= 1
                return live.rule
            return None

    def to_json(self) -> dict[str, Any]:
        """Armed rules with firings left, and the down switch."""
        with self._lock:
            return {
                "down": None if self._down is None else self._down.value,
                "rules": [{**live.rule.to_json(), "left": live.left} for live in self._rules],
            }
