"""Who may send, read and use keys: the template's resource policies asked about concrete requests.

Each test deploys the template as one config env (with example principals in place of the
account-specific parameters) and asks the policy model (``policy_model.py``) what the bus, queue,
topic or key policy says about a request. Same-account callers get through a queue, topic or bus
unless the policy denies them (their IAM policy is enough); a KMS key, on the other hand, is used
only by those its policy allows.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import pytest

from tests.unit.template.policy_model import (
    ACCOUNT,
    ACCOUNT_PARAMETERS,
    DEVELOPER,
    KEY_ADMINISTRATOR,
    ORDER_SERVICE,
    PAYMENT_SERVICE,
    PLAIN_HTTP,
    REGION,
    TLS,
    Decision,
    Request,
    Resolver,
    decide,
    role_arn,
    statements,
)
from tests.unit.template.template_support import Stack, deploy_settings, stack_for


def bus_policy(stack: Stack) -> list[dict[str, Any]]:
    return statements(stack, stack.of_type("AWS::Events::EventBus")["OrdersBus"]["Policy"])


# The policy resource of each kind of resource, and the property naming what it covers.
POLICY_OF = {"queue": ("AWS::SQS::QueuePolicy", "Queues"), "topic": ("AWS::SNS::TopicPolicy", "Topics")}


def resource_policy(stack: Stack, kind: str, name: str) -> list[dict[str, Any]]:
    """The statements of the one policy covering a queue or topic."""
    policy_type, covers = POLICY_OF[kind]
    [document] = [
        policy["PolicyDocument"] for policy in stack.of_type(policy_type).values() if {"Ref": name} in policy[covers]
    ]
    return statements(stack, document)


def queue_policy(stack: Stack, queue: str) -> list[dict[str, Any]]:
    return resource_policy(stack, "queue", queue)


def topic_policy(stack: Stack, topic: str) -> list[dict[str, Any]]:
    return resource_policy(stack, "topic", topic)


def put_events(principal: str, source: str) -> Request:
    return Request(principal, "events:PutEvents", {"events:source": source, **TLS})


# --- the bus: each source from its own producers -----------------------------------------------------


@pytest.mark.parametrize(
    ("principal", "source", "denied"),
    [
        (ORDER_SERVICE, "order-service", False),
        (PAYMENT_SERVICE, "payment-service", False),
        (PAYMENT_SERVICE, "order-service", True),
        (ORDER_SERVICE, "payment-service", True),
        (DEVELOPER, "order-service", True),
        (DEVELOPER, "payment-service", True),
        (f"arn:aws:iam::{ACCOUNT}:root", "order-service", True),
    ],
)
def test_bus_lets_each_source_only_from_its_producers(
    secured: Stack, principal: str, source: str, denied: bool
) -> None:
    # GIVEN the bus policy, with order-service and payment-service bound to their producer roles
    policy = bus_policy(secured)
    # WHEN a principal of the account puts an event with that source
    decision = decide(policy, put_events(principal, source))
    # THEN only the source's own producer gets through (its IAM policy is enough when not denied)
    assert (decision is Decision.DENY) is denied


def test_bus_policy_covers_every_source_the_rule_routes(secured: Stack) -> None:
    # GIVEN every source the rule sends to the queue
    sources = [
        source for rule in secured.of_type("AWS::Events::Rule").values() for source in rule["EventPattern"]["source"]
    ]
    # WHEN an unlisted principal puts an event of each
    decisions = {source: decide(bus_policy(secured), put_events(DEVELOPER, source)) for source in sources}
    # THEN each is refused: no source reaches the pipeline from anyone
    assert decisions == dict.fromkeys(["order-service", "payment-service"], Decision.DENY)


def test_bus_policy_accepts_wildcard_producer_patterns(secured: Stack) -> None:
    # GIVEN order-service producers given as a pattern (several roles of one service)
    stack = dataclasses.replace(
        secured, parameters={**secured.parameters, "OrderServicePrincipals": f"arn:aws:iam::{ACCOUNT}:role/orders-*"}
    )
    # WHEN a matching and a non-matching role put order-service events
    matching = decide(bus_policy(stack), put_events(f"arn:aws:iam::{ACCOUNT}:role/orders-api", "order-service"))
    other = decide(bus_policy(stack), put_events(f"arn:aws:iam::{ACCOUNT}:role/inventory", "order-service"))
    # THEN only the matching one gets through
    assert (matching, other) == (Decision.NONE, Decision.DENY)


def test_bus_policy_leaves_aws_services_alone(secured: Stack) -> None:
    # GIVEN the bus policy
    # WHEN EventBridge itself delivers an order-service event (an archive replay)
    decision = decide(bus_policy(secured), put_events("events.amazonaws.com", "order-service"))
    # THEN the producer binding does not refuse it
    assert decision is not Decision.DENY


def test_local_env_producers_are_the_emulator_identity() -> None:
    # GIVEN the local env as samconfig.toml deploys it (the emulator's only caller is its account root)
    stack = stack_for("local")
    emulator = "arn:aws:iam::000000000000:root"
    # WHEN that identity puts events of both sources (make publish, demo, integration tests, bench)
    decisions = {
        decide(bus_policy(stack), put_events(emulator, source)) for source in ("order-service", "payment-service")
    }
    # THEN neither is refused
    assert Decision.DENY not in decisions


# --- the order-events queue: the rule and the redriver only -------------------------------------------


def test_order_events_queue_takes_sends_only_from_the_rule_and_the_redriver(secured: Stack) -> None:
    # GIVEN the order-events queue's policy and the ARNs of the rule and the roles
    policy = queue_policy(secured, "OrderEventsQueue")
    rule = Resolver(secured)({"Fn::GetAtt": ["OrderEventsRule", "Arn"]})
    send = "sqs:SendMessage"
    # WHEN each would-be sender sends a message
    decisions = {
        "the rule": decide(policy, Request("events.amazonaws.com", send, {"aws:SourceArn": rule, **TLS})),
        "another rule": decide(policy, Request("events.amazonaws.com", send, {"aws:SourceArn": "arn:other", **TLS})),
        "the redriver": decide(policy, Request(role_arn(secured, "DlqRedriverRole"), send, TLS)),
        "the processor": decide(policy, Request(role_arn(secured, "OrderProcessorRole"), send, TLS)),
        "a producer": decide(policy, Request(ORDER_SERVICE, send, TLS)),
        "a developer": decide(policy, Request(DEVELOPER, send, TLS)),
    }
    # THEN the rule is allowed, the redriver not refused, and everyone else refused
    assert decisions == {
        "the rule": Decision.ALLOW,
        "another rule": Decision.DENY,
        "the redriver": Decision.NONE,
        "the processor": Decision.DENY,
        "a producer": Decision.DENY,
        "a developer": Decision.DENY,
    }


def test_order_events_queue_still_serves_its_consumer(secured: Stack) -> None:
    # GIVEN the order-events queue's policy
    policy = queue_policy(secured, "OrderEventsQueue")
    processor = role_arn(secured, "OrderProcessorRole")
    # WHEN the processor's trigger receives and deletes over TLS
    decisions = {
        decide(policy, Request(processor, action, TLS)) for action in ("sqs:ReceiveMessage", "sqs:DeleteMessage")
    }
    # THEN nothing refuses it
    assert decisions == {Decision.NONE}


# --- TLS only, on every queue and topic -------------------------------------------------------------


def test_every_queue_and_topic_has_a_policy(secured: Stack) -> None:
    # GIVEN every queue and topic deployed, and every queue and topic policy
    covered = {
        item["Ref"]
        for policy_type, covers in POLICY_OF.values()
        for policy in secured.of_type(policy_type).values()
        for item in policy[covers]
    }
    # WHEN the covered ones are compared with the deployed ones
    deployed = set(secured.of_type("AWS::SQS::Queue")) | set(secured.of_type("AWS::SNS::Topic"))
    # THEN each has exactly one policy (a second would replace the first)
    assert sorted(covered) == sorted(deployed)


@pytest.mark.parametrize(
    ("kind", "name", "action"),
    [
        ("queue", "OrderEventsQueue", "sqs:ReceiveMessage"),
        ("queue", "OrderEventsDeadLetterQueue", "sqs:SendMessage"),
        ("queue", "BusDeadLetterQueue", "sqs:ReceiveMessage"),
        ("queue", "SchedulerDeadLetterQueue", "sqs:SendMessage"),
        ("topic", "NotificationsTopic", "sns:Publish"),
        ("topic", "NotificationsTopic", "sns:Subscribe"),
        ("topic", "AlertsTopic", "sns:Publish"),
    ],
)
def test_queues_and_topics_refuse_plain_http(secured: Stack, kind: str, name: str, action: str) -> None:
    # GIVEN the policy of a queue or topic
    policy = resource_policy(secured, kind, name)
    processor = role_arn(secured, "OrderProcessorRole")
    # WHEN the processor's role calls it over plain HTTP, then over TLS
    insecure = decide(policy, Request(processor, action, PLAIN_HTTP))
    secure = decide(policy, Request(processor, action, TLS))
    # THEN the plain call is refused and the TLS one is not refused for that reason
    assert insecure is Decision.DENY
    assert secure is not Decision.DENY


def test_alerts_topic_lets_this_stacks_alarms_publish(secured: Stack) -> None:
    # GIVEN the Alerts topic's policy and the name of one of the stack's alarms
    policy = topic_policy(secured, "AlertsTopic")
    stack_name = deploy_settings(secured.env)["stack_name"]
    own = f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:{stack_name}-order-events-dlq-not-empty"
    foreign = f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:someone-else"

    def alarm(arn: str) -> Request:
        return Request(
            "cloudwatch.amazonaws.com", "sns:Publish", {"aws:SourceArn": arn, "aws:SourceAccount": ACCOUNT, **TLS}
        )

    # WHEN CloudWatch publishes for each
    # THEN only this stack's alarm is allowed (the topic policy replaced the default that let them)
    assert (decide(policy, alarm(own)), decide(policy, alarm(foreign))) == (Decision.ALLOW, Decision.NONE)


# --- parameters: bad principals are refused with a reason -----------------------------------------------


@pytest.mark.parametrize(
    ("parameter", "value", "accepted"),
    [
        ("KeyAdministratorArns", KEY_ADMINISTRATOR, True),
        ("KeyAdministratorArns", f"arn:aws:iam::{ACCOUNT}:user/ops/alice", True),
        ("KeyAdministratorArns", f"arn:aws:iam::{ACCOUNT}:root", False),
        ("KeyAdministratorArns", f"arn:aws:iam::{ACCOUNT}:role/admin-*", False),
        ("KeyAdministratorArns", "", False),
        ("OrderServicePrincipals", ORDER_SERVICE, True),
        ("OrderServicePrincipals", f"arn:aws:iam::{ACCOUNT}:role/orders-*", True),
        ("OrderServicePrincipals", "arn:aws:iam::000000000000:root", True),
        ("OrderServicePrincipals", "*", False),
        ("OrderServicePrincipals", "arn:aws:iam::*:role/order-service", False),
        ("PaymentServicePrincipals", "order-service", False),
    ],
)
def test_principal_parameters_refuse_what_they_cannot_mean(parameter: str, value: str, accepted: bool) -> None:
    # GIVEN the parameter's declaration (CloudFormation matches AllowedPattern against each list item)
    spec = stack_for("prod").template["Parameters"][parameter]
    # WHEN a value is checked against its pattern
    matched = re.fullmatch(spec["AllowedPattern"], value) is not None
    # THEN only a meaningful value passes, and a refused one gets a reason
    assert matched is accepted
    assert spec["Type"] == "CommaDelimitedList"
    assert spec["ConstraintDescription"]


def test_principal_parameters_have_no_default() -> None:
    # GIVEN the three account-specific parameters
    specs = stack_for("prod").template["Parameters"]
    # WHEN their defaults are read
    defaults = {name: specs[name].get("Default") for name in ACCOUNT_PARAMETERS}
    # THEN none has one: a forgotten value stops the deploy instead of opening or closing the bus silently
    assert defaults == dict.fromkeys(ACCOUNT_PARAMETERS)
