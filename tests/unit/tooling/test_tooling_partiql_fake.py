"""The strict PartiQL stand-in on moto (tests/support/partiql.py), through a real boto3 client.

Each property is checked on what moto stores afterwards (GetItem, Query), not only on the answer.
The tables are the template's (tests/support/tables.py, named there ``ORDERS_TABLE`` and ``EVENTS_TABLE``):
Orders by ``orderId``, EventStore by ``streamId`` and ``version``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from moto.dynamodb.models import DynamoDBBackend

from tests.support import partiql
from tests.support.tables import EVENTS_TABLE, ORDERS_TABLE

ROOT = Path(__file__).resolve().parents[3]
INSERT_ORDER = "INSERT INTO \"Orders\" VALUE {'orderId': ?, 'status': ?, 'events': ?}"
INSERT_EVENT = "INSERT INTO \"EventStore\" VALUE {'streamId': ?, 'version': ?, 'type': ?}"
UPDATE_STATUS = 'UPDATE "Orders" SET "status" = ? WHERE "orderId" = ? AND "status" = ?'


def s(text: str) -> dict[str, str]:
    return {"S": text}


def n(number: int) -> dict[str, str]:
    return {"N": str(number)}


def insert_order(order: str, status: str = "pending", events: int = 1) -> dict[str, Any]:
    return {"Statement": INSERT_ORDER, "Parameters": [s(order), s(status), {"L": [s(f"e{i}") for i in range(events)]}]}


def update_status(order: str, new: str, expected: str, **extra: Any) -> dict[str, Any]:
    return {"Statement": UPDATE_STATUS, "Parameters": [s(new), s(order), s(expected)], **extra}


def run(client: Any, *statements: dict[str, Any]) -> list[dict[str, Any]]:
    return list(client.batch_execute_statement(Statements=list(statements))["Responses"])


def order(client: Any, order_id: str) -> dict[str, Any] | None:
    item: dict[str, Any] | None = client.get_item(TableName=ORDERS_TABLE, Key={"orderId": s(order_id)}).get("Item")
    return item


def test_partiql_fake_insert_puts_a_new_item(dynamodb: Any) -> None:
    # GIVEN an empty table WHEN an INSERT with parameters runs
    responses = run(dynamodb, insert_order("o-1", events=2))

    # THEN it succeeds and the item is stored as given
    assert responses == [{"TableName": ORDERS_TABLE}]
    assert order(dynamodb, "o-1") == {"orderId": s("o-1"), "status": s("pending"), "events": {"L": [s("e0"), s("e1")]}}


def test_partiql_fake_insert_of_an_existing_key_is_a_duplicate_and_keeps_the_item(dynamodb: Any) -> None:
    # GIVEN a stored order
    run(dynamodb, insert_order("o-1", status="pending"))

    # WHEN an INSERT names its key again
    responses = run(dynamodb, insert_order("o-1", status="shipped"))

    # THEN that statement is DuplicateItem (no Item) and the stored item is the first one
    assert responses == [
        {
            "Error": {"Code": "DuplicateItem", "Message": "Duplicate primary key exists in table"},
            "TableName": ORDERS_TABLE,
        }
    ]
    assert order(dynamodb, "o-1")["status"] == s("pending")  # type: ignore[index]


def test_partiql_fake_insert_of_a_composite_key_is_a_normal_moto_item(dynamodb: Any) -> None:
    # GIVEN two events of one stream inserted WHEN the stream is queried
    run(
        dynamodb,
        {"Statement": INSERT_EVENT, "Parameters": [s("o-1"), n(1), s("OrderCreated")]},
        {"Statement": INSERT_EVENT, "Parameters": [s("o-1"), n(2), s("PaymentProcessed")]},
    )
    found = dynamodb.query(
        TableName=EVENTS_TABLE, KeyConditionExpression="streamId = :s", ExpressionAttributeValues={":s": s("o-1")}
    )["Items"]

    # THEN moto's Query finds both, in version order
    assert [item["type"]["S"] for item in found] == ["OrderCreated", "PaymentProcessed"]


def test_partiql_fake_update_applies_when_every_condition_holds(dynamodb: Any) -> None:
    # GIVEN a pending order WHEN an UPDATE conditioned on pending runs
    run(dynamodb, insert_order("o-1"))
    responses = run(dynamodb, update_status("o-1", "processing", "pending"))

    # THEN it succeeds and the new status is stored
    assert responses == [{"TableName": ORDERS_TABLE}]
    assert order(dynamodb, "o-1")["status"] == s("processing")  # type: ignore[index]


def test_partiql_fake_update_with_a_false_condition_fails_and_changes_nothing(dynamodb: Any) -> None:
    # GIVEN a pending order WHEN an UPDATE expects it shipped (no ReturnValuesOnConditionCheckFailure)
    run(dynamodb, insert_order("o-1"))
    responses = run(dynamodb, update_status("o-1", "cancelled", "shipped"))

    # THEN ConditionalCheckFailed without the item, and the order is unchanged
    assert responses == [
        {
            "Error": {"Code": "ConditionalCheckFailed", "Message": "The conditional request failed"},
            "TableName": "Orders",
        }
    ]
    assert order(dynamodb, "o-1")["status"] == s("pending")  # type: ignore[index]


def test_partiql_fake_update_failure_returns_the_old_item_under_all_old(dynamodb: Any) -> None:
    # GIVEN a pending order WHEN a failing UPDATE asks for ALL_OLD
    run(dynamodb, insert_order("o-1"))
    responses = run(
        dynamodb, update_status("o-1", "cancelled", "shipped", ReturnValuesOnConditionCheckFailure="ALL_OLD")
    )

    # THEN the error carries the item as stored
    assert responses[0]["Error"]["Code"] == "ConditionalCheckFailed"
    assert responses[0]["Error"]["Item"] == order(dynamodb, "o-1")


def test_partiql_fake_update_of_a_missing_item_fails_and_creates_nothing(dynamodb: Any) -> None:
    # GIVEN no order WHEN an UPDATE names it, with ALL_OLD
    statement = {
        "Statement": 'UPDATE "Orders" SET "status" = ? WHERE "orderId" = ?',
        "Parameters": [s("processing"), s("o-missing")],
        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
    }
    responses = run(dynamodb, statement)

    # THEN ConditionalCheckFailed, no Item (there is none), and no item created (DynamoDB's UPDATE is no upsert)
    assert responses == [
        {
            "Error": {"Code": "ConditionalCheckFailed", "Message": "The conditional request failed"},
            "TableName": "Orders",
        }
    ]
    assert order(dynamodb, "o-missing") is None


@pytest.mark.parametrize(
    ("index", "expected"),
    [
        (2, ["e0", "e1", "new"]),  # index == length: appended
        (1, ["e0", "new"]),  # index < length: replaced
        (7, ["e0", "e1", "new"]),  # index > length: appended at the end, as DynamoDB does
    ],
)
def test_partiql_fake_indexed_set_appends_or_replaces(dynamodb: Any, index: int, expected: list[str]) -> None:
    # GIVEN an order with two events WHEN one is set at an index, with the version in another SET clause
    run(dynamodb, insert_order("o-1", events=2))
    statement = 'UPDATE "Orders" SET "events"[INDEX] = ? SET "status" = ? WHERE "orderId" = ?'.replace(
        "INDEX", str(index)
    )
    responses = run(dynamodb, {"Statement": statement, "Parameters": [s("new"), s("processing"), s("o-1")]})

    # THEN the list is appended to or replaced in, and the other SET applied too
    assert responses == [{"TableName": ORDERS_TABLE}]
    stored = order(dynamodb, "o-1")
    assert [value["S"] for value in stored["events"]["L"]] == expected  # type: ignore[index]
    assert stored["status"] == s("processing")  # type: ignore[index]


def test_partiql_fake_mixed_batch_applies_the_statements_that_succeed(dynamodb: Any) -> None:
    # GIVEN pending orders o-1, o-4 and o-5
    run(dynamodb, insert_order("o-1"), insert_order("o-4"), insert_order("o-5"))

    # WHEN a batch inserts o-2, inserts o-1 again, updates o-4 on a false condition, sends a SELECT,
    # updates o-5 on a true one and inserts o-3
    responses = run(
        dynamodb,
        insert_order("o-2", status="new-2"),
        insert_order("o-1", status="clobbered"),
        update_status("o-4", "clobbered", "shipped"),
        {"Statement": 'SELECT * FROM "Orders"'},
        update_status("o-5", "processing", "pending"),
        insert_order("o-3", status="new-3"),
    )

    # THEN each answer is at its statement's position, the good ones applied, the failed ones not
    codes = [response.get("Error", {}).get("Code") for response in responses]
    assert codes == [None, "DuplicateItem", "ConditionalCheckFailed", "ValidationError", None, None]
    statuses = {item["orderId"]["S"]: item["status"]["S"] for item in dynamodb.scan(TableName=ORDERS_TABLE)["Items"]}
    assert statuses == {"o-1": "pending", "o-2": "new-2", "o-3": "new-3", "o-4": "pending", "o-5": "processing"}


@pytest.mark.parametrize(
    ("statement", "parameters"),
    [
        ('SELECT * FROM "Orders" WHERE "orderId" = ?', [s("o-1")]),
        ("insert into \"Orders\" value {'orderId': ?}", [s("o-9")]),  # keywords in lower case
        ("INSERT INTO Orders VALUE {'orderId': ?}", [s("o-9")]),  # table name not quoted
        ("INSERT INTO \"Orders\" VALUE {'orderId': 'o-9'}", None),  # a literal, not a parameter
        ("INSERT INTO \"Orders\"  VALUE {'orderId': ?}", [s("o-9")]),  # two spaces
        ("INSERT INTO \"Orders\" VALUE {'orderId': ?, 'orderId': ?}", [s("o-9"), s("o-8")]),
        ("INSERT INTO \"Orders\" VALUE {'status': ?}", [s("x")]),  # no key
        ("INSERT INTO \"Orders\" VALUE {'orderId': ?}", [s("o-9"), s("extra")]),  # parameter count
        ('UPDATE "Orders" SET "status" = ?, "note" = ? WHERE "orderId" = ?', [s("a"), s("b"), s("o-1")]),
        ('UPDATE "Orders" SET "status" = ? WHERE "orderId" = ? OR "status" = ?', [s("a"), s("o-1"), s("b")]),
        ('UPDATE "Orders" SET "status" = ? WHERE "status" = ?', [s("a"), s("pending")]),  # no key in WHERE
        ('UPDATE "Orders" SET "orderId" = ? WHERE "orderId" = ?', [s("o-2"), s("o-1")]),  # sets the key
        ('UPDATE "Orders" SET "events" = ? SET "events"[0] = ? WHERE "orderId" = ?', [s("a"), s("b"), s("o-1")]),
        ('UPDATE "Orders" SET "status" = ? WHERE "orderId" = ? RETURNING ALL OLD *', [s("a"), s("o-1")]),
        ('UPDATE "Orders" REMOVE "status" WHERE "orderId" = ?', [s("o-1")]),
        ('DELETE FROM "Orders" WHERE "orderId" = ?', [s("o-1")]),
    ],
)
def test_partiql_fake_refuses_what_is_outside_the_grammar(
    dynamodb: Any, statement: str, parameters: list[dict[str, str]] | None
) -> None:
    # GIVEN a stored order WHEN a statement outside the grammar runs
    run(dynamodb, insert_order("o-1"))
    one = {"Statement": statement, **({"Parameters": parameters} if parameters else {})}
    responses = run(dynamodb, one)

    # THEN that statement is a ValidationError, and nothing was written
    assert list(responses[0]) == ["Error"]
    assert responses[0]["Error"]["Code"] == "ValidationError"
    assert dynamodb.scan(TableName=ORDERS_TABLE)["Items"] == [order(dynamodb, "o-1")]
    assert order(dynamodb, "o-1") == {"orderId": s("o-1"), "status": s("pending"), "events": {"L": [s("e0")]}}


def test_partiql_fake_unknown_table_is_resource_not_found(dynamodb: Any) -> None:
    # GIVEN no table "Nope" WHEN an INSERT names it THEN that statement is ResourceNotFound
    responses = run(dynamodb, {"Statement": "INSERT INTO \"Nope\" VALUE {'orderId': ?}", "Parameters": [s("o-1")]})
    assert responses[0]["Error"]["Code"] == "ResourceNotFound"


def test_partiql_fake_refuses_more_than_25_statements_whole(dynamodb: Any) -> None:
    # GIVEN 26 inserts WHEN sent in one batch THEN the request fails and nothing is written
    with pytest.raises(ClientError) as raised:
        run(dynamodb, *(insert_order(f"o-{i}") for i in range(26)))
    assert raised.value.response["Error"]["Code"] == "ValidationException"
    assert dynamodb.scan(TableName=ORDERS_TABLE)["Items"] == []


def test_partiql_fake_accepts_25_statements(dynamodb: Any) -> None:
    # GIVEN 25 inserts WHEN sent in one batch THEN all are stored
    assert all("Error" not in response for response in run(dynamodb, *(insert_order(f"o-{i}") for i in range(25))))
    assert dynamodb.scan(TableName=ORDERS_TABLE)["Count"] == 25


def test_partiql_fake_refuses_two_statements_on_one_item_whole(dynamodb: Any) -> None:
    # GIVEN a stored order WHEN a batch inserts o-2 and updates o-1 twice (its key once as 1, once as 1.0)
    run(dynamodb, {"Statement": INSERT_EVENT, "Parameters": [s("o-1"), n(1), s("OrderCreated")]})
    update = 'UPDATE "EventStore" SET "type" = ? WHERE "streamId" = ? AND "version" = ?'
    with pytest.raises(ClientError) as raised:
        run(
            dynamodb,
            insert_order("o-2"),
            {"Statement": update, "Parameters": [s("A"), s("o-1"), {"N": "1"}]},
            {"Statement": update, "Parameters": [s("B"), s("o-1"), {"N": "1.0"}]},
        )

    # THEN the request fails and nothing is written
    assert raised.value.response["Error"]["Code"] == "ValidationException"
    assert order(dynamodb, "o-2") is None


def test_partiql_fake_two_versions_of_one_stream_are_two_items(dynamodb: Any) -> None:
    # GIVEN one stream WHEN a batch inserts its versions 1 and 2 THEN both succeed (same hash key, other items)
    responses = run(
        dynamodb,
        {"Statement": INSERT_EVENT, "Parameters": [s("o-1"), n(1), s("OrderCreated")]},
        {"Statement": INSERT_EVENT, "Parameters": [s("o-1"), n(2), s("PaymentProcessed")]},
    )
    assert responses == [{"TableName": EVENTS_TABLE}, {"TableName": EVENTS_TABLE}]


def test_partiql_fake_install_is_idempotent() -> None:
    # GIVEN the stand-in installed (tests/support/tables.py does it at import) WHEN installed again
    partiql.install()

    # THEN moto's method is still the stand-in
    assert DynamoDBBackend.batch_execute_statement is partiql.batch_execute_statement


def test_partiql_fake_is_installed_by_importing_the_tables_module() -> None:
    # GIVEN a fresh interpreter WHEN it imports only tests/support/tables.py (as every moto stack's builder does)
    check = (
        "import tests.support.tables\n"
        "from moto.dynamodb.models import DynamoDBBackend\n"
        "from tests.support import partiql\n"
        "assert DynamoDBBackend.batch_execute_statement is partiql.batch_execute_statement\n"
    )
    result = subprocess.run(  # noqa: S603 - this interpreter, our own probe
        [sys.executable, "-c", check], cwd=ROOT, capture_output=True, text=True, check=False
    )

    # THEN moto's BatchExecuteStatement is the stand-in
    assert result.returncode == 0, result.stderr
