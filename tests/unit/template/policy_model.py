"""A small model of how AWS evaluates one resource policy, for asking the template who may do what.

The model, as used here: a request names a principal (an IAM ARN, or a service such as
``events.amazonaws.com``), an action and the condition keys it carries. A statement applies when
its principal, action and every condition match. An applying ``Deny`` wins; otherwise an applying
``Allow`` allows; otherwise the policy is silent (``NONE``).

- ``Principal: {"AWS": "arn:...:iam::<account>:root"}`` matches every IAM principal of that account
  (the key policy then delegates to IAM; the principal's own IAM policy must allow too).
- A condition on a key the request lacks is false, except for the negated operators
  (``ArnNotEquals``, ``ArnNotLike``, ``StringNotEquals``, ``StringNotLike``), which are true.
- ``aws:PrincipalArn`` and ``aws:PrincipalIsAWSService`` come from the principal itself; an AWS
  service has no ``aws:PrincipalArn``.

Template values are resolved for one config env: parameters (a CommaDelimitedList becomes a list),
pseudo parameters, ``Fn::Sub``, ``Fn::If`` and ``Fn::GetAtt <Role>.Arn`` (the ARN of a role with a
``RoleName``; a generated name otherwise). Other references resolve to a token naming the resource.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from fnmatch import fnmatchcase
from typing import Any

from tests.unit.template.template_support import Stack, deploy_settings

ACCOUNT = "123456789012"
REGION = "us-east-1"
PARTITION = "aws"


class Decision(Enum):
    """What one resource policy says about a request."""

    ALLOW = "allow"
    DENY = "deny"
    NONE = "none"


@dataclass(frozen=True)
class Request:
    """One request, as the policy sees it."""

    principal: str
    action: str
    context: Mapping[str, str] = field(default_factory=dict)

    def keys(self) -> dict[str, str]:
        """The request's condition keys, with those the principal implies."""
        is_service = not self.principal.startswith("arn:")
        keys = {"aws:PrincipalIsAWSService": "true" if is_service else "false", **self.context}
        if not is_service:
            keys["aws:PrincipalArn"] = self.principal
        return keys


class Resolver:
    """Template values as one config env deploys them."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.pseudo = {
            "AWS::AccountId": ACCOUNT,
            "AWS::Region": REGION,
            "AWS::Partition": PARTITION,
            "AWS::StackName": deploy_settings(stack.env)["stack_name"],
        }

    def __call__(self, node: Any) -> Any:
        if isinstance(node, list):
            return [self(item) for item in node]
        if not isinstance(node, dict):
            return node
        if len(node) != 1 or not next(iter(node)).startswith(("Ref", "Fn::")):
            return {key: self(value) for key, value in node.items()}
        [(function, argument)] = node.items()
        functions = {
            "Ref": lambda: self.ref(argument),
            "Fn::GetAtt": lambda: self.get_att(*argument),
            "Fn::Sub": lambda: self.sub(argument),
            "Fn::If": lambda: self(argument[1] if self.stack.conditions[argument[0]] else argument[2]),
        }
        if function not in functions:
            raise ValueError(f"the policy model cannot resolve {function}")
        return functions[function]()

    def ref(self, name: str) -> Any:
        if name in self.pseudo:
            return self.pseudo[name]
        spec = self.stack.template["Parameters"].get(name)
        if spec is None:
            return f"ref:{name}"
        value = self.stack.parameters[name]
        return value.split(",") if spec["Type"] == "CommaDelimitedList" else value

    def get_att(self, name: str, attribute: str) -> str:
        resource = self.stack.template["Resources"][name]
        if resource["Type"] == "AWS::IAM::Role" and attribute == "Arn":
            role_name = self(
                resource["Properties"].get("RoleName", f"{self.pseudo['AWS::StackName']}-{name}-GENERATED")
            )
            return f"arn:{PARTITION}:iam::{ACCOUNT}:role/{role_name}"
        return f"getatt:{name}.{attribute}"

    def sub(self, argument: str | list[Any]) -> str:
        text, variables = (argument, {}) if isinstance(argument, str) else (argument[0], argument[1])

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in variables:
                return str(self(variables[name]))
            if "." in name and not name.startswith("AWS::"):
                return self.get_att(*name.split(".", 1))
            return str(self.ref(name))

        return re.sub(r"\$\{([^}!]+)\}", replace, text)


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _principal_matches(principal: Any, request: Request) -> bool:
    if principal == "*":
        return True
    for kind, values in principal.items():
        for value in as_list(values):
            if kind == "Service" and value == request.principal:
                return True
            if kind == "AWS" and value in {"*", request.principal}:
                return True
            root = re.fullmatch(r"arn:[^:]+:iam::(\d{12}):root", str(value))
            if kind == "AWS" and root and request.principal.startswith(f"arn:{PARTITION}:iam::{root.group(1)}:"):
                return True
    return False


def _matches(pattern: str, value: str, *, wildcards: bool) -> bool:
    return fnmatchcase(value, pattern) if wildcards else value == pattern


_OPERATORS: dict[str, tuple[bool, bool]] = {  # operator: (negated, wildcards)
    "StringEquals": (False, False),
    "StringNotEquals": (True, False),
    "StringLike": (False, True),
    "StringNotLike": (True, True),
    "ArnEquals": (False, True),
    "ArnLike": (False, True),
    "ArnNotEquals": (True, True),
    "ArnNotLike": (True, True),
}


def _condition_holds(operator: str, key: str, values: list[Any], keys: Mapping[str, str]) -> bool:
    present = keys.get(key)
    if operator == "Bool":
        return present is not None and present.lower() in {str(value).lower() for value in values}
    if operator not in _OPERATORS:
        raise ValueError(f"the policy model does not know the condition operator {operator}")
    negated, wildcards = _OPERATORS[operator]
    if present is None:
        return negated
    matched = any(_matches(str(value), present, wildcards=wildcards) for value in values)
    return not matched if negated else matched


def _applies(statement: Mapping[str, Any], request: Request) -> bool:
    if not _principal_matches(statement["Principal"], request):
        return False
    if not any(fnmatchcase(request.action.lower(), str(action).lower()) for action in as_list(statement["Action"])):
        return False
    keys = request.keys()
    return all(
        _condition_holds(operator, key, as_list(values), keys)
        for operator, block in statement.get("Condition", {}).items()
        for key, values in block.items()
    )


def decide(statements: list[Mapping[str, Any]], request: Request) -> Decision:
    """What resolved policy statements say about the request: an applying Deny wins."""
    applying = [statement["Effect"] for statement in statements if _applies(statement, request)]
    if "Deny" in applying:
        return Decision.DENY
    return Decision.ALLOW if "Allow" in applying else Decision.NONE


# --- the example account's principals, and the policies of a stack as the model reads them -----------

ORDER_SERVICE = f"arn:aws:iam::{ACCOUNT}:role/order-service"
PAYMENT_SERVICE = f"arn:aws:iam::{ACCOUNT}:role/payment-service"
KEY_ADMINISTRATOR = f"arn:aws:iam::{ACCOUNT}:role/key-administrator"
DEVELOPER = f"arn:aws:iam::{ACCOUNT}:role/developer"  # any other principal of the account
ACCOUNT_PARAMETERS = {
    "KeyAdministratorArns": KEY_ADMINISTRATOR,
    "OrderServicePrincipals": ORDER_SERVICE,
    "PaymentServicePrincipals": PAYMENT_SERVICE,
}
TLS = {"aws:SecureTransport": "true"}
PLAIN_HTTP = {"aws:SecureTransport": "false"}


def statements(stack: Stack, node: Any) -> list[dict[str, Any]]:
    """The statements of a policy document, resolved for the stack's config env."""
    resolved: list[dict[str, Any]] = Resolver(stack)(node)["Statement"]
    return resolved


def role_arn(stack: Stack, role: str) -> str:
    """The ARN a role of the stack gets from its RoleName."""
    arn: str = Resolver(stack)({"Fn::GetAtt": [role, "Arn"]})
    return arn
