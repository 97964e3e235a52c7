"""Function roles: DynamoDB, SQS and SNS grants exactly for the calls each function's code makes."""

from __future__ import annotations

import pytest

from tests.unit.template.policy_model import as_list
from tests.unit.template.template_support import Stack

# The AWS calls of each function (functions/*/adapters.py, orders_shared/ledger.py), as IAM actions per
# resource. A TransactWriteItems (the processor's takeover of a claim, the reducer's counters and
# checkpoint) holds Put and Update items only (a transaction needs the action of each item).
ROLE_ACTIONS = {
    "OrderProcessorRole": {
        # A commit's BatchExecuteStatement needs the PartiQL action of each of its statements.
        "OrdersTable": {
            "dynamodb:BatchGetItem",
            "dynamodb:GetItem",
            "dynamodb:PartiQLInsert",
            "dynamodb:PartiQLUpdate",
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
        },
        "EventStoreTable": {"dynamodb:GetItem", "dynamodb:PartiQLInsert", "dynamodb:PutItem"},
        "OrderEventsDeadLetterQueue": {"sqs:SendMessage"},
        "NotificationsTopic": {"sns:Publish"},
    },
    "DlqRedriverRole": {
        "OrderEventsDeadLetterQueue": {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility"},
        "OrderEventsQueue": {"sqs:SendMessage"},
    },
    "MetricsEmitterRole": {
        "OrdersTable": {"dynamodb:BatchGetItem", "dynamodb:UpdateItem"},
        "EventStoreTable": {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:UpdateItem"},
        "OrderEventsQueue": {"sqs:GetQueueAttributes"},
        "OrderEventsDeadLetterQueue": {"sqs:GetQueueAttributes"},
    },
}
# What the SQS trigger (the event source mapping, not the code) needs on the processor's queue.
TRIGGER_ACTIONS = {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"}


@pytest.mark.parametrize("role", sorted(ROLE_ACTIONS))
def test_roles_grant_data_actions_only_for_the_calls_their_code_makes(secured: Stack, role: str) -> None:
    # GIVEN a function role's DynamoDB, SQS and SNS grants, per resource
    grants: dict[str, set[str]] = {}
    for policy in secured.of_type("AWS::IAM::Role")[role]["Policies"]:
        for statement in policy["PolicyDocument"]["Statement"]:
            actions = {
                action for action in as_list(statement["Action"]) if action.split(":")[0] in {"dynamodb", "sqs", "sns"}
            }
            for resource in as_list(statement["Resource"]) if actions else []:
                target = next(iter(resource.values()))
                name = target[0] if isinstance(target, list) else target
                grants.setdefault(name, set()).update(actions)
    # WHEN they are compared with the calls its code makes (and, for the processor, what its trigger needs)
    expected = {name: set(actions) for name, actions in ROLE_ACTIONS[role].items()}
    if role == "OrderProcessorRole":
        expected["OrderEventsQueue"] = TRIGGER_ACTIONS
    # THEN they are exactly those: no ConditionCheckItem, no read of a table the code never reads
    assert grants == expected
