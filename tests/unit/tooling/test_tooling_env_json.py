"""events/env.json (for `sam local invoke -n`) and `make env-json`, which writes it from a deployed stack."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from env_json import (
    ENDPOINT_VARIABLE,
    PLACEHOLDER,
    StackMismatchError,
    container_endpoint_for,
    declared_variables,
    from_stack,
    placeholders,
)

from tests.unit.template.template_support import load_template

ROOT = Path(__file__).resolve().parents[3]
ENV_JSON = ROOT / "events" / "env.json"
TEMPLATE = ROOT / "template.yaml"


def template_variable_names() -> dict[str, set[str]]:
    """Per function, the variable names template.yaml declares: Globals plus the function's own."""
    template = load_template()
    shared = set(template["Globals"]["Function"]["Environment"]["Variables"])
    return {
        logical_id: shared | set(resource["Properties"].get("Environment", {}).get("Variables", {}))
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == "AWS::Serverless::Function"
    }


class FakeCloudFormation:
    """list_stack_resources through a paginator, for one stack."""

    def __init__(self, functions: dict[str, str]) -> None:
        self.functions = functions

    def get_paginator(self, operation: str) -> FakeCloudFormation:
        assert operation == "list_stack_resources"
        return self

    def paginate(self, **request: str) -> list[dict[str, Any]]:
        assert set(request) == {"StackName"}
        summaries = [
            {"LogicalResourceId": logical, "PhysicalResourceId": physical, "ResourceType": "AWS::Lambda::Function"}
            for logical, physical in self.functions.items()
        ]
        summaries.append({"LogicalResourceId": "OrdersTable", "PhysicalResourceId": "t", "ResourceType": "X"})
        return [{"StackResourceSummaries": summaries[:1]}, {"StackResourceSummaries": summaries[1:]}]


class FakeLambda:
    """get_function_configuration for deployed functions and their variables."""

    def __init__(self, variables: dict[str, dict[str, str]]) -> None:
        self.variables = variables

    def get_function_configuration(self, **request: str) -> dict[str, Any]:
        name = request["FunctionName"]
        return {"FunctionName": name, "Environment": {"Variables": self.variables[name]}}


DECLARED = {
    "OrderProcessorFunction": {
        "STAGE": {"Ref": "Stage"},
        "LOG_LEVEL": "INFO",
        ENDPOINT_VARIABLE: {"Ref": "AWS::NoValue"},
        "ORDERS_TABLE_NAME": {"Ref": "OrdersTable"},
    }
}


def test_env_json_committed_file_declares_exactly_the_template_variables() -> None:
    # GIVEN the variables template.yaml declares for each function
    expected = template_variable_names()

    # WHEN the committed events/env.json is read
    committed = json.loads(ENV_JSON.read_text(encoding="utf-8"))

    # THEN it has every function, each with exactly those names (sam local invoke ignores any other)
    assert {name: set(variables) for name, variables in committed.items()} == expected


def test_env_json_committed_file_keeps_the_template_literals() -> None:
    # GIVEN the literal values template.yaml gives (placeholders and `make env-json` both keep them)
    declared = declared_variables(TEMPLATE)

    # WHEN the committed events/env.json is read (as committed, or as `make env-json` rewrote it)
    committed = json.loads(ENV_JSON.read_text(encoding="utf-8"))

    # THEN every value is a string, and each literal of the template is there unchanged
    assert all(isinstance(value, str) for variables in committed.values() for value in variables.values())
    literals = {
        (function, name): value
        for function, variables in declared.items()
        for name, value in variables.items()
        if isinstance(value, str)
    }
    assert {key: committed[key[0]][key[1]] for key in literals} == literals
    assert literals[("DlqRedriverFunction", "RECEIVE_VISIBILITY_SECONDS")] == "330"


def test_env_json_placeholders_keep_literals_and_mark_the_rest() -> None:
    # GIVEN declared variables: a literal, a reference, and the endpoint declared without a value
    # WHEN the placeholder file is built
    content = placeholders(DECLARED)

    # THEN the literal stays, the others say how to fill them
    assert content == {
        "OrderProcessorFunction": {
            "STAGE": PLACEHOLDER,
            "LOG_LEVEL": "INFO",
            ENDPOINT_VARIABLE: PLACEHOLDER,
            "ORDERS_TABLE_NAME": PLACEHOLDER,
        }
    }


def test_env_json_declared_variables_reads_globals_and_the_function_own() -> None:
    # GIVEN template.yaml WHEN its declared variables are read
    declared = declared_variables(TEMPLATE)

    # THEN they are the names the template test reads, each function with the Globals ones
    assert {name: set(variables) for name, variables in declared.items()} == template_variable_names()
    assert declared["OrderProcessorFunction"][ENDPOINT_VARIABLE] == {"Ref": "AWS::NoValue"}


def test_env_json_from_stack_takes_deployed_values_of_declared_names_only() -> None:
    # GIVEN a deployed function with the declared variables, one the template does not declare,
    # and no AWS_ENDPOINT_URL (declared without a value)
    cloudformation = FakeCloudFormation({"OrderProcessorFunction": "stack-order-processor"})
    lambda_ = FakeLambda(
        {"stack-order-processor": {"STAGE": "local", "LOG_LEVEL": "INFO", "ORDERS_TABLE_NAME": "t-1", "EXTRA": "x"}}
    )

    # WHEN env.json is built for it
    content = from_stack(DECLARED, cloudformation, lambda_, "stack", "http://host.docker.internal:4567")

    # THEN it holds the deployed values of the declared names, and the endpoint for the container
    assert content == {
        "OrderProcessorFunction": {
            "STAGE": "local",
            "LOG_LEVEL": "INFO",
            ENDPOINT_VARIABLE: "http://host.docker.internal:4567",
            "ORDERS_TABLE_NAME": "t-1",
        }
    }


def test_env_json_from_stack_refuses_a_stack_without_the_function() -> None:
    # GIVEN a stack without the template's function
    cloudformation = FakeCloudFormation({"OtherFunction": "other"})

    # WHEN env.json is built THEN the error names the missing function
    with pytest.raises(StackMismatchError, match="no function OrderProcessorFunction"):
        from_stack(DECLARED, cloudformation, FakeLambda({}), "stack", "")


def test_env_json_from_stack_refuses_a_function_missing_a_declared_variable() -> None:
    # GIVEN a function deployed from an older template: no ORDERS_TABLE_NAME
    cloudformation = FakeCloudFormation({"OrderProcessorFunction": "fn"})
    lambda_ = FakeLambda({"fn": {"STAGE": "dev", "LOG_LEVEL": "INFO"}})

    # WHEN env.json is built THEN the error names the variable instead of writing a file that half works
    with pytest.raises(StackMismatchError, match="no variable ORDERS_TABLE_NAME"):
        from_stack(DECLARED, cloudformation, lambda_, "stack", "")


@pytest.mark.parametrize(
    ("endpoint", "expected"),
    [
        ("http://127.0.0.1:4567", "http://host.docker.internal:4567"),
        ("http://localhost:4566", "http://host.docker.internal:4566"),
        ("http://emulator.example:4566", "http://emulator.example:4566"),
        (None, ""),
    ],
)
def test_env_json_container_endpoint_is_the_host_as_a_container_sees_it(endpoint: str | None, expected: str) -> None:
    # GIVEN the endpoint the stack is read from WHEN the functions' endpoint is derived
    # THEN the host's loopback becomes host.docker.internal, another host stays, no endpoint stays none
    assert container_endpoint_for(endpoint) == expected
