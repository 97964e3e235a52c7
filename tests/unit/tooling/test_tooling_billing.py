"""DynamoDB's billing rules as the benchmark applies them (bench/billing.py): the cost lines rest on them."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest

_SPEC = importlib.util.spec_from_file_location("billing", Path(__file__).parents[3] / "bench" / "billing.py")
assert _SPEC is not None
assert _SPEC.loader is not None
billing = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(billing)


def _item(size: int, **extra: Any) -> dict[str, Any]:
    # One string attribute padded to about ``size`` billed bytes.
    return {"pk": {"S": "x" * max(0, size - 20)}, **extra}


@pytest.mark.parametrize(("size", "units"), [(100, 1), (1000, 1), (1100, 2), (2100, 3)])
def test_a_put_costs_a_unit_per_started_kb(size: int, units: int) -> None:
    assert billing.write_units("PutItem", {"Item": _item(size)}) == units


def test_a_transaction_bills_each_item_twice_and_an_update_as_one_kb() -> None:
    params = {
        "TransactItems": [
            {"Put": {"Item": _item(300)}},
            {"Put": {"Item": _item(1100)}},
            {"Update": {"Key": {"pk": {"S": "stats#0"}}, "UpdateExpression": "ADD n :one"}},
        ]
    }
    assert billing.write_units("TransactWriteItems", params) == 2 * 1 + 2 * 2 + 2 * 1


def test_a_streams_index_entry_is_one_more_write_in_or_out_of_a_transaction() -> None:
    first_event = _item(300, streamShard={"S": "07"})
    assert billing.write_units("PutItem", {"Item": first_event}) == 2
    assert billing.write_units("TransactWriteItems", {"TransactItems": [{"Put": {"Item": first_event}}]}) == 3


def test_reads_are_one_unit_per_item_asked_for_and_other_calls_cost_nothing() -> None:
    keys = [{"orderId": {"S": str(n)}} for n in range(7)]
    assert billing.read_units("BatchGetItem", {"RequestItems": {"Orders": {"Keys": keys}}}) == 7
    assert billing.read_units("GetItem", {"Key": keys[0]}) == 1
    assert billing.write_units("BatchGetItem", {"RequestItems": {}}) == 0
    assert billing.write_units("Publish", {"Message": "{}"}) == 0
    assert billing.read_units("PutItem", {"Item": _item(100)}) == 0


def test_a_head_creation_writes_its_index_entry_and_a_later_update_does_not() -> None:
    names = {"#shard": "streamShard", "#version": "version"}
    creation = {"UpdateExpression": "SET #shard = :s", "ExpressionAttributeNames": names}
    creation["ConditionExpression"] = "attribute_not_exists(orderId)"
    later = {**creation, "ConditionExpression": "#version = :expected"}
    assert billing.write_units("UpdateItem", creation) == 2
    assert billing.write_units("UpdateItem", later) == 1


def _insert(item: dict[str, Any]) -> dict[str, Any]:
    values = ", ".join(f"'{name}': ?" for name in item)
    statement = 'INSERT INTO "EventStore" VALUE {NAMES}'.replace("NAMES", values)
    return {"Statement": statement, "Parameters": list(item.values())}


def test_a_statement_batch_bills_each_insert_as_the_put_of_its_item() -> None:
    # GIVEN a batch inserting a 300-byte item, a 1,100-byte one and a first event carrying streamShard
    small, large = _item(300), _item(1100)
    first_event = _item(300, streamShard={"S": "07"})
    params = {"Statements": [_insert(small), _insert(large), _insert(first_event)]}
    # WHEN billed THEN each is its PutItem (1, 2, and 1 plus its index entry), none doubled
    assert billing.write_units("BatchExecuteStatement", params) == 1 + 2 + 2
    assert billing.write_units("BatchExecuteStatement", params) == sum(
        billing.write_units("PutItem", {"Item": item}) for item in (small, large, first_event)
    )


def test_a_statement_batch_bills_each_update_as_an_update_of_an_existing_item() -> None:
    # GIVEN a batch of two head updates, one setting streamShard (PartiQL never creates the item)
    statement = 'UPDATE "Orders" SET "events"[3] = ? SET "streamShard" = ? WHERE "orderId" = ? AND "version" = ?'
    update = {"Statement": statement, "Parameters": [{"S": "e-4"}, {"S": "07"}, {"S": "o-1"}, {"N": "3"}]}
    plain = {"Statement": 'UPDATE "Orders" SET "status" = ? WHERE "orderId" = ?', "Parameters": [{"S": "x"}] * 2}
    # WHEN billed THEN each is one unit, as the UpdateItem of an existing head: no index entry written
    assert billing.write_units("BatchExecuteStatement", {"Statements": [update, plain]}) == 2


def test_a_statement_the_benchmark_cannot_price_is_refused() -> None:
    # GIVEN an INSERT of literals (its item is not in the parameters) WHEN billed THEN a ValueError, not a guess
    literal = {"Statement": "INSERT INTO \"Orders\" VALUE {'orderId': 'o-1'}"}
    with pytest.raises(ValueError, match="not a PartiQL write"):
        billing.write_units("BatchExecuteStatement", {"Statements": [literal]})
