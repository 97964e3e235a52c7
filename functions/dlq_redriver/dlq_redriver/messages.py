"""What the redriver knows of a DLQ message: its attributes, its redrive count, its size to SQS."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import NotRequired, TypedDict

REDRIVE_COUNT = "redriveCount"
REJECTION_REASON = "rejectionReason"
MAX_ATTRIBUTES = 10  # SQS message attributes per message
MAX_REDRIVES = 100  # the highest maxRedrives a request may ask for
# A genuine count never exceeds MAX_REDRIVES (a message at the limit parks, it is not counted up),
# so anything longer is forged; the cap also keeps int() away from huge digit strings.
REDRIVE_COUNT_DIGITS = len(str(MAX_REDRIVES))
# SQS: one message (body plus each attribute's name, type and value), and one SendMessageBatch in total.
MAX_MESSAGE_BYTES = 1_048_576
MAX_BATCH_ENTRIES = 10  # SQS batch calls take 10 entries


class AttributeValue(TypedDict):
    """One SQS message attribute, in the shape SQS gives and takes it (its list values are reserved, never set)."""

    DataType: str
    StringValue: NotRequired[str]
    BinaryValue: NotRequired[bytes]
    StringListValues: NotRequired[list[str]]
    BinaryListValues: NotRequired[list[bytes]]


class RedriveCountError(ValueError):
    """A message's ``redriveCount`` attribute is not a count the redriver wrote."""


@dataclass(frozen=True, slots=True)
class DlqMessage:
    """A received DLQ message: body, attributes, and what SQS says of it.

    ``attributes`` is the string view the filters read; ``raw_attributes`` holds every attribute
    as SQS gave it (Number and Binary ones included), so that a moved message keeps them all.
    """

    message_id: str
    receipt_handle: str
    body: str
    attributes: Mapping[str, str]
    sent_timestamp_ms: int
    raw_attributes: Mapping[str, AttributeValue] = field(default_factory=dict)

    @property
    def attribute_count(self) -> int:
        """How many message attributes the message carries (SQS allows 10)."""
        return len(set(self.attributes) | set(self.raw_attributes))

    @property
    def redrive_count(self) -> int:
        """How many times this message was redriven before (0 without the attribute).

        Raises
        ------
        RedriveCountError
            If the attribute is not 1 to ``REDRIVE_COUNT_DIGITS`` ASCII digits (``str.isdigit``
            alone would pass "²" and "٣", which ``int`` then refuses or reads), or is not a string.
        """
        raw = self.attributes.get(REDRIVE_COUNT)
        if raw is None:
            if REDRIVE_COUNT in self.raw_attributes:
                raise RedriveCountError(f"{REDRIVE_COUNT} is not a string attribute")
            return 0
        if not (len(raw) <= REDRIVE_COUNT_DIGITS and raw.isascii() and raw.isdigit()):  # "" is no digit
            raise RedriveCountError(f"{REDRIVE_COUNT} must be 1 to {REDRIVE_COUNT_DIGITS} ASCII digits")
        return int(raw)

    @property
    def detail_type(self) -> str | None:
        """The envelope's detail-type, or None when the body is not an envelope (rejected input)."""
        try:
            envelope = json.loads(self.body)
        except (ValueError, RecursionError):  # a hostile body may nest deeper than the parser goes
            return None
        value = envelope.get("detail-type") if isinstance(envelope, dict) else None
        return value if isinstance(value, str) else None


def _kept(value: AttributeValue) -> AttributeValue:
    kept: AttributeValue = {"DataType": value["DataType"]}
    if "StringValue" in value:
        kept["StringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        kept["BinaryValue"] = value["BinaryValue"]
    return kept


def outgoing_attributes(message: DlqMessage, given: Mapping[str, str]) -> dict[str, AttributeValue]:
    """The SQS attributes a moved copy carries: every one received, with the string values given.

    A received attribute whose value the redriver did not change keeps its original type (Number
    and Binary ones included); a new or changed one (the redrive count) is sent as a String.
    """
    merged = {name: _kept(value) for name, value in message.raw_attributes.items()}
    for name, text in given.items():
        current = merged.get(name)
        if current is None or current.get("StringValue") != text:
            merged[name] = {"DataType": "String", "StringValue": text}
    return merged


def _length(value: str | bytes) -> int:
    return len(value.encode("utf-8")) if isinstance(value, str) else len(value)


def sqs_size(body: str, attributes: Mapping[str, AttributeValue]) -> int:
    """Bytes a message counts against the SQS limits: the body and each attribute's name, type and value."""
    size = _length(body)
    for name, value in attributes.items():
        size += _length(name) + _length(value.get("DataType", ""))
        size += _length(value.get("StringValue", value.get("BinaryValue", "")))
    return size
