"""Fixtures for the template tests: template.yaml as data, and as each samconfig.toml config env deploys it."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from tests.unit.template.policy_model import ACCOUNT_PARAMETERS
from tests.unit.template.template_support import Stack, config_envs, load_template, stack_for


@pytest.fixture
def template() -> dict[str, Any]:
    """template.yaml with CloudFormation's short tags in their long form."""
    return load_template()


@pytest.fixture(params=config_envs())
def stack(request: pytest.FixtureRequest) -> Stack:
    """The template as one config env of samconfig.toml deploys it (one test per env)."""
    return stack_for(request.param)


@pytest.fixture(params=config_envs())
def secured(request: pytest.FixtureRequest) -> Stack:
    """The template as one config env deploys it, with the example principals as its parameters."""
    stack = stack_for(request.param)
    return dataclasses.replace(stack, parameters={**stack.parameters, **ACCOUNT_PARAMETERS})
