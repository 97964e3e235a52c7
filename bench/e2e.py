"""End to end on the local emulator: orders through bus → rule → queue → processor → tables.

For each size, the scenario's order lifecycles (creation, then payment or its failure, then
completion or cancellation, 3 % of events published twice) are published wave by wave, each wave
by a few threads through the ``EventPublisher``, keeping at most BACKLOG messages queued; the next
wave starts once the queue is empty (every event of the previous one acknowledged), so no event
overtakes the one it depends on. At the end every event is looked up in the event store: all
must be there. Throughput is orders over the time from the first publish to the last commit;
latency is each event's ``recordedAt`` (event store, processor clock) minus its
``detail.metadata.occurredAt`` (producer clock, taken just before publishing): the same machine.
"""

from __future__ import annotations

import io
import json
import threading
import time
import uuid
import zipfile
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from harness import median, percentile

PUBLISHERS = 4  # threads publishing PutEvents of 10 entries
POLL_S = 0.1
WATCH_S = 0.05  # how often the producer's watcher reads the queue depth
BACKLOG = 300  # messages queued at most while publishing (see _publish)
WAVE_TIMEOUT_S = 300.0


def _time(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


class Emulator:
    """Clients on the emulator and the stack's outputs."""

    def __init__(self, endpoint: str, stack_name: str) -> None:
        import boto3
        from botocore.config import Config

        config = Config(max_pool_connections=32, retries={"mode": "standard", "max_attempts": 5})
        session = boto3.session.Session(region_name="us-east-1")

        def client(service: str) -> Any:
            return session.client(service, endpoint_url=endpoint, config=config)

        self.client = client
        self.sqs = client("sqs")
        self.dynamodb = client("dynamodb")
        self.events = client("events")
        stack = client("cloudformation").describe_stacks(StackName=stack_name)["Stacks"][0]
        self.outputs = {output["OutputKey"]: output["OutputValue"] for output in stack.get("Outputs", [])}

    def trigger_concurrency(self) -> int:
        """The MaximumConcurrency of the processor's queue trigger, as deployed."""
        mappings = self.client("lambda").list_event_source_mappings(
            FunctionName=self.outputs["OrderProcessorFunctionName"]
        )["EventSourceMappings"]
        return int(mappings[0]["ScalingConfig"]["MaximumConcurrency"])

    def queue_depth(self) -> int:
        attributes = self.sqs.get_queue_attributes(
            QueueUrl=self.outputs["OrderEventsQueueUrl"],
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])

    def batch_get(
        self, table: str, keys: Sequence[dict[str, Any]], projection: str, names: dict[str, str]
    ) -> list[Any]:
        """Every item of ``keys`` that exists (100 keys a call, unprocessed keys retried)."""
        items: list[Any] = []
        for start in range(0, len(keys), 100):
            request: dict[str, Any] = {
                table: {"Keys": list(keys[start : start + 100]), "ProjectionExpression": projection}
            }
            if names:
                request[table]["ExpressionAttributeNames"] = names
            while request:
                response = self.dynamodb.batch_get_item(RequestItems=request)
                items.extend(response.get("Responses", {}).get(table, []))
                request = response.get("UnprocessedKeys") or {}
        return items


def _drained(emulator: Emulator, progress: Callable[[str], None]) -> None:
    """Wait until the queue holds nothing, visible or in flight, twice in a row.

    A message leaves the queue only once the processor acknowledged it (applied, ignored, a
    duplicate) or it moved to the DLQ; whether every event was applied is checked at the end,
    against the event store.
    """
    started = time.monotonic()
    empty = 0
    while empty < 2:
        depth = emulator.queue_depth()
        empty = empty + 1 if depth == 0 else 0
        if time.monotonic() - started > WAVE_TIMEOUT_S:
            raise RuntimeError(f"{depth} messages still queued after {WAVE_TIMEOUT_S:.0f} s")
        progress(f"{depth} queued")
        time.sleep(POLL_S)


class DepthWatcher:
    """Reads the queue depth every WATCH_S in a thread of its own, for the producer to wait on.

    One GetQueueAttributes per tick, however fast the producer goes: asking before every
    PutEvents would add a call and a round trip in front of each. Between two readings the
    producer counts what it sends: the queue holds at most the last reading plus what was sent
    since that reading began.
    """

    def __init__(self, emulator: Emulator) -> None:
        self._emulator = emulator
        self._changed = threading.Condition()
        self._stop = threading.Event()
        self._sent = 0  # messages handed to PutEvents so far
        self._depth, self._sent_at_reading = emulator.queue_depth(), 0
        self._thread = threading.Thread(target=self._watch, name="queue-depth", daemon=True)

    def __enter__(self) -> DepthWatcher:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        with self._changed:
            self._changed.notify_all()
        self._thread.join()

    def _watch(self) -> None:
        while not self._stop.wait(WATCH_S):
            with self._changed:
                sent = self._sent
            depth = self._emulator.queue_depth()
            with self._changed:
                self._depth, self._sent_at_reading = depth, sent
                self._changed.notify_all()

    def send(self, messages: int, limit: int) -> None:
        """Wait until ``messages`` more keep the queue at most ``limit`` (0: no limit), then count them."""
        with self._changed:
            if limit:
                self._changed.wait_for(
                    lambda: (
                        self._depth + self._sent - self._sent_at_reading + messages <= max(limit, messages)
                        or self._stop.is_set()
                    )
                )
            self._sent += messages


def _publish(
    watcher: DepthWatcher,
    publisher: Any,
    factories: Sequence[Callable[[], Any]],
    twice: set[int],
    pool: ThreadPoolExecutor,
    *,
    backlog: int,
) -> list[Any]:
    """Build and publish a wave's events in PutEvents of 10, a few calls at a time; returns the events.

    Each event is built just before its call (its ``occurredAt`` is the publish time), and the
    events at the ``twice`` positions are sent a second time right after. The queue is held under
    ``backlog`` messages (0: no limit): MiniStack's queue operations take time in proportion to the
    messages queued, so a flood of 10,000 would measure the emulator's SQS, not the pipeline.
    """
    events: list[Any] = []
    in_flight: list[Any] = []
    for start in range(0, len(factories), 10):
        indexes = range(start, min(start + 10, len(factories)))
        watcher.send(len(indexes) + len(twice.intersection(indexes)), backlog)
        chunk = [factories[index]() for index in indexes]
        events.extend(chunk)
        again = [event for index, event in zip(indexes, chunk, strict=True) if index in twice]
        in_flight.append(pool.submit(publisher.publish, chunk + again))
        if len(in_flight) >= PUBLISHERS:
            in_flight.pop(0).result()
    for future in in_flight:
        future.result()
    return events


def run_size(
    emulator: Emulator,
    orders: int,
    seed: int,
    progress: Callable[[str], None],
    *,
    backlog: int = BACKLOG,
    verify: bool = True,
    layout: str = "format2",
) -> dict[str, Any]:
    """Publish ``orders`` lifecycles and measure throughput and publish-to-commit latency.

    ``verify=False`` (a processor that stores nothing) times the run to the queue's last drain
    instead of the last commit, and measures no latency. ``layout`` is how the processor stores a
    commit: ``format2`` (ours: each event's item, listed by its order's head) or ``reference`` (the
    calibration processor's stream entries, by order and version).
    """
    import scenario as scenarios

    from orders_shared.publisher import EventPublisher

    plan = scenarios.build(orders, seed=seed, invalid=0)
    publisher = EventPublisher(emulator.events, emulator.outputs["EventBusName"])
    streams: dict[str, int] = {}  # order id -> events applied (the stream's last version)
    applied: dict[str, list[str]] = {}  # order id -> the ids of its events, in publishing order
    published = 0
    waves: list[dict[str, float]] = []
    with ThreadPoolExecutor(max_workers=PUBLISHERS) as pool, DepthWatcher(emulator) as watcher:
        started = time.time()
        for number, factories in enumerate(plan.waves):
            twice = {index for wave_number, index in plan.duplicates if wave_number == number}
            wave_started = time.time()
            wave = _publish(watcher, publisher, factories, twice, pool, backlog=backlog)
            events = len(wave) + len(twice)
            publish_s = time.time() - wave_started
            published += events
            label = f"wave {number + 1}"
            _drained(emulator, lambda text, label=label: progress(f"{orders} orders, {label}: {text}"))
            waves.append({"events": events, "publish_s": publish_s, "handled_s": time.time() - wave_started})
            for event in wave:
                streams[event.order_id] = streams.get(event.order_id, 0) + 1
                applied.setdefault(event.order_id, []).append(event.event_id)
        handled_at = time.time()
        if not verify:
            return {
                "orders": orders,
                "published": published,
                "seconds": handled_at - started,
                "orders_per_s": orders / (handled_at - started),
                "events_per_s": published / (handled_at - started),
                "backlog_limit": backlog,
                "waves": waves,
            }
        entries, keys = _committed_entries(emulator, streams, applied, layout, pool)
    if len(entries) != keys:
        raise RuntimeError(f"{keys - len(entries)} of {keys} events missing from the event store")
    committed = [_time(item["recordedAt"]["S"]) for item in entries]
    latencies = [
        (commit - _time(json.loads(item["data"]["S"])["metadata"]["occurredAt"])) * 1000
        for commit, item in zip(committed, entries, strict=True)
    ]
    elapsed = max(committed) - started
    return {
        "orders": orders,
        "events": len(entries),
        "published": published,
        "seconds": elapsed,
        "orders_per_s": orders / elapsed,
        "events_per_s": len(entries) / elapsed,
        "latency_p50_ms": percentile(latencies, 0.5),
        "latency_p99_ms": percentile(latencies, 0.99),
        "latency_median_check_ms": median(latencies),
        "wall_seconds": handled_at - started,
        "backlog_limit": backlog,
        "waves": waves,
    }


def _committed_entries(
    emulator: Emulator,
    streams: dict[str, int],
    applied: dict[str, list[str]],
    layout: str,
    pool: ThreadPoolExecutor,
) -> tuple[list[Any], int]:
    """The stored entry (``recordedAt``, ``data``) of every event the run applied, and how many there should be.

    Format 2: each event's item, counted only when its order's head lists it (an item no head lists
    is an uncommitted claim, not a commit). The reference: its stream entries by order and version.
    """
    events_table, orders_table = emulator.outputs["EventStoreTableName"], emulator.outputs["OrdersTableName"]

    def chunks(keys: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
        return [keys[start : start + 100] for start in range(0, len(keys), 100)]

    def fetch(table: str, keys: list[dict[str, Any]], projection: str, names: dict[str, str]) -> list[Any]:
        found = pool.map(lambda chunk: emulator.batch_get(table, chunk, projection, names), chunks(keys))
        return [item for items in found for item in items]

    if layout == "reference":
        keys = [
            {"streamId": {"S": order_id}, "version": {"N": str(version)}}
            for order_id, last in streams.items()
            for version in range(1, last + 1)
        ]
        return fetch(events_table, keys, "recordedAt, #d", {"#d": "data"}), len(keys)
    heads = fetch(orders_table, [{"orderId": {"S": order_id}} for order_id in streams], "orderId, #e", {"#e": "events"})
    listed = {entry["S"] for head in heads for entry in head.get("events", {}).get("L", [])}
    wanted = [event_id for ids in applied.values() for event_id in dict.fromkeys(ids)]
    keys = [
        {"streamId": {"S": f"event#{event_id}"}, "version": {"N": "0"}} for event_id in wanted if event_id in listed
    ]
    items = fetch(events_table, keys, "recordedAt, #d", {"#d": "data"})
    return items, sum(streams.values())


def warm_up(emulator: Emulator, workers: int) -> list[float]:
    """Invoke the processor with empty batches, ``workers`` at a time, until each answers warm.

    The throughput figure is the steady state: the emulator starts a worker process per
    concurrent batch, and a worker that starts cold during the run (its cold start counts against
    the local stage's 3 s timeout) costs a visibility timeout of 19 s to the batch it serves.
    Returns the seconds each warm-up round took.
    """
    from harness import sqs_event

    from orders_shared.events import dumps, envelope_for, payment_processed

    lambda_ = emulator.client("lambda")
    name = emulator.outputs["OrderProcessorFunctionName"]

    def invoke(_: int) -> bool:
        # A payment for an order that does not exist: one read, no write, reported back as a failure
        # (an invocation, not the queue, so nothing is retried); an error would restart the worker.
        body = dumps(envelope_for(payment_processed(str(uuid.uuid4()), Decimal(1))))
        response = lambda_.invoke(FunctionName=name, Payload=json.dumps(sqs_event([body])).encode())
        response["Payload"].read()
        return "FunctionError" not in response

    rounds = []
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for _ in range(5):
            started = time.monotonic()
            answers = list(pool.map(invoke, range(workers)))
            rounds.append(time.monotonic() - started)
            if all(answers) and rounds[-1] < 1.0:
                break
    return rounds


NOOP_HANDLER = "def handler(event, context):\n    return {'batchItemFailures': []}\n"


def _package(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in sorted(files.items()):
            archive.writestr(name, content)
    return buffer.getvalue()


def _processor_package(app_source: bytes) -> bytes:
    """A package with ``app_source`` as order_processor/app.py (the template's handler path)."""
    return _package({"order_processor/__init__.py": b"", "order_processor/app.py": app_source})


def _built_package(directory: Path) -> bytes:
    return _package(
        {
            str(path.relative_to(directory)): path.read_bytes()
            for path in directory.rglob("*")
            if path.is_file() and "__pycache__" not in path.parts
        }
    )


def _swap_code(emulator: Emulator, package: bytes, workers: int) -> list[float]:
    """Deploy ``package`` as the processor's code and warm its workers."""
    lambda_ = emulator.client("lambda")
    name = emulator.outputs["OrderProcessorFunctionName"]
    lambda_.update_function_code(FunctionName=name, ZipFile=package)
    lambda_.get_waiter("function_updated_v2").wait(FunctionName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
    return warm_up(emulator, workers)


def calibrate(
    emulator: Emulator, orders: int, seed: int, progress: Callable[[str], None], *, workers: int, built: Path
) -> dict[str, Any]:
    """The same run with two other processors swapped in for ours, on the same stack and emulator.

    ``reference``: bench/calibration/minimal_processor.py, the floor the issue names (one
    transaction per order, one PublishBatch per batch, nothing else). ``ceiling``: a handler that
    does nothing, so what the bus, the queue, the trigger and the Lambda runtime of the emulator
    carry on this machine with no processing at all. Ours (``built``, the package `sam build`
    made) is put back afterwards, whatever happens: a later `sam deploy` sees no change to deploy
    and would leave a swapped function in place.
    """
    reference = (Path(__file__).resolve().parent / "calibration" / "minimal_processor.py").read_bytes()
    runs = {
        "reference": (_processor_package(reference), True),
        "ceiling": (_processor_package(NOOP_HANDLER.encode()), False),
    }
    layouts = {"reference": "reference", "ceiling": "format2"}
    result: dict[str, Any] = {}
    try:
        for number, (name, (package, verify)) in enumerate(runs.items(), 1):
            warm = _swap_code(emulator, package, workers)
            run = run_size(
                emulator,
                orders,
                seed + number,
                lambda text, name=name: progress(f"{name}: {text}"),
                verify=verify,
                layout=layouts[name],
            )
            result[name] = {**run, "warm_up_s": warm}
    finally:
        _swap_code(emulator, _built_package(built), workers)
    return result


def measure(
    endpoint: str,
    stack_name: str,
    sizes: Sequence[int],
    progress: Callable[[str], None],
    *,
    built: Path | None = None,
) -> dict[str, Any]:
    """Every size, in order (a fresh seed each, so no order id repeats across runs), then, with
    ``built`` (our function as `sam build` made it), the largest size again with the reference and
    the no-op processors (:func:`calibrate`).

    As many workers are warmed as the queue trigger runs batches at once (its MaximumConcurrency).
    """
    emulator = Emulator(endpoint, stack_name)
    workers = emulator.trigger_concurrency()
    result: dict[str, Any] = {"trigger_concurrency": workers, "warm_up_s": warm_up(emulator, workers)}
    seed = int(time.time())
    result.update({str(size): run_size(emulator, size, seed + size, progress) for size in sizes})
    if built is not None:
        result["calibration"] = calibrate(emulator, max(sizes), seed + 1, progress, workers=workers, built=built)
    return result
