"""The commit's PartiQL statements: names checked before they enter a statement, values as parameters."""

from __future__ import annotations

import pytest

from order_processor.statements import MAX_STATEMENTS, chunks, head_append, insert
from tests.support.partiql import Insert, Update, parse


def test_an_insert_names_each_attribute_once_and_passes_every_value_as_a_parameter() -> None:
    # GIVEN an item whose values hold quotes and question marks
    item = {"streamId": {"S": "event#1"}, "version": {"N": "0"}, "data": {"S": "{'a': ?} \" ' ?"}}
    # WHEN its INSERT is built
    statement = insert("order-pipeline-local-EventStore.v2", item)
    # THEN the values are parameters only, and the statement parses back to the same table and item
    assert statement["Statement"] == (
        "INSERT INTO \"order-pipeline-local-EventStore.v2\" VALUE {'streamId': ?, 'version': ?, 'data': ?}"
    )
    assert parse(statement["Statement"], list(statement["Parameters"])) == Insert(
        "order-pipeline-local-EventStore.v2", item
    )


def test_a_head_append_sets_the_next_entry_of_each_list_and_is_conditioned_on_the_version() -> None:
    statement = head_append(
        "Orders",
        "o-1",
        expected_version=3,
        event_id="e-4",
        ledger="07:1",
        state={
            "status": {"S": "completed"},
            "orderId": {"S": "o-other"},
            "version": {"N": "99"},
            "events": {"L": []},
            "ledgers": {"L": []},
        },
    )
    parsed = parse(statement["Statement"], list(statement["Parameters"]))
    # THEN the lists grow at position 3 (a head at version 3 lists 3 events), the version becomes 4,
    # the state's own key, version and lists are not set from it, and the WHERE is key and version
    assert parsed == Update(
        "Orders",
        (
            ("version", None, {"N": "4"}),
            ("events", 3, {"S": "e-4"}),
            ("ledgers", 3, {"S": "07:1"}),
            ("status", None, {"S": "completed"}),
        ),
        (("orderId", {"S": "o-1"}), ("version", {"N": "3"})),
    )


@pytest.mark.parametrize("name", ["a'b", 'a"b', "a b", "1a", "", "a.b"])
def test_an_attribute_name_that_is_no_plain_identifier_is_refused_naming_it(name: str) -> None:
    with pytest.raises(ValueError, match="cannot be named in a PartiQL statement") as raised:
        insert("Orders", {name: {"S": "x"}})
    assert str(raised.value) == (f"{name!r} cannot be named in a PartiQL statement (allowed: [A-Za-z][A-Za-z0-9_]*)")


@pytest.mark.parametrize("table", ['Or"ders', "Or ders", "ab", "x" * 256])
def test_a_table_name_dynamodb_would_not_allow_is_refused(table: str) -> None:
    with pytest.raises(ValueError, match="cannot be named in a PartiQL statement"):
        insert(table, {"orderId": {"S": "o-1"}})


def test_chunks_keep_the_order_and_hold_at_most_the_request_limit() -> None:
    items = list(range(2 * MAX_STATEMENTS + 1))
    split = chunks(items)
    assert [len(chunk) for chunk in split] == [25, 25, 1]
    assert [item for chunk in split for item in chunk] == items
    assert chunks([]) == []
