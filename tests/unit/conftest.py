"""Unit tests run no program and open no socket: an accidental one fails the test."""

from __future__ import annotations

import os
import socket
import subprocess
from typing import Any, NoReturn

import pytest


class ExternalCallError(AssertionError):
    """A unit test tried to reach outside the process."""


@pytest.fixture(autouse=True)
def _no_external_calls(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> NoReturn:
        raise ExternalCallError(f"unit tests must not start programs or open sockets: {args[:2]!r}")

    monkeypatch.setattr(subprocess, "Popen", refuse)
    monkeypatch.setattr(os, "system", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
