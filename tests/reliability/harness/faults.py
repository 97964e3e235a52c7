"""Fault injection through botocore's event hooks, reproducible for a seed (see the package doc)."""

from __future__ import annotations

import hashlib
import json
import random
import threading
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping
from decimal import Decimal
from enum import StrEnum
from typing import Any

from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError

from tests.reliability.harness.common import REGION
from tests.support.partiql import Insert, StatementError, parse


class Fault(StrEnum):
    """What the injector can do to one call."""

    THROTTLING = "ThrottlingException"
    THROUGHPUT = "ProvisionedThroughputExceededException"  # DynamoDB only
    INTERNAL = "InternalServerError"  # HTTP 500
    UNAVAILABLE = "ServiceUnavailable"  # HTTP 503
    CONNECTION = "EndpointConnectionError"  # never reached the service
    TIMEOUT_BEFORE = "ReadTimeoutError(not executed)"
    TIMEOUT_AFTER = "ReadTimeoutError(executed)"  # the service did it; the answer was lost
    CONFLICT = "TransactionConflict"  # TransactWriteItems, and single-item writes (an item in a transaction)
    PARTIAL = "PartialBatchFailure"  # a batch call answers 200 with one entry not done


_STATUS = {Fault.THROTTLING: 400, Fault.THROUGHPUT: 400, Fault.INTERNAL: 500, Fault.UNAVAILABLE: 503}
_COMMON = (
    Fault.THROTTLING,
    Fault.INTERNAL,
    Fault.UNAVAILABLE,
    Fault.CONNECTION,
    Fault.TIMEOUT_BEFORE,
    Fault.TIMEOUT_AFTER,
)
_EXTRA: Mapping[str, tuple[Fault, ...]] = {
    "TransactWriteItems": (Fault.THROUGHPUT, Fault.CONFLICT),
    "BatchGetItem": (Fault.THROUGHPUT, Fault.PARTIAL),
    # A single-item write to an item a transaction is writing fails with TransactionConflictException.
    "PutItem": (Fault.THROUGHPUT, Fault.CONFLICT),
    "UpdateItem": (Fault.THROUGHPUT, Fault.CONFLICT),
    "GetItem": (Fault.THROUGHPUT,),
    "Query": (Fault.THROUGHPUT,),
    "PublishBatch": (Fault.PARTIAL,),
    "SendMessageBatch": (Fault.PARTIAL,),
    # PARTIAL: one statement not executed, answered ThrottlingError at its place (as AWS reports throttling).
    "BatchExecuteStatement": (Fault.THROUGHPUT, Fault.PARTIAL),
}


_MEMBER = "PublishBatchRequestEntries.member."


# What names a commit's ledger (storage format 2): drawn from the wall clock and a random shard, so it
# differs from run to run without meaning anything; the digest sees a placeholder instead.
_LEDGER_NAMES = frozenset({"ledger", ":ledgers", ":seen", "expiresAt"})
_LEDGER_PREFIX = "#ledger#"


def _canonical(value: Any) -> Any:
    # Order-free: the processor builds some requests by iterating a set, whose order changes from
    # one process to the next (string hashing is salted), and a fault must not depend on it. So
    # lists are sorted, and batch entry ids (positions) dropped. Ledger ids are replaced (above).
    if isinstance(value, dict):
        if str(value.get("streamId", {}).get("S", "")).startswith(_LEDGER_PREFIX):
            value = {**value, "streamId": "ledger", "version": "ledger"}
        return {
            key: "ledger" if key in _LEDGER_NAMES else _canonical(item) for key, item in value.items() if key != "Id"
        }
    if isinstance(value, list):
        return sorted((_canonical(item) for item in value), key=lambda item: json.dumps(item, sort_keys=True))
    return value


_HEAD_LEDGERS = "ledgers"  # orders_shared.event_store.LEDGERS: under UpdateItem, its values are ":ledgers"


def _bound_names(statement: dict[str, Any]) -> list[str] | None:
    """The name each ``?`` of a PartiQL statement is bound to, in order (VALUE, then SET, then WHERE),
    read by the moto stand-in's parser; None for a statement outside its grammar."""
    try:
        parsed = parse(statement.get("Statement", ""), list(statement.get("Parameters", [])))
    except StatementError:
        return None
    if isinstance(parsed, Insert):
        return list(parsed.item)
    return [name for name, _, _ in parsed.assignments] + [name for name, _ in parsed.equalities]


def _named_statement(statement: dict[str, Any]) -> dict[str, Any]:
    """A PartiQL statement with its parameters under the names they are bound to, in place of a list.

    So ``_canonical`` sees an INSERT's item as it sees a PutItem's (a ledger's random ``streamId``
    and ``version`` replaced), and does not sort the parameters away from their places.
    """
    parameters = statement.get("Parameters", [])
    names = _bound_names(statement)
    if names is None:
        names = [f"?{n}" for n in range(len(parameters))]  # not a statement of the usual shapes: by position
    named: dict[str, Any] = {}
    for name, value in zip(names, parameters, strict=True):
        named[name if name not in named else f"{name}?{len(named)}"] = value  # a WHERE may name a SET attribute
    if _HEAD_LEDGERS in named:  # a head's list of ledger ids (SET "ledgers"[i] = ?, or its INSERT)
        named[_HEAD_LEDGERS] = "ledger"
    return {**statement, "Parameters": named}


def _statement_order(statement: dict[str, Any]) -> str:
    # The content a statement is chosen by, free of ledger ids (see _drop_one_entry).
    return json.dumps(_canonical(_named_statement(statement)), sort_keys=True)


def _query_entries(body: dict[str, Any]) -> dict[str, Any]:
    """A query-protocol PublishBatch body as ``{other fields, "entries": [{field: value}]}``."""
    entries: dict[str, dict[str, Any]] = defaultdict(dict)
    rest = {}
    for name, value in body.items():
        if name.startswith(_MEMBER):
            index, _, suffix = name.removeprefix(_MEMBER).partition(".")
            entries[index][suffix] = value
        else:
            rest[name] = value
    return {**rest, "entries": list(entries.values())}


def _digest(body: Any) -> str:
    document = json.loads(body) if isinstance(body, bytes) and body else body
    if isinstance(document, dict):
        document.pop("ClientRequestToken", None)  # botocore fills it with a fresh uuid4 on every call
        if "Action" in document:
            document = _query_entries(document)
        if "Statements" in document:  # BatchExecuteStatement
            document["Statements"] = [_named_statement(statement) for statement in document["Statements"]]
    return hashlib.sha256(json.dumps(_canonical(document), sort_keys=True, default=str).encode()).hexdigest()


class FaultInjector:
    """Fails a share of the calls of the clients it is attached to, reproducibly for a seed.

    Parameters
    ----------
    seed : int
        Fault decisions are ``Random(f"{seed}:{operation}:{digest}:{n}")`` for the n-th identical
        request, so they do not depend on which thread asks first.
    rate : float
        The share of calls that fail (0 disables injection; the counters still count calls).
    """

    def __init__(self, seed: int, rate: float) -> None:
        self.seed = seed
        self.rate = rate
        self.calls: Counter[str] = Counter()
        self.injected: Counter[str] = Counter()
        self.answers_lost: list[tuple[str, Any, dict[str, Any]]] = []  # (operation, request body, answer)
        self._seen: Counter[str] = Counter()
        self._lock = threading.Lock()

    def attach(self, client: Any) -> Any:
        """Register the hooks on one boto3 client (and return it)."""
        client.meta.events.register("before-call.*.*", self._before_call)
        client.meta.events.register("after-call.*.*", self._after_call)
        return client

    @property
    def total_injected(self) -> int:
        """How many calls were failed."""
        return sum(self.injected.values())

    def _choose(self, operation: str, body: Any) -> Fault | None:
        digest = _digest(body)
        with self._lock:
            occurrence = self._seen[digest]
            self._seen[digest] += 1
            self.calls[operation] += 1
        rng = random.Random(f"{self.seed}:{operation}:{digest}:{occurrence}")
        if self.rate <= 0 or rng.random() >= self.rate:
            return None
        return rng.choice(_COMMON + _EXTRA.get(operation, ()))

    def _before_call(self, model: Any, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        operation = model.name
        fault = self._choose(operation, params.get("body"))
        if fault is Fault.PARTIAL:
            dropped = _drop_one_entry(operation, params)
            if dropped is None:
                fault = Fault.INTERNAL  # a one-entry batch cannot fail in part: fail it whole
            else:
                context["injected_partial"] = dropped
        if fault is None:
            return
        with self._lock:
            self.injected[fault] += 1
        url = str(params.get("url", f"https://{model.service_model.endpoint_prefix}.{REGION}.amazonaws.com"))
        if fault is Fault.CONNECTION:
            raise EndpointConnectionError(endpoint_url=url)
        if fault is Fault.TIMEOUT_BEFORE:
            raise ReadTimeoutError(endpoint_url=url)
        if fault is Fault.CONFLICT and operation != "TransactWriteItems":
            raise ClientError(
                {
                    "Error": {"Code": "TransactionConflictException", "Message": "injected conflict"},
                    "ResponseMetadata": {"HTTPStatusCode": 400},
                },
                operation,
            )
        if fault is Fault.CONFLICT:
            actions = json.loads(params["body"])["TransactItems"]
            reasons = [{"Code": "None"} for _ in actions]
            reasons[-1] = {"Code": "TransactionConflict", "Message": "injected conflict"}
            raise ClientError(
                {
                    "Error": {"Code": "TransactionCanceledException", "Message": "injected"},
                    "CancellationReasons": reasons,
                    "ResponseMetadata": {"HTTPStatusCode": 400},
                },
                operation,
            )
        if fault in _STATUS:
            raise ClientError(
                {
                    "Error": {"Code": str(fault), "Message": "injected fault"},
                    "ResponseMetadata": {"HTTPStatusCode": _STATUS[fault]},
                },
                operation,
            )
        if fault is Fault.TIMEOUT_AFTER:  # let the call happen, lose its answer
            context["injected_timeout_after"] = url
            context["injected_request"] = params.get("body")

    def _after_call(self, model: Any, parsed: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        if "injected_timeout_after" in context:
            with self._lock:
                self.answers_lost.append((model.name, context["injected_request"], parsed))
            raise ReadTimeoutError(endpoint_url=context["injected_timeout_after"])
        dropped = context.get("injected_partial")
        if dropped is not None and model.name in {"PublishBatch", "SendMessageBatch"}:
            failure = {"Id": dropped, "Code": "InternalError", "SenderFault": False, "Message": "injected"}
            parsed.setdefault("Failed", []).append(failure)
        elif dropped is not None and model.name == "BatchExecuteStatement" and "Responses" in parsed:
            parsed["Responses"].insert(dropped, {"Error": {"Code": "ThrottlingError", "Message": "injected"}})
        elif dropped is not None and model.name == "BatchGetItem" and not _unprocess_one_item(parsed, dropped):
            with self._lock:
                self.injected[Fault.PARTIAL] -= 1  # none of the orders existed: nothing to hold back


def _drop_one_entry(operation: str, params: dict[str, Any]) -> Any:
    """Remove one entry of a batch request before it is sent; returns what the answer needs.

    The entry is chosen by content (the greatest), not position, so the choice does not depend on
    the order the processor happened to build the batch in.
    """
    if operation == "PublishBatch":  # query protocol: a flat dict of form fields
        document = _query_entries(params["body"])
        entries = document.pop("entries")
        if len(entries) < 2:
            return None  # a batch needs one entry: leave a single one alone
        dropped = max(entries, key=lambda entry: json.dumps(entry, sort_keys=True))
        kept = [entry for entry in entries if entry is not dropped]
        params["body"] = {
            **document,
            **{f"{_MEMBER}{n}.{field}": value for n, entry in enumerate(kept, 1) for field, value in entry.items()},
        }
        return dropped["Id"]
    request = json.loads(params["body"])
    if operation == "SendMessageBatch":
        if len(request["Entries"]) < 2:
            return None
        dropped = max(request["Entries"], key=lambda entry: entry["MessageBody"])
        request["Entries"] = [entry for entry in request["Entries"] if entry is not dropped]
        params["body"] = json.dumps(request).encode()
        return dropped["Id"]
    if operation == "BatchExecuteStatement":
        return _drop_one_statement(request, params)
    return request  # BatchGetItem: read everything, hand one item back as unprocessed


def _drop_one_statement(request: dict[str, Any], params: dict[str, Any]) -> int | None:
    """Remove one statement of a BatchExecuteStatement (the greatest by content, ledger ids aside);
    returns its position, where the answer gets its error."""
    statements = request["Statements"]
    if len(statements) < 2:
        return None
    position = max(range(len(statements)), key=lambda n: _statement_order(statements[n]))
    request["Statements"] = statements[:position] + statements[position + 1 :]
    params["body"] = json.dumps(request).encode()
    return position


def _unprocess_one_item(parsed: dict[str, Any], request: dict[str, Any]) -> bool:
    """Move one item of a BatchGetItem answer to UnprocessedKeys; False when there was none."""
    for table, items in parsed.get("Responses", {}).items():
        if not items:
            continue
        item = max(items, key=lambda found: json.dumps(found, sort_keys=True))  # by content, as above
        items.remove(item)
        spec = request["RequestItems"][table]
        key = next(k for k in spec["Keys"] if all(item.get(name) == value for name, value in k.items()))
        unprocessed = {**{name: value for name, value in spec.items() if name != "Keys"}, "Keys": [key]}
        parsed.setdefault("UnprocessedKeys", {})[table] = unprocessed
        return True
    return False


class DynamoNumberLimits:
    """Refuses what DynamoDB refuses and moto stores: numbers beyond 38 digits or 1E-130..9.9E125.

    DynamoDB answers ``ValidationException`` (HTTP 400) to such a request, whatever the retry.
    """

    def attach(self, client: Any) -> Any:
        """Register on one boto3 DynamoDB client (and return it)."""
        client.meta.events.register("before-call.dynamodb.*", self._before_call)
        return client

    @staticmethod
    def _before_call(model: Any, params: dict[str, Any], **_: Any) -> None:
        for number in _numbers(json.loads(params.get("body") or b"{}")):
            value = Decimal(number)
            digits = len(value.normalize().as_tuple().digits)
            if value and (digits > 38 or not -130 <= value.adjusted() <= 125):
                message = "Number overflow or underflow, or more than 38 significant digits"
                raise ClientError(
                    {
                        "Error": {"Code": "ValidationException", "Message": message},
                        "ResponseMetadata": {"HTTPStatusCode": 400},
                    },
                    model.name,
                )


def _numbers(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "N" and isinstance(value, str):
                yield value
            else:
                yield from _numbers(value)
    elif isinstance(node, list):
        for value in node:
            yield from _numbers(value)
