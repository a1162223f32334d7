"""Values a new user or an attacker would try, generated: arbitrary Unicode, digits of other
scripts, huge and negative numbers, NaN, CSV quoting, control characters, very long strings
(the shapes that make an expression backtrack), and valid values mutated."""

from __future__ import annotations

from hypothesis import strategies as st

from slipway.inputs.spec import Input

ANY_TEXT = st.text(st.characters(codec="utf-8"), max_size=80)
CONTROLS = st.text(st.characters(categories=("Cc", "Cf", "Zl", "Zp")), min_size=1, max_size=4)
ODD_NUMBERS = st.sampled_from(
    [
        "nan",
        "NaN",
        "-nan",
        "inf",
        "-Infinity",
        "1e999",
        "-0",
        "0x1F",
        "1_000",
        "+7",
        " 7 ",
        "7.",
        ".5",
        "1e3",
        "²",
        "\u0665",
        "\uff17",
        "\u2167",
        "9" * 40,
        "9" * 5000,
        "-1",
        "0",
        "65536",
        "18446744073709551616",
        "1.5.3",
    ]
)
NUMBERS = st.one_of(
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    ODD_NUMBERS,
)
FRAGMENTS = st.sampled_from(
    [
        '"',
        '""',
        ",",
        "=",
        "\n",
        "\r\n",
        "\t",
        " ",
        ":",
        "/",
        "@",
        "#",
        "-",
        "--",
        "..",
        "*",
        "|",
        "{{",
        "}}",
        "type=",
        "ref=",
        "dest=",
        "src=",
        "mode=",
        "id=",
        "env=",
        "push=",
        "name=",
        "https://",
        "u:p@",
        "docker-image://",
        "oci-layout://",
        "sha256:",
        "a" * 64,
        "latest",
        "linux/amd64",
        "true",
        "false",
        "\\",
        "'",
        "${{ x }}",
        "\x00",
        "\x1b[2J",
        "\u202e",
        "é",
    ]
)
CSV_LIKE = st.lists(st.one_of(FRAGMENTS, ANY_TEXT.filter(lambda s: len(s) < 8)), max_size=12).map(
    "".join
)
# What makes a backtracking expression slow: a long run of what a repetition takes, then what
# no branch accepts (the bad character last).
RUNS = st.builds(
    lambda unit, count, tail: unit * count + tail,
    st.sampled_from(["a", "a.", "a-", "0", "-", ".", "a:", "a,", "=", "_", "é", "{{", "\\", '"']),
    st.integers(min_value=30, max_value=4000),
    st.sampled_from([":", "!", "@", "/", "é", '"']),
)
LONG = st.text(st.characters(codec="utf-8"), min_size=2000, max_size=20_000)


def mutated(example: str) -> st.SearchStrategy[str]:
    """``example`` with a fragment inserted, replaced or appended somewhere."""
    return st.builds(
        lambda at, cut, piece: example[:at] + piece + example[at + cut :],
        st.integers(min_value=0, max_value=max(len(example), 0)),
        st.integers(min_value=0, max_value=3),
        st.one_of(FRAGMENTS, CONTROLS, ODD_NUMBERS, ANY_TEXT.filter(lambda s: len(s) < 6)),
    )


def values_for(spec: Input) -> st.SearchStrategy[str]:
    """Every kind of wrong (and some right) value for input ``spec``."""
    seeds = [s for s in (spec.example, spec.default, *spec.choices) if s and "${{" not in s]
    return st.one_of(
        RUNS,
        RUNS,
        RUNS,
        ANY_TEXT,
        NUMBERS,
        CSV_LIKE,
        CONTROLS,
        LONG,
        *(mutated(seed) for seed in seeds),
        *(st.just(seed) for seed in seeds),
    )


ANY_VALUE = st.one_of(ANY_TEXT, NUMBERS, CSV_LIKE, CONTROLS, RUNS)
