"""`make env-json`: write events/env.json for `sam local invoke -n` from a deployed stack.

CloudFormation names the tables (``<stack>-OrdersTable-<suffix>``), so the values cannot be written
by hand once and for all. For every function of template.yaml this reads the variables the deployed
function really has (Lambda's GetFunctionConfiguration on the stack's physical function) and keeps
exactly the names the template declares (its Globals and the function's own): `sam local invoke`
overrides only declared names and silently ignores any other. ``AWS_ENDPOINT_URL``, declared
without a value, is set to ``--container-endpoint``: the emulator as a function container reaches it
(for a stack on AWS it stays empty, which boto3 reads as "no endpoint").

``--placeholders`` writes the file without any stack: what the repository commits.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import boto3
import yaml
from botocore.exceptions import BotoCoreError, ClientError

ROOT = Path(__file__).resolve().parent.parent
ENDPOINT_VARIABLE = "AWS_ENDPOINT_URL"
PLACEHOLDER = "run make env-json"
NO_VALUE = {"Ref": "AWS::NoValue"}


class StackMismatchError(Exception):
    """The deployed stack does not match template.yaml (not deployed, or deployed from another version)."""


class TemplateLoader(yaml.SafeLoader):
    """A SafeLoader that keeps each short-form intrinsic as ``{"Tag": value}`` (``!Ref X`` → ``{"Ref": "X"}``)."""


def _tagged(loader: yaml.SafeLoader, tag: str, node: yaml.Node) -> dict[str, Any]:
    if isinstance(node, yaml.ScalarNode):
        return {tag: loader.construct_scalar(node)}
    if isinstance(node, yaml.SequenceNode):
        return {tag: loader.construct_sequence(node, deep=True)}
    return {tag: loader.construct_mapping(node, deep=True)}


TemplateLoader.add_multi_constructor("!", _tagged)


def declared_variables(template_path: Path) -> dict[str, dict[str, Any]]:
    """Per function logical id, the variables the template declares, with their template values."""
    loader = TemplateLoader(template_path.read_text(encoding="utf-8"))
    try:
        template = loader.get_single_data()
    finally:
        loader.dispose()
    shared = template.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {})
    return {
        logical_id: {**shared, **resource["Properties"].get("Environment", {}).get("Variables", {})}
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == "AWS::Serverless::Function"
    }


def container_endpoint_for(endpoint: str | None) -> str:
    """The emulator's address as a function container sees it: the host's loopback is not the container's."""
    if not endpoint:
        return ""
    parts = urlsplit(endpoint)
    if parts.hostname in {"127.0.0.1", "localhost"}:
        port = f":{parts.port}" if parts.port else ""
        return urlunsplit(parts._replace(netloc=f"host.docker.internal{port}"))
    return endpoint


def physical_functions(cloudformation: Any, stack: str) -> dict[str, str]:
    """Logical id → deployed function name, for the Lambda functions of the stack."""
    names: dict[str, str] = {}
    for page in cloudformation.get_paginator("list_stack_resources").paginate(StackName=stack):
        for resource in page["StackResourceSummaries"]:
            if resource["ResourceType"] == "AWS::Lambda::Function":
                names[resource["LogicalResourceId"]] = resource["PhysicalResourceId"]
    return names


def from_stack(
    declared: dict[str, dict[str, Any]], cloudformation: Any, lambda_: Any, stack: str, container_endpoint: str
) -> dict[str, dict[str, str]]:
    """The env.json content for a deployed stack: each declared variable's deployed value."""
    functions = physical_functions(cloudformation, stack)
    result: dict[str, dict[str, str]] = {}
    for logical_id, variables in declared.items():
        if logical_id not in functions:
            raise StackMismatchError(f"stack {stack} has no function {logical_id}: deploy template.yaml first")
        configuration = lambda_.get_function_configuration(FunctionName=functions[logical_id])
        deployed = configuration.get("Environment", {}).get("Variables", {})
        values: dict[str, str] = {}
        for name, template_value in variables.items():
            if name == ENDPOINT_VARIABLE:
                values[name] = container_endpoint
            elif name in deployed:
                values[name] = deployed[name]
            elif template_value == NO_VALUE:
                values[name] = ""
            else:
                raise StackMismatchError(
                    f"function {logical_id} of stack {stack} has no variable {name}: redeploy the stack"
                )
        result[logical_id] = values
    return result


def placeholders(declared: dict[str, dict[str, Any]]) -> dict[str, dict[str, str]]:
    """The committed env.json: the template's literal values, a placeholder for every deployed one."""
    return {
        logical_id: {
            name: value if isinstance(value, str) and name != ENDPOINT_VARIABLE else PLACEHOLDER
            for name, value in variables.items()
        }
        for logical_id, variables in declared.items()
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stack", default="order-pipeline-local")
    parser.add_argument("--endpoint", default="", help="the AWS endpoint to read the stack from; empty: AWS itself")
    parser.add_argument(
        "--container-endpoint", help="AWS_ENDPOINT_URL for the functions (default: --endpoint as a container sees it)"
    )
    parser.add_argument("--template", type=Path, default=ROOT / "template.yaml")
    parser.add_argument("--output", type=Path, default=ROOT / "events" / "env.json")
    parser.add_argument("--placeholders", action="store_true", help="write the committed file, without a stack")
    args = parser.parse_args()
    declared = declared_variables(args.template)
    if args.placeholders:
        content = placeholders(declared)
    else:
        endpoint = args.endpoint or None
        container_endpoint = args.container_endpoint
        if container_endpoint is None:
            container_endpoint = container_endpoint_for(endpoint)
        try:
            content = from_stack(
                declared,
                boto3.client("cloudformation", endpoint_url=endpoint),
                boto3.client("lambda", endpoint_url=endpoint),
                args.stack,
                container_endpoint,
            )
        except StackMismatchError as error:
            print(f"env-json: {error}", file=sys.stderr)
            return 1
        except (BotoCoreError, ClientError) as error:
            print(f"env-json: cannot read stack {args.stack}: {error}", file=sys.stderr)
            return 1
    args.output.write_text(json.dumps(content, indent=2) + "\n", encoding="utf-8")
    target = f"stack {args.stack}" + (f" at {args.endpoint}" if args.endpoint else "")
    print(f"wrote {args.output} for {len(content)} functions ({'placeholders' if args.placeholders else target})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
