"""The unit-test guard itself works (a guard that cannot fail protects nothing)."""

from __future__ import annotations

import socket
import subprocess

import pytest

from tests.unit.conftest import ExternalCallError


def test_subprocess_is_refused() -> None:
    with pytest.raises(ExternalCallError):
        subprocess.run(["true"], check=False)


def test_socket_is_refused() -> None:
    with pytest.raises(ExternalCallError):
        socket.create_connection(("127.0.0.1", 9))
