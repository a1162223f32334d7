"""The action container's entry (slipway.runner.container): the workspace declared a git
safe.directory through the environment, whatever GIT_CONFIG_* entries it already has."""

from __future__ import annotations

from slipway.runner.container import safe_directory_env


def test_safe_directory_env_appends_to_git_config_from_the_environment() -> None:
    assert safe_directory_env({}, "/github/workspace") == {
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": "safe.directory",
        "GIT_CONFIG_VALUE_0": "/github/workspace",
    }
    assert safe_directory_env({"GIT_CONFIG_COUNT": "2"}, "/w") == {
        "GIT_CONFIG_COUNT": "3",
        "GIT_CONFIG_KEY_2": "safe.directory",
        "GIT_CONFIG_VALUE_2": "/w",
    }
