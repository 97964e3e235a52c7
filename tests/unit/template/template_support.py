"""Reading template.yaml and samconfig.toml as the tests need them, without AWS or the SAM CLI.

The YAML loader turns CloudFormation's short tags into their long form (``!Ref X`` → ``{"Ref": "X"}``,
``!GetAtt A.B`` → ``{"Fn::GetAtt": ["A", "B"]}``, ``!Sub s`` → ``{"Fn::Sub": s}``), so a test compares
plain dictionaries. :class:`Stack` is the template as one config env would deploy it: parameter
values (template defaults, then the env's ``parameter_overrides``), conditions evaluated, and only the
resources and outputs whose condition holds.
"""

from __future__ import annotations

import copy
import shlex
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[3]
TEMPLATE = ROOT / "template.yaml"
SAMCONFIG = ROOT / "samconfig.toml"


class CloudFormationLoader(yaml.SafeLoader):
    """A SafeLoader that knows CloudFormation's short-form intrinsic functions."""


def _intrinsic(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = "Ref" if suffix == "Ref" else ("Condition" if suffix == "Condition" else f"Fn::{suffix}")
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {name: value}


CloudFormationLoader.add_multi_constructor("!", _intrinsic)


@cache
def _parsed_template() -> dict[str, Any]:
    text = TEMPLATE.read_text(encoding="utf-8")
    document: dict[str, Any] = yaml.load(text, Loader=CloudFormationLoader)  # noqa: S506 - a SafeLoader
    return document


def load_template() -> dict[str, Any]:
    """template.yaml as plain data (parsed once; a fresh copy each call, which a test may change)."""
    return copy.deepcopy(_parsed_template())


def load_samconfig() -> dict[str, Any]:
    """samconfig.toml as plain data."""
    with SAMCONFIG.open("rb") as file:
        return tomllib.load(file)


def config_envs() -> list[str]:
    """The config envs of samconfig.toml (its top-level tables)."""
    return sorted(name for name, value in load_samconfig().items() if isinstance(value, dict))


def deploy_settings(env: str) -> dict[str, Any]:
    """What ``sam deploy --config-env env`` reads: the env's global parameters, then its deploy parameters."""
    section = load_samconfig()[env]
    return {**section.get("global", {}).get("parameters", {}), **section.get("deploy", {}).get("parameters", {})}


def parameter_overrides(env: str) -> dict[str, str]:
    """The env's ``parameter_overrides`` ("Key=Value Key2=Value2", or a list of such) as a mapping."""
    raw = deploy_settings(env).get("parameter_overrides", "")
    words = shlex.split(raw) if isinstance(raw, str) else [word for item in raw for word in shlex.split(item)]
    return dict(word.split("=", 1) for word in words)


@dataclass(frozen=True)
class Stack:
    """The template as one config env deploys it."""

    env: str
    template: dict[str, Any]
    parameters: dict[str, str]
    conditions: dict[str, bool]

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        """Resources whose condition holds in this env."""
        return {
            name: resource
            for name, resource in self.template["Resources"].items()
            if self.conditions.get(resource.get("Condition", ""), True)
        }

    @property
    def outputs(self) -> dict[str, dict[str, Any]]:
        """Outputs whose condition holds in this env."""
        return {
            name: output
            for name, output in self.template.get("Outputs", {}).items()
            if self.conditions.get(output.get("Condition", ""), True)
        }

    def of_type(self, resource_type: str) -> dict[str, dict[str, Any]]:
        """The properties of every deployed resource of a type, by logical id."""
        return {
            name: resource.get("Properties", {})
            for name, resource in self.resources.items()
            if resource["Type"] == resource_type
        }

    def number(self, node: Any) -> float:
        """A numeric property: a literal, a ``Ref`` to a parameter or a ``Fn::FindInMap``, resolved for this env."""
        if isinstance(node, dict) and set(node) == {"Ref"}:
            return float(self.parameters[node["Ref"]])
        if isinstance(node, dict) and set(node) == {"Fn::FindInMap"}:
            mapping, first, second = node["Fn::FindInMap"]
            return float(self.template["Mappings"][mapping][self.evaluate(first)][self.evaluate(second)])
        return float(node)

    def evaluate(self, node: Any) -> Any:
        """The value of an expression (Fn::Equals, Fn::Not, Fn::And, Fn::Or, Fn::If, Condition, Ref)."""
        if not isinstance(node, dict):
            return node
        [(function, argument)] = node.items()
        functions: dict[str, Any] = {
            "Ref": lambda: self.parameters[argument],
            "Condition": lambda: self.evaluate(self.template["Conditions"][argument]),
            "Fn::Equals": lambda: str(self.evaluate(argument[0])) == str(self.evaluate(argument[1])),
            "Fn::Not": lambda: not self.evaluate(argument[0]),
            "Fn::And": lambda: all(self.evaluate(item) for item in argument),
            "Fn::Or": lambda: any(self.evaluate(item) for item in argument),
            "Fn::If": lambda: self.evaluate(argument[1] if self.conditions[argument[0]] else argument[2]),
        }
        return functions[function]()


def stack_for(env: str) -> Stack:
    """The template as ``sam deploy --config-env env`` deploys it."""
    template = load_template()
    parameters = {name: str(spec["Default"]) for name, spec in template["Parameters"].items() if "Default" in spec}
    parameters.update(parameter_overrides(env))
    stack = Stack(env, template, parameters, {})
    for name, expression in template.get("Conditions", {}).items():
        stack.conditions[name] = bool(stack.evaluate(expression))
    return stack


def walk(node: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every (path, value) pair of a nested structure, depth first."""
    yield path, node
    if isinstance(node, Mapping):
        for key, value in node.items():
            yield from walk(value, (*path, str(key)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk(value, (*path, str(index)))
