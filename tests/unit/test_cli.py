"""The command line: one option per input, a workflow step's `with:` block, the local context."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from slipway.cli.local import parse_remote
from slipway.cli.main import main, runner_inputs
from slipway.cli.options import action_inputs, given_inputs, parser
from slipway.cli.workflow_file import evaluate, step_inputs
from slipway.errors import InputError

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "workflows" / "single-step.yml"
CONTEXT = {"github.repository": "acme/hello", "github.actor": "octocat", "github.sha": "a" * 40}


def test_the_packaged_action_yml_is_the_actions_own() -> None:
    packaged = (ROOT / "src" / "slipway" / "action.yml").read_text()
    assert packaged == (ROOT / "action.yml").read_text(), "cp action.yml src/slipway/action.yml"


def test_help_lists_every_input() -> None:
    text = parser().format_help()
    names = yaml.safe_load((ROOT / "action.yml").read_text())["inputs"]
    assert [n for n in names if f"--{n} " not in text and f"--{n}\n" not in text] == []


def test_options_become_inputs_as_the_runner_passes_them() -> None:
    argv = "--images ghcr.io/acme/app --push --scan false --tags type=sha --tags"
    args = parser().parse_args([*argv.split(), "type=ref,event=branch"])
    given = given_inputs(args)
    assert given == {
        "images": "ghcr.io/acme/app",
        "push": "true",
        "scan": "false",
        "tags": "type=sha\ntype=ref,event=branch",
    }
    env = runner_inputs(given)
    assert env["INPUT_PUSH"] == "true"
    assert env["INPUT_FAIL-ON"] == action_inputs()["fail-on"]["default"]  # defaults, as the runner
    assert set(env) == {f"INPUT_{n.upper()}" for n in action_inputs()}


def test_an_unknown_input_from_a_workflow_is_refused_by_name() -> None:
    with pytest.raises(InputError) as caught:
        runner_inputs({"imagez": "x"})
    assert caught.value.name == "imagez"


def test_the_example_steps_inputs_with_what_cannot_be_known_here_left_out() -> None:
    found = step_inputs(EXAMPLE, "image", CONTEXT)
    assert found.inputs == {
        "images": "ghcr.io/acme/hello",
        "platforms": "linux/amd64,linux/arm64",
        "push": "true",
        "username": "octocat",
        "fail-on": "CRITICAL",
    }
    assert found.left_out == {"password": "${{ secrets.GITHUB_TOKEN }}"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("ghcr.io/${{ github.repository }}", "ghcr.io/acme/hello"),
        ("${{github.sha}}-x", "a" * 40 + "-x"),
        ("${{ secrets.TOKEN }}", None),
        ("${{ github.repository }}-${{ matrix.platform }}", None),
        ("${{ format('{0}', github.sha) }}", None),  # functions are not evaluated here
        ("plain", "plain"),
    ],
)
def test_expressions(value: str, expected: str | None) -> None:
    assert evaluate(value, CONTEXT) == expected


def test_a_step_that_is_not_there_or_not_slipway_is_refused(tmp_path: Path) -> None:
    workflow = tmp_path / "w.yml"
    workflow.write_text(
        "jobs:\n  a:\n    steps:\n      - id: checkout\n        uses: actions/checkout@v4\n"
    )
    with pytest.raises(InputError, match="no step has id 'image' \\(ids: checkout\\)"):
        step_inputs(workflow, "image", CONTEXT)
    with pytest.raises(InputError, match="does not use Slipway"):
        step_inputs(workflow, "checkout", CONTEXT)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://github.com/acme/hello.git", ("github.com", "acme/hello")),
        ("git@github.com:acme/hello.git", ("github.com", "acme/hello")),
        ("ssh://git@ghe.corp.example:2222/acme/hello", ("ghe.corp.example", "acme/hello")),
        ("https://x-access-token:abc@github.com/acme/hello", ("github.com", "acme/hello")),
        ("/srv/git/hello", None),
        ("https://gitlab.com/group/sub/hello.git", None),
    ],
)
def test_remote_urls(url: str, expected: tuple[str, str] | None) -> None:
    assert parse_remote(url) == expected


def test_the_readmes_example_is_the_example_workflows_job() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Using the action", 1)[1]
    block = re.search(r"```yaml\n(.*?)```", section, flags=re.DOTALL)
    assert block is not None
    assert yaml.safe_load(block.group(1))["jobs"] == yaml.safe_load(EXAMPLE.read_text())["jobs"]


def test_an_unexpected_error_is_one_line_with_the_fix_never_a_traceback(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Here the unit tests' guard refuses the git the command runs: an error Slipway does not
    # expect, as a bug would be. The token in the environment is not shown either.
    environ = {"NO_COLOR": "1", "GITHUB_TOKEN": "ghs_" + "t" * 36}
    code = main(
        ["--images", "ghcr.io/acme/app", "--dry-run"], environ, datetime(2026, 1, 1, tzinfo=UTC)
    )
    out, err = capsys.readouterr()
    assert code == 70
    assert "error: Internal error: ExternalCallError" in out
    assert "Traceback" not in out + err
    assert "--verbose" in out


def test_an_unknown_option_never_shows_its_value(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--pasword=hunter2hunter2"], {}, datetime(2026, 1, 1, tzinfo=UTC))
    assert code == 2
    err = capsys.readouterr().err
    assert "unknown option --pasword; did you mean --password?" in err
    assert "hunter2" not in err
    assert main(["ghp_" + "x" * 36], {}, datetime(2026, 1, 1, tzinfo=UTC)) == 2
    assert "ghp_" not in capsys.readouterr().err


def test_an_input_of_one_value_given_twice_is_refused() -> None:
    args = parser().parse_args(["--push", "--push", "false", "--tags", "a", "--tags", "b"])
    with pytest.raises(InputError, match="given more than once") as caught:
        given_inputs(args)
    assert caught.value.name == "--push"


def test_options_follow_the_declaration() -> None:
    text = parser().format_help()
    assert "--fail-on {UNKNOWN,LOW,MEDIUM,HIGH,CRITICAL,none}" in text
    assert "--push [BOOL]" in text
    assert "--scan-timeout DURATION" in text
