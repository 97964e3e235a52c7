"""Deliberately broken processors, to show that each reliability check can fail.

A check that no broken processor can fail proves nothing. Each sabotage here breaks what the
processor sends to AWS (a botocore ``before-parameter-build`` hook on the clients the real adapters
are given), so that the broken processor is the real one with one defect, and no code of the
processor is patched. :class:`Sabotaged` carries the hooks to every client of an applier, like the
fault injector it extends (with a zero rate it injects no fault).
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable, Mapping
from typing import Any

from tests.reliability.harness.faults import FaultInjector

Hook = Callable[..., None]


class Sabotaged(FaultInjector):
    """A fault injector that also registers ``hooks`` (event name -> handler) on every client."""

    def __init__(self, hooks: Mapping[str, Hook], seed: int = 0, rate: float = 0.0) -> None:
        super().__init__(seed, rate)
        self._hooks = dict(hooks)

    def attach(self, client: Any) -> Any:
        """Register the sabotage, then the faults, on one boto3 client (and return it)."""
        for event_name, hook in self._hooks.items():
            client.meta.events.register(event_name, hook)
        return super().attach(client)


def _transaction(handler: Callable[[list[dict[str, Any]]], list[dict[str, Any]]]) -> dict[str, Hook]:
    def hook(params: dict[str, Any], **_: Any) -> None:
        params["TransactItems"] = handler(params["TransactItems"])

    return {"before-parameter-build.dynamodb.TransactWriteItems": hook}


def stream_entries_dropped(from_version: int) -> dict[str, Hook]:
    """The event-store entry of every change to ``from_version`` or beyond is left out of its transaction.

    The projection still moves and the marker is still written: the processor reports the event
    applied, but its stream lacks it.
    """

    def keep(action: dict[str, Any]) -> bool:
        item = action.get("Put", {}).get("Item", {})
        is_entry = "eventId" in item and not item["streamId"]["S"].startswith("event#")
        return not (is_entry and int(item["version"]["N"]) >= from_version)

    return _transaction(lambda actions: [action for action in actions if keep(action)])


def conditions_stripped() -> dict[str, Hook]:
    """Every condition of the processor's transactions is removed: last writer wins.

    Two appliers that read the same state then both commit: the projection, the stream slot and
    the idempotency marker are overwritten instead of refused.
    """

    def strip(actions: list[dict[str, Any]]) -> list[dict[str, Any]]:
        for action in actions:
            for write in action.values():
                if write.pop("ConditionExpression", None) is not None:
                    write.pop("ReturnValuesOnConditionCheckFailure", None)
                    if "UpdateExpression" not in write:
                        write.pop("ExpressionAttributeValues", None)
                        write.pop("ExpressionAttributeNames", None)
        return actions

    return _transaction(strip)


class Rendezvous:
    """Holds the first transaction of each of ``parties`` appliers until all of them are about to commit.

    Every applier has then read the same states: a race that only the conditions can settle. Not a
    defect in itself; :meth:`hooks` gives each applier its own once-only wait.
    """

    def __init__(self, parties: int, timeout: float = 5.0) -> None:
        self._barrier = threading.Barrier(parties, timeout=timeout)

    def hooks(self) -> dict[str, Hook]:
        """The hook of one applier (its first TransactWriteItems waits for the others')."""
        waited = threading.Event()

        def hook(**_: Any) -> None:
            if waited.is_set():
                return
            waited.set()
            with contextlib.suppress(threading.BrokenBarrierError):  # one had nothing to commit: go on
                self._barrier.wait()

        return {"before-call.dynamodb.TransactWriteItems": hook}


def previous_status_replaced() -> dict[str, Hook]:
    """Every notification names its new status as the previous one (the event id left intact)."""

    def hook(params: dict[str, Any], **_: Any) -> None:
        for entry in params["PublishBatchRequestEntries"]:
            message = json.loads(entry["Message"])
            message["previousStatus"] = message["status"]
            entry["Message"] = json.dumps(message)

    return {"before-parameter-build.sns.PublishBatch": hook}


def parked_twice() -> dict[str, Hook]:
    """Each rejected record is sent to the dead-letter queue twice in the same batch call."""

    def hook(params: dict[str, Any], **_: Any) -> None:
        entries = params["Entries"]
        params["Entries"] = [*entries, *({**entry, "Id": f"{entry['Id']}-again"} for entry in entries)]

    return {"before-parameter-build.sqs.SendMessageBatch": hook}


_MARKER_FIELDS = ("orderId", "eventType", "digest")


def conflicts_taken_for_duplicates() -> dict[str, Hook]:
    """Every idempotency marker a write finds in its way is read back as the writer's own.

    The old item DynamoDB returns on a failed condition (``ReturnValuesOnConditionCheckFailure``)
    gets the order, type and digest of the marker the processor tried to write: an event reusing an
    id looks like a redelivery of the id's first event, which is what a processor that never compares
    would conclude.
    """

    def remember(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        actions = params.get("TransactItems")
        written = [action.get("Put", {}).get("Item") for action in actions] if actions else [params.get("Item")]
        context["sabotage_written"] = written

    def disguise(parsed: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        written = context.get("sabotage_written", [])
        found = [(reason.get("Item"), written[n]) for n, reason in enumerate(parsed.get("CancellationReasons", []))]
        found.append((parsed.get("Item"), written[0] if written else None))
        for old, mine in found:
            if old and mine and old.get("streamId", {}).get("S", "").startswith("event#"):
                old.update({name: mine[name] for name in _MARKER_FIELDS})

    return {
        **{f"before-parameter-build.dynamodb.{operation}": remember for operation in ("TransactWriteItems", "PutItem")},
        **{f"after-call.dynamodb.{operation}": disguise for operation in ("TransactWriteItems", "PutItem")},
    }


def projection_customer_replaced() -> dict[str, Hook]:
    """Every projection the processor writes names another customer than its order's creation did.

    Statuses, versions, streams and counters stay right: only a comparison of the projection with
    the fold of its stream sees it.
    """

    def replace(action: dict[str, Any]) -> dict[str, Any]:
        item = action.get("Put", {}).get("Item", {})
        if "customerId" in item and "orderId" in item:
            item["customerId"] = {"S": "someone-else"}
        return action

    return _transaction(lambda actions: [replace(action) for action in actions])
