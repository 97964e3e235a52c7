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
from dataclasses import replace
from typing import Any

from botocore.awsrequest import AWSResponse

from tests.reliability.harness.common import REGION
from tests.reliability.harness.faults import FaultInjector
from tests.support.partiql import Insert, Update, key_attributes, parse, render

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


def _writes(handler: Callable[[str, dict[str, Any]], None]) -> dict[str, Hook]:
    """Hooks that hand every write the processor sends (storage format 2: PutItem, UpdateItem, and
    each write of a TransactWriteItems) to ``handler(kind, write)``, kind "Put" or "Update", to change
    in place."""

    def single(kind: str) -> Hook:
        def hook(params: dict[str, Any], **_: Any) -> None:
            handler(kind, params)

        return hook

    def transaction(params: dict[str, Any], **_: Any) -> None:
        for action in params["TransactItems"]:
            for kind, write in action.items():
                handler(kind, write)

    return {
        "before-parameter-build.dynamodb.PutItem": single("Put"),
        "before-parameter-build.dynamodb.UpdateItem": single("Update"),
        "before-parameter-build.dynamodb.TransactWriteItems": transaction,
    }


type Statement = Insert | Update


def _statements(handler: Callable[[Statement], Statement | None]) -> dict[str, Hook]:
    """Hooks that hand every PartiQL statement of a ``BatchExecuteStatement`` (the commit's rounds),
    parsed, to ``handler``, which returns the statement to send instead (None: send it as it is)."""

    def hook(params: dict[str, Any], **_: Any) -> None:
        for n, statement in enumerate(params["Statements"]):
            changed = handler(parse(statement["Statement"], statement.get("Parameters", [])))
            if changed is not None:
                params["Statements"][n] = {**statement, **render(changed)}

    return {"before-parameter-build.dynamodb.BatchExecuteStatement": hook}


def is_head_statement(statement: Statement) -> bool:
    """Whether a commit's statement writes an order's head: a new one (an INSERT of an item with its
    list of events) or a later change's (an UPDATE setting an entry of that list)."""
    if isinstance(statement, Insert):
        return "events" in statement.item and "orderId" in statement.item
    return any(name == "events" for name, _, _ in statement.assignments)


def _is_head(write: dict[str, Any]) -> bool:
    # A later change's head (an UpdateItem appending ids), or a new order's (a Put of an item with its list).
    return ("UpdateExpression" in write and ":ids" in write.get("ExpressionAttributeValues", {})) or (
        "events" in write.get("Item", {}) and "orderId" in write.get("Item", {})
    )


def stream_entries_dropped(from_version: int) -> dict[str, Hook]:
    """The head's commit of every change to ``from_version`` or beyond leaves the event out of the list.

    The projection (and the head's version) still moves and the event's item is still written: the
    processor reports the event applied, but its stream (what the head lists) lacks it.
    """

    def drop(kind: str, write: dict[str, Any]) -> None:
        values = write.get("ExpressionAttributeValues", {})
        if kind == "Update" and _is_head(write) and int(values[":version"]["N"]) >= from_version:
            values[":ids"] = {"L": []}
            values[":ledgers"] = {"L": []}

    def drop_statement(statement: Statement) -> Statement | None:
        if not isinstance(statement, Update) or not is_head_statement(statement):
            return None
        [version] = [int(value["N"]) for name, _, value in statement.assignments if name == "version"]
        if version < from_version:
            return None
        kept = tuple(entry for entry in statement.assignments if entry[0] not in {"events", "ledgers"})
        return replace(statement, assignments=kept)

    return {**_writes(drop), **_statements(drop_statement)}


def conditions_stripped() -> dict[str, Hook]:
    """Every condition of the processor's writes is removed: last writer wins.

    Two appliers that read the same state then both commit: the event's item (the idempotency
    marker) is overwritten instead of refused, and the head appends the event again.
    """

    def strip(kind: str, write: dict[str, Any]) -> None:
        if write.pop("ConditionExpression", None) is None:
            return
        write.pop("ReturnValuesOnConditionCheckFailure", None)
        values, names = write.get("ExpressionAttributeValues", {}), write.get("ExpressionAttributeNames", {})
        for name in (":expected", ":seen"):
            values.pop(name, None)
        names.pop("#ledger", None)
        for key, emptied in (("ExpressionAttributeValues", values), ("ExpressionAttributeNames", names)):
            if key in write and not emptied:
                del write[key]

    # PartiQL has no unconditional INSERT, and an UPDATE's WHERE is its condition: the statements of
    # a BatchExecuteStatement are written here instead, as moto's plain Put and keyed-only Update, and
    # the call is answered as if DynamoDB had done them (it never reaches moto's endpoint).
    def unconditional(params: dict[str, Any], **_: Any) -> tuple[AWSResponse, dict[str, Any]]:
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.dynamodb.models import dynamodb_backends

        from tests.support.partiql import run_statement

        backend = dynamodb_backends[DEFAULT_ACCOUNT_ID][REGION]
        responses = []
        for statement in json.loads(params["body"])["Statements"]:
            parsed = parse(statement["Statement"], statement.get("Parameters", []))
            if isinstance(parsed, Insert):
                backend.put_item(parsed.table, parsed.item)
            else:
                keys = key_attributes(backend, parsed.table)
                run_statement(
                    backend, {}, replace(parsed, equalities=tuple(e for e in parsed.equalities if e[0] in keys))
                )
            responses.append({"TableName": parsed.table})
        return AWSResponse(str(params.get("url", "")), 200, {}, None), {"Responses": responses}

    return {**_writes(strip), "before-call.dynamodb.BatchExecuteStatement": unconditional}


class Rendezvous:
    """Holds the first write of each of ``parties`` appliers until all of them are about to commit.

    The first write of a commit is the request of its ledger and its events' items (a
    BatchExecuteStatement; an ignored event's marker is a PutItem), after the states were read and
    before any event is claimed.

    Every applier has then read the same states: a race that only the conditions can settle. Not a
    defect in itself; :meth:`hooks` gives each applier its own once-only wait.
    """

    def __init__(self, parties: int, timeout: float = 5.0) -> None:
        self._barrier = threading.Barrier(parties, timeout=timeout)

    def hooks(self) -> dict[str, Hook]:
        """The hook of one applier (its first write waits for the others')."""
        waited = threading.Event()

        def hook(**_: Any) -> None:
            if waited.is_set():
                return
            waited.set()
            with contextlib.suppress(threading.BrokenBarrierError):  # one had nothing to commit: go on
                self._barrier.wait()

        operations = ("BatchExecuteStatement", "PutItem", "TransactWriteItems")
        return {f"before-call.dynamodb.{operation}": hook for operation in operations}


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
    """Every idempotency marker a write finds in its way is read back as the writer's own, committed.

    The old item DynamoDB returns on a failed condition (``ReturnValuesOnConditionCheckFailure``), or
    the read of the event's item that follows a refused INSERT, gets the order, type and digest of the
    marker the processor tried to write, and the read of that order's head that follows lists the
    id: an event reusing an id looks like a redelivery of the id's first event, already in its
    stream, which is what a processor that never compares would conclude.
    """
    disguised: set[str] = set()
    lock = threading.Lock()

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
                with lock:
                    disguised.add(old["streamId"]["S"].removeprefix("event#"))

    # A claim refused by PartiQL (DuplicateItem) carries no item: the processor reads the event's item
    # next (GetItem), and that answer is disguised the same way, with the claim this applier sent.
    sent: dict[str, dict[str, Any]] = {}

    def remember_statements(params: dict[str, Any], **_: Any) -> None:
        for statement in params["Statements"]:
            parsed = parse(statement["Statement"], statement.get("Parameters", []))
            if isinstance(parsed, Insert) and parsed.item.get("streamId", {}).get("S", "").startswith("event#"):
                with lock:
                    sent[parsed.item["streamId"]["S"]] = parsed.item

    def read(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        context["sabotage_head_read"] = "#events" in params.get("ProjectionExpression", "")
        context["sabotage_event_read"] = params.get("Key", {}).get("streamId", {}).get("S", "")

    def answered(parsed: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        with lock:
            mine = sent.get(context.get("sabotage_event_read", ""))
        if mine is not None and "Error" not in parsed and parsed.get("Item"):
            parsed["Item"].update({name: mine[name] for name in _MARKER_FIELDS})
            with lock:
                disguised.add(mine["streamId"]["S"].removeprefix("event#"))
        if not context.get("sabotage_head_read") or "Error" in parsed:
            return  # not the read of a head's event list
        item = parsed.setdefault("Item", {"events": {"L": []}})
        entries = item.setdefault("events", {"L": []})["L"]
        with lock:
            entries.extend({"S": event_id} for event_id in sorted(disguised))

    return {
        **{f"before-parameter-build.dynamodb.{operation}": remember for operation in ("TransactWriteItems", "PutItem")},
        **{f"after-call.dynamodb.{operation}": disguise for operation in ("TransactWriteItems", "PutItem")},
        "before-parameter-build.dynamodb.BatchExecuteStatement": remember_statements,
        "before-parameter-build.dynamodb.GetItem": read,
        "after-call.dynamodb.GetItem": answered,
    }


def projection_customer_replaced() -> dict[str, Hook]:
    """Every projection the processor writes names another customer than its order's creation did.

    Statuses, versions, streams and counters stay right: only a comparison of the projection with
    the fold of its stream sees it.
    """

    def replace_write(kind: str, write: dict[str, Any]) -> None:
        if not _is_head(write):
            return
        if kind == "Put":  # a new order's head: the whole projection
            write["Item"]["customerId"] = {"S": "someone-else"}
            return
        for alias, name in write["ExpressionAttributeNames"].items():
            if name == "customerId":
                write["ExpressionAttributeValues"][":" + alias.removeprefix("#")] = {"S": "someone-else"}

    def replace_statement(statement: Statement) -> Statement | None:
        if isinstance(statement, Insert) and is_head_statement(statement):
            return Insert(statement.table, {**statement.item, "customerId": {"S": "someone-else"}})
        return None  # a later change's UPDATE sets no customer (the creation's never changes)

    return {**_writes(replace_write), **_statements(replace_statement)}
