"""Encryption at rest, recovery, and least privilege, checked for every config env of samconfig.toml."""

from __future__ import annotations

from typing import Any

from tests.unit.template.template_support import Stack, walk

# Actions that take no resource ARN: "*" is the only Resource IAM accepts for them.
UNSCOPED_ACTIONS = {"xray:PutTraceSegments", "xray:PutTelemetryRecords", "cloudwatch:PutMetricData"}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def test_template_every_queue_is_encrypted(stack: Stack) -> None:
    # GIVEN every queue deployed in this env
    queues = stack.of_type("AWS::SQS::Queue")
    # WHEN their encryption settings are read
    unencrypted = [
        name
        for name, queue in queues.items()
        if queue.get("SqsManagedSseEnabled") is not True and "KmsMasterKeyId" not in queue
    ]
    # THEN each uses SSE-SQS or a KMS key
    assert len(queues) == 6
    assert unencrypted == []


def test_template_every_topic_uses_the_customer_key(stack: Stack) -> None:
    # GIVEN every topic deployed in this env
    topics = stack.of_type("AWS::SNS::Topic")
    # WHEN their keys are read
    keys = {name: topic.get("KmsMasterKeyId") for name, topic in topics.items()}
    # THEN each is encrypted with the template's key (alarms cannot publish to a topic under aws/sns)
    assert keys == {"NotificationsTopic": {"Ref": "TopicsKey"}, "AlertsTopic": {"Ref": "TopicsKey"}}


def test_template_topics_key_lets_cloudwatch_alarms_use_it(stack: Stack) -> None:
    # GIVEN the key of the topics
    statements = stack.of_type("AWS::KMS::Key")["TopicsKey"]["KeyPolicy"]["Statement"]
    # WHEN the statements for CloudWatch are read
    cloudwatch = [s for s in statements if s.get("Principal") == {"Service": "cloudwatch.amazonaws.com"}]
    # THEN CloudWatch may generate data keys and decrypt with it
    assert [set(as_list(s["Action"])) for s in cloudwatch] == [{"kms:Decrypt", "kms:GenerateDataKey*"}]


def test_template_every_table_is_encrypted_with_point_in_time_recovery(stack: Stack) -> None:
    # GIVEN every table deployed in this env
    tables = stack.of_type("AWS::DynamoDB::Table")
    # WHEN their SSE and PITR settings are read
    settings = {
        name: (
            table.get("SSESpecification", {}).get("SSEEnabled"),
            table.get("PointInTimeRecoverySpecification", {}).get("PointInTimeRecoveryEnabled"),
        )
        for name, table in tables.items()
    }
    # THEN both are on for each
    assert settings == {"OrdersTable": (True, True), "EventStoreTable": (True, True), "ShipmentsTable": (True, True)}


def test_template_grants_star_resources_only_to_unscoped_actions(stack: Stack) -> None:
    # GIVEN every IAM statement of the template, outside key policies (where "*" means the key itself)
    statements = [
        statement
        for path, statement in walk(stack.resources)
        if isinstance(statement, dict) and "Effect" in statement and "KeyPolicy" not in path
    ]
    # WHEN those allowing Resource "*" are listed with their actions
    starred = [
        set(as_list(statement.get("Action", [])))
        for statement in statements
        if statement["Effect"] == "Allow" and "*" in as_list(statement.get("Resource", []))
    ]
    # THEN they grant only actions that cannot be scoped to a resource
    assert statements
    assert all(actions <= UNSCOPED_ACTIONS for actions in starred), starred


def test_template_no_function_gets_sam_policies(stack: Stack) -> None:
    # GIVEN every function deployed in this env
    functions = stack.of_type("AWS::Serverless::Function")
    # WHEN their permissions are read
    permissions = {name: ("Role" in function, "Policies" in function) for name, function in functions.items()}
    # THEN each has an explicit role and no SAM policies (SAM would add SQS on "*" for an SQS event, SAM#2118)
    assert permissions
    assert set(permissions.values()) == {(True, False)}, permissions


def test_template_processor_role_is_the_template_role(stack: Stack) -> None:
    # GIVEN the order processor
    processor = stack.of_type("AWS::Serverless::Function")["OrderProcessorFunction"]
    # WHEN its role and the role's managed policies are read
    role = stack.of_type("AWS::IAM::Role")[processor["Role"]["Fn::GetAtt"][0]]
    # THEN it is the explicit role, with no managed policy such as AWSLambdaSQSQueueExecutionRole
    assert processor["Role"] == {"Fn::GetAtt": ["OrderProcessorRole", "Arn"]}
    assert role.get("ManagedPolicyArns", []) == []


def test_template_processor_consumes_only_its_own_queue(stack: Stack) -> None:
    # GIVEN the processor role's statements
    role = stack.of_type("AWS::IAM::Role")["OrderProcessorRole"]
    statements = [s for policy in role["Policies"] for s in policy["PolicyDocument"]["Statement"]]
    # WHEN those granting sqs:ReceiveMessage are read
    receive = [s["Resource"] for s in statements if "sqs:ReceiveMessage" in as_list(s["Action"])]
    # THEN they name the order-events queue only
    assert receive == [{"Fn::GetAtt": ["OrderEventsQueue", "Arn"]}]
