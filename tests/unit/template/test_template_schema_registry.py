"""The contract published as an EventBridge schema registry: generated, in sync, draft-04, off on the emulator."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft4Validator

from orders_shared.schemas import registry
from tests.unit.template.template_support import Stack

ROOT = Path(__file__).parents[3]
# Keywords of later drafts that a draft-04 reader would silently ignore (so a published schema must not hold them).
NOT_DRAFT4 = {"const", "$id", "propertyNames", "contains", "if", "then", "else", "examples", "$comment"}
SCHEMA_RESOURCES = list(registry.published())


def test_template_holds_the_generated_schema_registry() -> None:
    # GIVEN the block make schemas generates from the schemas as they are now
    expected = registry.render()
    # WHEN the committed template is read
    text = (ROOT / "template.yaml").read_text(encoding="utf-8")
    # THEN it holds that block verbatim: a schema changed without `make schemas` fails here
    assert expected in text, "the template's schema registry is stale: run `make schemas`"


def _content(template: dict[str, Any], logical_id: str) -> dict[str, Any]:
    content: dict[str, Any] = json.loads(template["Resources"][logical_id]["Properties"]["Content"])
    return content


def _keys(node: Any) -> set[str]:
    if isinstance(node, dict):
        return set(node) | {key for value in node.values() for key in _keys(value)}
    if isinstance(node, list):
        return {key for item in node for key in _keys(item)}
    return set()


@pytest.mark.parametrize("logical_id", SCHEMA_RESOURCES)
def test_template_registry_schema_is_valid_draft_4(template: dict[str, Any], logical_id: str) -> None:
    # GIVEN a published schema
    resource = template["Resources"][logical_id]
    content = _content(template, logical_id)
    # WHEN it is checked as JSON Schema draft 4
    Draft4Validator.check_schema(content)
    # THEN it is declared as draft 4, and holds no keyword draft 4 does not have
    assert resource["Properties"]["Type"] == "JSONSchemaDraft4"
    assert content["$schema"] == "http://json-schema.org/draft-04/schema#"
    assert _keys(content) & NOT_DRAFT4 == set()
    assert "\\Z" not in json.dumps(content)


def _body(sample: str) -> Any:
    record = json.loads((ROOT / "events" / sample).read_text(encoding="utf-8"))["Records"][0]
    return json.loads(record["body"])


@pytest.mark.parametrize(
    ("logical_id", "sample"),
    [
        ("OrderCreatedV1Schema", "order_created.json"),
        ("OrderCreatedV2Schema", "order_created_v2.json"),
        ("OrderStatusChangedV1Schema", "order_completed.json"),
        ("PaymentProcessedV1Schema", "payment_processed.json"),
        ("OrderNotificationV1Schema", "fulfilment_completed_notification.json"),
    ],
)
def test_template_registry_schema_accepts_its_sample_and_refuses_a_bad_id(
    template: dict[str, Any], logical_id: str, sample: str
) -> None:
    # GIVEN a published schema and the committed sample of its type and major
    validator = Draft4Validator(_content(template, logical_id))
    body = _body(sample)
    # WHEN the sample is validated by a plain draft-4 validator   THEN it passes
    validator.validate(body)
    # AND with the seed's orderId "123" it is refused (the uuid format survived as a pattern)
    body.get("detail", body)["orderId"] = "123"
    assert not validator.is_valid(body)


def test_template_registry_majors_are_separate_schemas(template: dict[str, Any]) -> None:
    # GIVEN the two published majors of OrderCreated   WHEN their names are read
    names = {
        template["Resources"][logical_id]["Properties"]["SchemaName"]
        for logical_id in ("OrderCreatedV1Schema", "OrderCreatedV2Schema")
    }
    # THEN each major is a schema of its own (its minors become registry versions of it)
    assert names == {"order-service@OrderCreated-v1", "order-service@OrderCreated-v2"}


def test_template_schema_registry_is_conditional(stack: Stack) -> None:
    # GIVEN the registry and its schemas
    conditional = ["OrderEventsSchemaRegistry", *SCHEMA_RESOURCES]
    # WHEN their condition is read
    # THEN they exist only where EnableSchemaRegistry is "true" (the emulator has no schema registry)
    assert {stack.template["Resources"][name]["Condition"] for name in conditional} == {"SchemaRegistryEnabled"}
    assert stack.template["Conditions"]["SchemaRegistryEnabled"] == {
        "Fn::Equals": [{"Ref": "EnableSchemaRegistry"}, "true"]
    }
    enabled = stack.parameters["EnableSchemaRegistry"] == "true"
    assert all((name in stack.resources) == enabled for name in conditional)
    assert enabled == (stack.parameters["Stage"] != "local")
