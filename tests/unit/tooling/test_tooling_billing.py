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
