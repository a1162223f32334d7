"""regfront: a reverse proxy put before a test registry, serialising manifest requests
and injecting faults on demand.

In-process::

    with RegFront("127.0.0.1:5101") as front:
        front.set_faults([FaultRule(FaultKind.UNAVAILABLE, path="/blobs/uploads/", rate=0.3)])
        ...  # push to f"{front.address}/repo:tag"
        assert front.stats.faults_total > 0

As a process: ``python -m tests.support.regfront --listen 127.0.0.1:5100
--backend 127.0.0.1:5101 [--tls-cert C --tls-key K] [--faults FILE]``, controlled over
HTTP under ``/_regfront/`` (see :mod:`.control`).
"""

from __future__ import annotations

from .faults import DownMode, FaultKind, FaultRule, parse_faults
from .server import RegFront
from .stats import Stats

__all__ = ["DownMode", "FaultKind", "FaultRule", "RegFront", "Stats", "parse_faults"]
