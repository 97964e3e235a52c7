"""Publishing order events to EventBridge: validated, batched, retried, never over-reported.

PutEvents answers HTTP 200 even when some entries failed (``FailedEntryCount``); the seed's
publisher threw on the first and lost the others. Here every entry gets its own result.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from orders_shared.aws import error_code
from orders_shared.batching import batches
from orders_shared.errors import OrderPipelineError
from orders_shared.events import NewEvent
from orders_shared.validation import validate_written

if TYPE_CHECKING:
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_events.type_defs import PutEventsRequestEntryTypeDef, PutEventsResultEntryTypeDef

MAX_ENTRIES_PER_CALL = 10  # PutEvents takes 1-10 entries
MAX_BYTES_PER_CALL = 256 * 1024  # and at most 256 KB in total, counted as in _entry_size
# Per-entry codes PutEvents documents as transient, plus those of a whole call that failed in transit.
RETRYABLE_ERRORS = frozenset(
    {"ThrottlingException", "InternalFailure", "InternalException", "ServiceUnavailable", "RequestTimeout"}
)


@dataclass(frozen=True, slots=True)
class PublishResult:
    """What happened to one event.

    ``bus_event_id`` is EventBridge's id for the entry that was accepted; ``None`` when not sent.
    """

    event_id: str
    bus_event_id: str | None
    attempts: int
    error_code: str | None = None
    error_message: str | None = None

    @property
    def sent(self) -> bool:
        """True only when EventBridge acknowledged the entry."""
        return self.bus_event_id is not None


class EventTooLargeError(OrderPipelineError, ValueError):
    """One event is larger than a PutEvents request may carry (256 KB)."""


class PublishError(OrderPipelineError):
    """Some events could not be published after every retry.

    Attributes
    ----------
    results : list of PublishResult
        One result per event, in input order; ``failed`` holds only those not sent.
    """

    def __init__(self, results: Sequence[PublishResult]) -> None:
        self.results = list(results)
        self.failed = [result for result in self.results if not result.sent]
        listed = ", ".join(f"{r.event_id} ({r.error_code})" for r in self.failed)
        super().__init__(f"{len(self.failed)} of {len(self.results)} events not published: {listed}")


def _entry_size(entry: PutEventsRequestEntryTypeDef) -> int:
    # The PutEvents size rule: Source, DetailType, Detail and each resource in UTF-8, 14 bytes for Time.
    size = 14 if "Time" in entry else 0
    for text in (entry.get("Source", ""), entry.get("DetailType", ""), entry.get("Detail", "")):
        size += len(text.encode("utf-8"))
    size += sum(len(resource.encode("utf-8")) for resource in entry.get("Resources", ()))
    return size


def _call_error_code(error: ClientError | BotoCoreError) -> str:
    """The code under which a failed call is recorded; retryable codes are mapped to InternalFailure."""
    if isinstance(error, ClientError):
        code = error_code(error) or "Unknown"
        status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))
        return "InternalFailure" if status >= 500 and code not in RETRYABLE_ERRORS else code
    return "InternalFailure"  # connection reset, read timeout: the entries may be sent again


class EventPublisher:
    """Publish :class:`~orders_shared.events.NewEvent` objects to one event bus.

    Parameters
    ----------
    client
        A boto3 ``events`` client, built once by the caller.
    bus_name : str
        The event bus name or ARN.
    max_attempts : int
        Attempts per entry, the first included.
    base_delay, max_delay : float
        Exponential backoff with full jitter: before attempt ``n`` (from 2) it sleeps
        ``uniform(0, min(max_delay, base_delay * 2 ** (n - 2)))`` seconds.
    sleep, rand
        Injected for tests.
    """

    def __init__(
        self,
        client: EventBridgeClient,
        bus_name: str,
        *,
        max_attempts: int = 5,
        base_delay: float = 0.05,
        max_delay: float = 2.0,
        sleep: Callable[[float], None] = time.sleep,
        rand: Callable[[], float] = random.random,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self._client = client
        self._bus_name = bus_name
        self._max_attempts = max_attempts
        self._base_delay = base_delay
        self._max_delay = max_delay
        self._sleep = sleep
        self._rand = rand

    def publish(self, events: Sequence[NewEvent]) -> list[PublishResult]:
        """Validate and publish events, at least once each.

        Every detail is validated before anything is sent, so an invalid event sends nothing: a
        producer sends a released schema version exactly (a strict writer, ``validate_written``).
        Entries that fail with a retryable error (throttling, internal failure, a 5xx or a lost
        connection for the whole call) are sent again, each with the same detail and so the same
        ``metadata.eventId``; a retried entry may reach the bus twice, which consumers absorb by
        that id.

        Returns
        -------
        list of PublishResult
            One per event, in input order, all sent.

        Raises
        ------
        SchemaValidationError, UnknownEventTypeError
            If a detail breaks the contract (nothing was sent).
        EventTooLargeError
            If one event alone exceeds 256 KB (nothing was sent).
        PublishError
            If some events were still not sent after ``max_attempts``; it lists each of them and
            the results of all (the others were sent).
        """
        entries: list[PutEventsRequestEntryTypeDef] = []
        for event in events:
            validate_written(event.detail_type, event.detail)
            entry: PutEventsRequestEntryTypeDef = {
                "EventBusName": self._bus_name,
                "Source": event.source,
                "DetailType": str(event.detail_type),
                "Detail": event.detail_json,
            }
            if _entry_size(entry) > MAX_BYTES_PER_CALL:
                raise EventTooLargeError(f"event {event.event_id} is {_entry_size(entry)} bytes, over 256 KB")
            entries.append(entry)
        sizes = [_entry_size(entry) for entry in entries]

        results: list[PublishResult | None] = [None] * len(entries)
        pending = list(range(len(entries)))
        attempt = 0
        while pending:
            attempt += 1
            if attempt > 1:
                self._sleep(self._rand() * min(self._max_delay, self._base_delay * 2 ** (attempt - 2)))
            retry: list[int] = []
            chunks = batches(
                pending, max_items=MAX_ENTRIES_PER_CALL, max_bytes=MAX_BYTES_PER_CALL, size_of=sizes.__getitem__
            )
            for chunk in chunks:
                for index, outcome in zip(chunk, self._send(chunk, entries), strict=True):
                    bus_id, code, message = outcome
                    if bus_id is not None or code not in RETRYABLE_ERRORS:
                        results[index] = PublishResult(events[index].event_id, bus_id, attempt, code, message)
                    elif attempt >= self._max_attempts:
                        results[index] = PublishResult(events[index].event_id, None, attempt, code, message)
                    else:
                        retry.append(index)
            pending = retry

        final = [result for result in results if result is not None]
        if any(not result.sent for result in final):
            raise PublishError(final)
        return final

    def _send(
        self, chunk: list[int], entries: list[PutEventsRequestEntryTypeDef]
    ) -> list[tuple[str | None, str | None, str | None]]:
        """One PutEvents call; per entry (bus event id, error code, error message)."""
        try:
            response = self._client.put_events(Entries=[entries[index] for index in chunk])
        except (ClientError, BotoCoreError) as error:
            # A refused call (access denied, no such bus) fails its entries for good; the loop
            # still reports every entry, so the caller learns which earlier chunks were sent.
            return [(None, _call_error_code(error), str(error)[:200])] * len(chunk)
        answered = response.get("Entries", [])
        outcomes: list[tuple[str | None, str | None, str | None]] = []
        for position in range(len(chunk)):
            item: PutEventsResultEntryTypeDef = answered[position] if position < len(answered) else {}
            if item.get("EventId") and not item.get("ErrorCode"):
                outcomes.append((item["EventId"], None, None))
            else:
                # An entry without an EventId was not accepted, whatever else the answer says.
                outcomes.append((None, item.get("ErrorCode", "InternalFailure"), item.get("ErrorMessage")))
        return outcomes
