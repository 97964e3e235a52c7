"""moto, made safe for threads and linear in time.

Three adjustments to moto, all in :func:`moto_for_threads`, make the soak meaningful and finish:

- moto's in-process transport is not thread-safe: ``TransactWriteItems`` checks its conditions and
  then writes, and on a cancellation it puts back a copy of every table it touched, undoing what
  other threads wrote meanwhile. Every moto request therefore runs under one lock; the threads of the
  applier still interleave between calls, as Lambda's do between round trips.
- moto raises (a UnicodeEncodeError) on an SQS message holding a lone surrogate, where SQS answers
  ``InvalidMessageContents``; the transport answers that instead.
- moto deep-copies each table a transaction touches before it starts (measured: 200 transactions on
  a 6,000-item table took 51 s), which makes a soak quadratic. The copy is replaced by a snapshot of
  only the items the transaction names, restored on any failure: the same all-or-nothing result.
"""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any
from unittest import mock

import moto.dynamodb.models as moto_dynamodb_models
from botocore.awsrequest import AWSResponse
from moto.core.botocore_stubber import BotocoreStubber, MockRawResponse
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table


def _copy_all_but_tables(value: Any, memo: dict[int, Any] | None = None) -> Any:
    return value if isinstance(value, Table) else copy.deepcopy(value, memo)


def _item_key(table: Table, op_type: str, op: Mapping[str, Any]) -> tuple[DynamoType, DynamoType | None]:
    attrs = op["Item"] if op_type == "Put" else op["Key"]
    range_value = DynamoType(attrs[table.range_key_attr]) if table.range_key_attr else None
    return DynamoType(attrs[table.hash_key_attr]), range_value


def _restore(table: Table, key: tuple[DynamoType, DynamoType | None], old: Any) -> None:
    hash_value, range_value = key
    if old is None:
        table.delete_item(hash_value, range_value)
    elif range_value is None:
        table.items[hash_value] = old
    else:
        table.items[hash_value][range_value] = old


def _sqs_invalid_message_contents(url: str) -> AWSResponse:
    body = json.dumps({"__type": "com.amazonaws.sqs#InvalidMessageContents", "message": "Invalid characters found."})
    headers = {"Content-Type": "application/x-amz-json-1.0", "x-amzn-query-error": "InvalidMessageContents;Sender"}
    return AWSResponse(url, 400, headers, MockRawResponse(body))


@contextmanager
def moto_for_threads() -> Iterator[threading.RLock]:
    """Serialise moto's transport and roll transactions back item by item (see the module doc).

    Yields the transport lock (a test can hold it to freeze the backend).
    """
    lock = threading.RLock()
    stub_call = BotocoreStubber.__call__
    transact = DynamoDBBackend.transact_write_items

    def locked_call(self: BotocoreStubber, event_name: str, request: Any, **kwargs: Any) -> Any:
        with lock:
            try:
                return stub_call(self, event_name, request, **kwargs)
            except UnicodeEncodeError:
                if "://sqs." not in request.url:
                    raise
                # SQS answers InvalidMessageContents for characters it does not allow; moto crashes.
                return _sqs_invalid_message_contents(request.url)

    def item_rollback_transact(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
        snapshots = []
        for entry in transact_items:
            op_type, op = next(iter(entry.items()))
            table = self.tables.get(op.get("TableName", ""))
            try:
                key = _item_key(table, op_type, op) if table is not None else None
            except KeyError:
                key = None  # a malformed action: moto refuses the whole call before writing
            if table is not None and key is not None:
                snapshots.append((table, key, copy.deepcopy(table.get_item(*key))))
        try:
            transact(self, transact_items)
        except Exception:
            for table, key, old in reversed(snapshots):
                _restore(table, key, old)
            raise

    no_table_copy = SimpleNamespace(deepcopy=_copy_all_but_tables)
    with (
        mock.patch.object(BotocoreStubber, "__call__", locked_call),
        mock.patch.object(DynamoDBBackend, "transact_write_items", item_rollback_transact),
        mock.patch.object(moto_dynamodb_models, "copy", no_table_copy),
    ):
        yield lock
