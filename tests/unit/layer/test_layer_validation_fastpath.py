"""The fast path in front of each generated validator accepts only what fastjsonschema's validator accepts.

Every committed validator module is run on the sample events and on thousands of variants of them
(a field removed, added, or replaced by a value of the wrong type, out of range, one character off),
and its ``validate`` must behave exactly as the full validator: the same documents accepted, the
same error (type, message, path, rule) for the others. The speed is measured by bench/validation.py.
"""

from __future__ import annotations

import copy
import importlib
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastjsonschema import JsonSchemaValueException

from orders_shared import schemas
from orders_shared.errors import MalformedEventError
from orders_shared.events import loads_strict
from orders_shared.schemas.fastpath import accepts_source
from tests.unit.layer.conftest import VALID_DETAILS

EVENTS_DIR = Path(__file__).resolve().parents[3] / "events"
# The fast paths' modules (each ``<name>_full`` holds fastjsonschema's validator).
MODULES = sorted(
    path.stem
    for path in schemas.VALIDATORS_DIR.glob("*.py")
    if path.stem != "__init__" and not path.stem.endswith("_full")
)


class Text(str):
    """A str subclass: fastjsonschema takes it as a string, the fast path leaves it to it."""


def _seeds() -> list[Any]:
    """Envelopes, details and notifications of the samples under events/ and of the unit fixtures."""
    found: list[Any] = [copy.deepcopy(detail) for detail in VALID_DETAILS.values()]
    for path in sorted(EVENTS_DIR.glob("*.json")):
        payload = json.loads(path.read_text(encoding="utf-8"))
        for record in payload.get("Records", []) if isinstance(payload, dict) else []:
            try:
                body = loads_strict(record["body"])
            except MalformedEventError:  # a sample that is not JSON on purpose
                body = None
            found.append(body)
            if isinstance(body, dict) and isinstance(body.get("detail"), dict):
                found.append(body["detail"])
    return found


def _replacements(value: Any) -> Iterator[Any]:
    yield from (None, True, 0, -1, 1.5, float("nan"), Decimal("NaN"), Decimal("-0.01"), 10**10, "", "x", [], (), {})
    yield Decimal("1000000000.000001")
    yield [value]
    if isinstance(value, str):
        yield Text(value)
        yield value + "\n"
        yield " " + value
        yield value[:-1]
        yield value.upper()
        yield value.replace("0", "\u0660").replace("2", "\u0662")  # Arabic-Indic digits
        yield value + "\u202e"
    if isinstance(value, list):
        yield tuple(value)
        yield [*value, "arn:aws:x"] * 6
    if isinstance(value, dict):
        yield {**value, "giftWrap": {"paper": "red"}}
        yield {**value, "bad name": 1}
        yield {**value, "traceId": "\u202e"}
        yield {**value, "extra": Decimal("1E+400")}
        yield dict(list(value.items())[1:])


def _variants(document: Any) -> Iterator[Any]:
    """The document, then a copy with one value (at any depth) removed or replaced."""
    yield document
    yield from _replacements(document)
    if isinstance(document, dict):
        for key, value in document.items():
            removed = {k: v for k, v in document.items() if k != key}
            yield removed
            for variant in _variants(value):
                if variant is not value:
                    yield {**document, key: variant}


def _full(module: Any) -> Any:
    return module.validate_full


def _outcome(check: Any, document: Any) -> tuple[Any, ...]:
    try:
        check(copy.deepcopy(document))
    except JsonSchemaValueException as error:
        return ("error", error.message, error.name, error.rule)
    except (ArithmeticError, TypeError) as error:  # besides, the full validator compares a Decimal NaN
        return (type(error).__name__, str(error))
    return ("accepted",)


DOCUMENTS = [variant for seed in _seeds() for variant in _variants(seed)]


@pytest.mark.parametrize("name", MODULES)
def test_fast_path_validate_is_the_full_validator_on_every_variant(name: str) -> None:
    # GIVEN a generated module, its fast path and fastjsonschema's validator
    module = importlib.import_module(f"orders_shared._validators.{name}")
    taken = 0
    for document in DOCUMENTS:
        # WHEN a sample or a variant of one is validated both ways
        try:
            fast = module.accepts(copy.deepcopy(document))
        except (ArithmeticError, TypeError):  # validate then asks the full validator, which raises the same
            fast = False
        full = _outcome(_full(module), document)
        # THEN the fast path accepts only what the full validator accepts, and validate errs as it does
        if fast:
            taken += 1
            assert full == ("accepted",), f"{name} fast path accepted what the full validator refuses: {document!r}"
        assert _outcome(module.validate, document) == full, f"{name}: {document!r}"
    assert taken, f"{name}: the fast path accepted none of the samples"


@pytest.mark.parametrize("detail_type", sorted(VALID_DETAILS))
def test_fast_path_takes_the_common_event(detail_type: str) -> None:
    # GIVEN a valid 1.0 detail of each type   WHEN the reader's and the writer's fast paths see it
    readers = importlib.import_module(f"orders_shared._validators.{detail_type}_1_x")
    writers = importlib.import_module(f"orders_shared._validators.{detail_type}_1_0")
    # THEN both accept it without the full validator (else the bench measures fastjsonschema)
    assert readers.accepts(copy.deepcopy(VALID_DETAILS[detail_type])) is True
    assert writers.accepts(copy.deepcopy(VALID_DETAILS[detail_type])) is True


@pytest.mark.parametrize("detail_type", sorted(VALID_DETAILS))
@pytest.mark.parametrize("where", ["detail", "metadata"])
def test_fast_path_of_a_reader_declines_a_field_it_does_not_know(detail_type: str, where: str) -> None:
    # GIVEN a valid detail with one unknown (and valid) field, in the detail or in its metadata
    reader = importlib.import_module(f"orders_shared._validators.{detail_type}_1_x")
    detail = copy.deepcopy(VALID_DETAILS[detail_type])
    (detail if where == "detail" else detail["metadata"])["traceId"] = "trace-1"
    # WHEN the reader's fast path sees it
    # THEN it declines (validation.py then reads the extensions), though the full reader accepts it
    assert reader.accepts(copy.deepcopy(detail)) is False
    assert reader.validate_full(copy.deepcopy(detail)) == detail


def _compiled(schema: dict[str, Any]) -> Any:
    namespace: dict[str, Any] = {"Decimal": Decimal, "REGEX_PATTERNS": {}, "full": lambda data: data}
    exec(accepts_source(schema, {}, "full"), namespace)  # noqa: S102 - source generated by the test itself
    return namespace["accepts"]


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "object", "properties": {"a": {"type": "string", "default": "x"}}},  # fastjsonschema fills it in
        {"type": "object", "properties": {"a": {"oneOf": [{"type": "string"}]}}, "required": ["a"]},
        {"type": "object", "properties": {"a": {"$ref": "#/definitions/a"}}, "required": ["a"]},
        {"type": "object", "properties": {"a": {"type": "string", "format": "email"}}, "required": ["a"]},
        {"type": "object", "properties": {"a": {"type": ["string", "number"]}}, "required": ["a"]},
        {"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]},
        {"type": "object", "properties": {"a": {"type": ["string", "null"], "enum": ["x"]}}, "required": ["a"]},
        {"type": "object", "properties": {"a": {"type": "string", "enum": ["x", 1]}}, "required": ["a"]},
    ],
)
def test_fast_path_declines_a_keyword_it_does_not_compile(schema: dict[str, Any]) -> None:
    # GIVEN a schema with a keyword (or a form of one) the fast path does not compile
    accepts = _compiled(schema)
    # WHEN a document it may accept is checked   THEN the fast path declines it
    assert accepts({"a": "x"}) is False


def test_fast_path_leaves_an_open_but_bounded_object_to_the_full_validator() -> None:
    # GIVEN objects that take other keys but bound them, and one closed with an unknown-key pattern
    for schema in (
        {"type": "object", "additionalProperties": True, "propertyNames": {"type": "string", "pattern": "^a"}},
        {"type": "object", "properties": {"b": {"type": "string"}}, "propertyNames": {"type": "string"}},
    ):
        # WHEN any object is checked   THEN the fast path declines it
        assert _compiled(schema)({"b": "x"}) is False
