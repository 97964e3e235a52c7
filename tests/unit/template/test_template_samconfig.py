"""samconfig.toml: the config envs the Makefile deploys with, and what each needs to deploy unattended."""

from __future__ import annotations

import pytest

from tests.unit.template.template_support import config_envs, deploy_settings, parameter_overrides

ENVS = ["default", "dev", "prod", "local"]


def test_samconfig_has_the_four_config_envs() -> None:
    # GIVEN samconfig.toml
    # WHEN its config envs are listed
    # THEN they are default, dev, prod and local
    assert sorted(config_envs()) == sorted(ENVS)


@pytest.mark.parametrize("env", ENVS)
def test_samconfig_env_names_its_stack(env: str) -> None:
    # GIVEN the env's deploy settings
    # WHEN its stack name is read
    # THEN it has one
    assert deploy_settings(env).get("stack_name")


@pytest.mark.parametrize("env", ENVS)
def test_samconfig_env_acknowledges_iam_capabilities(env: str) -> None:
    # GIVEN the env's deploy settings
    # WHEN its capabilities are read
    capabilities = deploy_settings(env).get("capabilities", "")
    # THEN it acknowledges the explicit IAM roles
    assert "CAPABILITY_IAM" in (capabilities.split() if isinstance(capabilities, str) else capabilities)


@pytest.mark.parametrize("env", ENVS)
def test_samconfig_env_has_an_artifact_bucket(env: str) -> None:
    # GIVEN the env's deploy settings
    settings = deploy_settings(env)
    # WHEN its artifact bucket settings are read
    # THEN sam creates one (resolve_s3) or one is named
    assert settings.get("resolve_s3") is True or bool(settings.get("s3_bucket"))


@pytest.mark.parametrize("env", ENVS)
def test_samconfig_env_stage_matches_its_name(env: str) -> None:
    # GIVEN the env's parameter overrides
    # WHEN its Stage is read
    stage = parameter_overrides(env).get("Stage")
    # THEN it is the env's own stage (default deploys dev), so metrics and alarms are told apart
    assert stage == ("dev" if env == "default" else env)


def test_samconfig_envs_deploy_distinct_stacks() -> None:
    # GIVEN the stack names of dev, prod and local
    names = [deploy_settings(env)["stack_name"] for env in ("dev", "prod", "local")]
    # WHEN they are compared
    # THEN no two envs share a stack
    assert len(set(names)) == 3


def test_samconfig_local_env_disables_the_archive() -> None:
    # GIVEN the local env, deployed on the emulator (no AWS::Events::Archive in its CloudFormation)
    # WHEN its overrides are read
    # THEN the archive is off
    assert parameter_overrides("local")["EnableArchive"] == "false"
