"""Upcasting: a stored or received event of an older major, read as the current model of its type.

Stored events are never rewritten: the event store keeps every event as it was received, and a
reader turns it into the current shape on the way in, one major at a time (1 -> 2 -> ...), each step
a small pure function. The entry point for every reader (the processor, a fold of a stream):
:func:`upcast`. A change that cannot be expressed as such a step is a new detail-type, not a major.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from orders_shared.errors import UnknownEventTypeError, UnsupportedSchemaVersionError
from orders_shared.validation import SUPPORTED_MAJORS
from orders_shared.versions import parse_version

type Upcaster = Callable[[Mapping[str, Any]], dict[str, Any]]

# 1.x producers sold in one currency and never said which: the contract (docs/contract.md) says USD.
LEGACY_CURRENCY = "USD"

# The major each detail-type is read as: the newest this code reads.
CURRENT_MAJORS: Mapping[str, int] = {detail_type: max(majors) for detail_type, majors in SUPPORTED_MAJORS.items()}


def decimal_text(amount: Decimal | int) -> str:
    """A JSON number as 2.x writes an amount: fixed-point text, every digit kept (``1E+2`` is ``100``)."""
    return format(Decimal(amount), "f")


def order_created_1_to_2(data: Mapping[str, Any]) -> dict[str, Any]:
    """OrderCreated 1.x -> 2.0: ``amount`` (a number, in USD) becomes ``total`` {amount, currency}.

    Every other field, known or not, is kept as it is; ``metadata.schemaVersion`` says ``2.0``, the
    shape of what is returned (the stored copy keeps the version it was received as).
    """
    upcast = {name: value for name, value in data.items() if name != "amount"}
    upcast["total"] = {"amount": decimal_text(data["amount"]), "currency": LEGACY_CURRENCY}
    upcast["metadata"] = {**data["metadata"], "schemaVersion": "2.0"}
    return upcast


# One step per (detail-type, major it reads): its result is of major + 1.
UPCASTERS: Mapping[tuple[str, int], Upcaster] = {
    ("OrderCreated", 1): order_created_1_to_2,
}


def upcast(event_type: str, schema_version: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """The ``detail`` of an event of ``schema_version``, as the current major of ``event_type`` says it.

    Pure: ``data`` is not modified; a detail already of the current major is returned as a copy.

    Raises
    ------
    UnknownEventTypeError
        For a detail-type the contract does not define.
    UnsupportedSchemaVersionError
        For a major newer than this code reads.
    ValueError
        If ``schema_version`` is not ``<major>.<minor>``.
    """
    current = CURRENT_MAJORS.get(event_type)
    if current is None:
        raise UnknownEventTypeError(f"unknown detail-type {event_type[:64]!r}", path="detail-type", rule="enum")
    major, _ = parse_version(schema_version)
    if major > current:
        raise UnsupportedSchemaVersionError(
            f"{event_type} {schema_version} is newer than the {current}.x this code reads",
            path="detail.metadata.schemaVersion",
            rule="supported",
        )
    result = dict(data)
    while major < current:
        result = UPCASTERS[(event_type, major)](result)
        major += 1
    return result
