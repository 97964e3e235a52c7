"""Validation cost per event: our validators (generated ahead of time) against jsonschema's Draft7Validator.

Both check the same parsed envelopes against the same schemas (envelope, then the detail's own
schema), with the same formats: jsonschema gets the ``uuid`` and ``date-time`` checks our
validators use (the same regular expressions), so both do the same work. Validators are built
once, outside the clock, as a long-lived function would; garbage collection is paused while a
check is timed, as ``timeit`` does.
"""

from __future__ import annotations

import gc
import re
import time
import uuid
from decimal import Decimal
from typing import Any

from harness import ACCOUNT, median

REPEATS = 9


def _events(orders: int) -> list[dict[str, Any]]:
    """Parsed envelopes of every detail-type, in lifecycle proportions."""
    from orders_shared.events import (
        OrderStatus,
        dumps,
        envelope_for,
        loads_strict,
        order_created,
        order_status_changed,
        payment_failed,
        payment_processed,
    )

    events = []
    for _ in range(orders):
        order_id = str(uuid.uuid4())
        for event in (
            order_created(order_id, "customer-00042", Decimal("129.99")),
            payment_processed(order_id, Decimal("129.99")),
            order_status_changed(order_id, OrderStatus.COMPLETED),
            payment_failed(order_id, "card declined"),
        ):
            events.append(loads_strict(dumps(envelope_for(event, account=ACCOUNT))))
    return events


def _jsonschema_validators() -> tuple[Any, dict[str, Any]]:
    from fastjsonschema.draft04 import CodeGeneratorDraft04
    from jsonschema import Draft7Validator, FormatChecker

    from orders_shared.schemas import DETAIL_TYPES, FORMATS, envelope_schema, writer_schema

    checker = FormatChecker(formats=())
    patterns = {"uuid": FORMATS["uuid"], "date-time": CodeGeneratorDraft04.FORMAT_REGEXS["date-time"]}
    for name, pattern in patterns.items():
        compiled = re.compile(pattern)
        checker.checks(name)(lambda value, compiled=compiled: not isinstance(value, str) or bool(compiled.match(value)))
    # The events measured are 1.0 (built from bare amounts): each detail-type's 1.0 schema, self-contained.
    schemas = {name: writer_schema(name, "1.0") for name in DETAIL_TYPES} | {"envelope": envelope_schema()}
    validators = {name: Draft7Validator(schema, format_checker=checker) for name, schema in schemas.items()}
    envelope = validators.pop("envelope")
    return envelope, validators


def _per_event_us(checks: dict[str, Any], inputs: dict[str, list[Any]]) -> dict[str, float]:
    """Median µs per event of each check; the repeats alternate, so the machine's noise falls on all."""
    samples: dict[str, list[float]] = {name: [] for name in checks}
    for _ in range(REPEATS):
        for name, check in checks.items():
            items = inputs[name]
            gc.collect()
            gc.disable()  # as timeit does: a collection would land on whichever check runs then
            try:
                started = time.perf_counter()
                for item in items:
                    check(item)
                samples[name].append((time.perf_counter() - started) / len(items) * 1e6)
            finally:
                gc.enable()
    return {name: median(values) for name, values in samples.items()}


def measure(orders: int = 250) -> dict[str, Any]:
    """Median µs per event of both validators, and of our whole parse (JSON + validation + objects)."""
    from orders_shared.events import dumps, parse_sqs_body
    from orders_shared.validation import validate_detail, validate_envelope

    events = _events(orders)
    envelope_validator, detail_validators = _jsonschema_validators()

    def ours(envelope: dict[str, Any]) -> None:
        validate_envelope(envelope)
        validate_detail(envelope["detail-type"], envelope["detail"])

    def theirs(envelope: dict[str, Any]) -> None:
        envelope_validator.validate(envelope)
        detail_validators[envelope["detail-type"]].validate(envelope["detail"])

    for envelope in events[:8]:  # both must accept every event, or the comparison means nothing
        ours(envelope)
        theirs(envelope)
    bodies = [dumps(envelope) for envelope in events]
    figures = _per_event_us(
        {"ours": ours, "jsonschema": theirs, "parse": parse_sqs_body},
        {"ours": events, "jsonschema": events, "parse": bodies},
    )
    return {
        "events": len(events),
        "ours_us": figures["ours"],
        "jsonschema_us": figures["jsonschema"],
        "ours_full_parse_us": figures["parse"],
    }
