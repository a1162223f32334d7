"""tests.support.binfmt: a registration read from /proc is written back as it was."""

from __future__ import annotations

from tests.support.binfmt import parse

DEBIAN_AARCH64 = """\
enabled
interpreter /usr/libexec/qemu-binfmt/aarch64-binfmt-P
flags: POF
offset 0
magic 7f454c460201010000000000000000000200b700
mask ffffffffffffff00fffffffffffffffffeffffff
"""


def test_a_magic_registration_is_written_back_as_registered() -> None:
    handler = parse("qemu-aarch64", DEBIAN_AARCH64)
    assert handler.enabled
    assert handler.flags == "POF"
    assert handler.register_line() == (
        r":qemu-aarch64:M:0:\x7f\x45\x4c\x46\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00"
        r"\x02\x00\xb7\x00:\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff"
        r"\xfe\xff\xff\xff:/usr/libexec/qemu-binfmt/aarch64-binfmt-P:POF"
    )


def test_an_extension_registration_and_a_disabled_one() -> None:
    handler = parse(
        "python3.11", "disabled\ninterpreter /usr/bin/python3.11\nflags: \nextension .pyc\n"
    )
    assert not handler.enabled
    assert handler.register_line() == ":python3.11:E::.pyc::/usr/bin/python3.11:"
