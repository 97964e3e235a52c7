"""Who may manage and use the KMS keys: the key policies asked about concrete requests.

Administrators manage a key without using it; the functions use it only through the service that
owns the data; nobody else of the account gets it, whatever their IAM policy says.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.template.policy_model import (
    ACCOUNT,
    DEVELOPER,
    KEY_ADMINISTRATOR,
    REGION,
    TLS,
    Decision,
    Request,
    as_list,
    decide,
    role_arn,
    statements,
)
from tests.unit.template.template_support import Stack

KEYS = ["TopicsKey", "TablesKey", "LogsKey"]
KEY_MANAGEMENT = ["kms:PutKeyPolicy", "kms:ScheduleKeyDeletion", "kms:DisableKey", "kms:EnableKeyRotation"]
KEY_USE = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:ReEncryptFrom", "kms:CreateGrant"]


def key_policy(stack: Stack, key: str) -> list[dict[str, Any]]:
    return statements(stack, stack.of_type("AWS::KMS::Key")[key]["KeyPolicy"])


def via(service: str) -> dict[str, str]:
    return {"kms:ViaService": f"{service}.{REGION}.amazonaws.com", "kms:CallerAccount": ACCOUNT, **TLS}


@pytest.mark.parametrize("key", KEYS)
def test_key_administrators_manage_the_key_but_cannot_use_it_directly(secured: Stack, key: str) -> None:
    # GIVEN a key's policy
    policy = key_policy(secured, key)
    # WHEN the administrator manages it, then calls KMS to decrypt or encrypt directly
    manage = {action: decide(policy, Request(KEY_ADMINISTRATOR, action, TLS)) for action in KEY_MANAGEMENT}
    use = {action: decide(policy, Request(KEY_ADMINISTRATOR, action, TLS)) for action in KEY_USE}
    # THEN management is allowed and direct use is not
    assert set(manage.values()) == {Decision.ALLOW}, manage
    assert set(use.values()) == {Decision.NONE}, use


@pytest.mark.parametrize("key", KEYS)
@pytest.mark.parametrize("service", [None, "dynamodb", "sns"])
def test_no_other_principal_of_the_account_gets_a_key(secured: Stack, key: str, service: str | None) -> None:
    # GIVEN a key's policy, and a principal of the account that is neither administrator nor function
    policy = key_policy(secured, key)
    context = via(service) if service else TLS
    # WHEN it tries to manage or use the key, directly or through a service
    decisions = {decide(policy, Request(DEVELOPER, action, context)) for action in KEY_MANAGEMENT + KEY_USE}
    # THEN nothing is allowed (an IAM policy granting kms:* is not enough: the key policy does not delegate to it)
    assert decisions == {Decision.NONE}


@pytest.mark.parametrize(
    ("key", "action", "role", "service", "allowed"),
    [
        # the tables key: the functions that read or write the tables, through DynamoDB only
        ("TablesKey", "kms:Decrypt", "OrderProcessorRole", "dynamodb", True),
        ("TablesKey", "kms:Decrypt", "MetricsEmitterRole", "dynamodb", True),
        ("TablesKey", "kms:Decrypt", "OrderProcessorRole", None, False),
        ("TablesKey", "kms:Decrypt", "OrderProcessorRole", "sns", False),
        ("TablesKey", "kms:Decrypt", "DlqRedriverRole", "dynamodb", False),
        # the topics key: the processor (which publishes notifications), through SNS only
        ("TopicsKey", "kms:GenerateDataKey", "OrderProcessorRole", "sns", True),
        ("TopicsKey", "kms:GenerateDataKey", "OrderProcessorRole", None, False),
        ("TopicsKey", "kms:GenerateDataKey", "OrderProcessorRole", "dynamodb", False),
        ("TopicsKey", "kms:GenerateDataKey", "MetricsEmitterRole", "sns", False),
    ],
)
def test_keys_are_used_by_the_functions_through_their_service_only(
    secured: Stack, key: str, action: str, role: str, service: str | None, *, allowed: bool
) -> None:
    # GIVEN a key's policy and a function's role (by the ARN its RoleName gives it)
    policy = key_policy(secured, key)
    context = via(service) if service else TLS
    # WHEN the role uses the key, directly or through a service
    decision = decide(policy, Request(role_arn(secured, role), action, context))
    # THEN only the functions that need the key may, and only through the service that owns the data
    assert (decision is Decision.ALLOW) is allowed


def test_roles_named_in_key_policies_keep_their_names(secured: Stack) -> None:
    # GIVEN every role ARN the key policies name in aws:PrincipalArn
    named = {
        arn
        for key in KEYS
        for statement in key_policy(secured, key)
        for arn in as_list(statement.get("Condition", {}).get("ArnEquals", {}).get("aws:PrincipalArn", []))
    }
    # WHEN the template's roles are listed by the ARN their RoleName gives them
    roles = {role_arn(secured, name) for name in secured.of_type("AWS::IAM::Role")}
    # THEN every named ARN is one of them (a renamed role would silently lose its key)
    assert named
    assert named <= roles, named - roles
