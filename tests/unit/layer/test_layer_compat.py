"""The compatibility gate: each kind of breaking change inside a major is caught and named, each widening passes."""

from __future__ import annotations

import copy
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from orders_shared import schemas
from orders_shared.schemas import compat

BASE: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["id", "qty", "metadata"],
    "properties": {
        "id": {"type": "string", "format": "uuid"},
        "qty": {"type": "number", "minimum": 0, "maximum": 10},
        "status": {"type": "string", "enum": ["a", "b"]},
        "note": {"type": "string", "maxLength": 50, "pattern": "^x"},
        "tags": {"type": "array", "maxItems": 5, "items": {"type": "string"}},
        "metadata": {"type": "object", "properties": {"v": {"type": "string"}}},
    },
}

Change = Callable[[dict[str, Any]], None]


def _props(schema: dict[str, Any]) -> dict[str, Any]:
    properties: dict[str, Any] = schema["properties"]
    return properties


def _rename_note(schema: dict[str, Any]) -> None:
    _props(schema)["notes"] = _props(schema).pop("note")


BREAKING: list[Any] = [
    pytest.param(lambda s: _props(s).pop("note"), "detail.note: field removed", id="field-removed"),
    pytest.param(_rename_note, "detail.note: field removed (or renamed)", id="field-renamed"),
    pytest.param(lambda s: _props(s)["qty"].update(type="integer"), "detail.qty: type narrowed, number", id="type"),
    pytest.param(
        lambda s: _props(s)["id"].update(type="integer"), "detail.id: type narrowed, string", id="type-change"
    ),
    pytest.param(lambda s: _props(s)["note"].update(format="email"), "detail.note: format narrowed", id="format-added"),
    pytest.param(
        lambda s: _props(s)["id"].update(format="date-time"), "detail.id: format narrowed", id="format-changed"
    ),
    pytest.param(lambda s: _props(s)["note"].update(pattern="^y"), "detail.note: pattern narrowed", id="pattern"),
    pytest.param(lambda s: _props(s)["qty"].update(minimum=1), "detail.qty: minimum raised to 1", id="minimum"),
    pytest.param(lambda s: _props(s)["qty"].update(maximum=5), "detail.qty: maximum lowered to 5", id="maximum"),
    pytest.param(lambda s: _props(s)["note"].update(maxLength=10), "detail.note: maxLength lowered", id="max-length"),
    pytest.param(lambda s: _props(s)["note"].update(minLength=1), "detail.note: minLength raised", id="min-length"),
    pytest.param(lambda s: _props(s)["tags"].update(maxItems=2), "detail.tags: maxItems lowered", id="max-items"),
    pytest.param(
        lambda s: _props(s)["tags"]["items"].update(maxLength=3), "detail.tags[]: maxLength lowered", id="items"
    ),
    pytest.param(lambda s: _props(s)["status"].update(enum=["a"]), 'enum narrowed, "b" no longer', id="enum-narrowed"),
    pytest.param(lambda s: _props(s)["note"].update(enum=["x1"]), "detail.note: enum added", id="enum-added"),
    pytest.param(lambda s: _props(s)["status"].update(const="a"), "detail.status: enum narrowed", id="const-added"),
    pytest.param(lambda s: s["required"].append("status"), "detail.status: field newly required", id="required"),
    pytest.param(
        lambda s: (_props(s).update(extra={"type": "string"}), s["required"].append("extra")),
        "detail.extra: field newly required",
        id="new-required-field",
    ),
    pytest.param(
        lambda s: _props(s)["metadata"].update(additionalProperties=False),
        "detail.metadata: unknown fields refused again",
        id="unknown-fields-refused-again",
    ),
    pytest.param(
        lambda s: _props(s)["metadata"]["properties"].update(w={"type": "string"}),
        "detail.metadata.w: field added to an open object",
        id="field-added-to-open-object",
    ),
    pytest.param(
        lambda s: _props(s)["metadata"].update(propertyNames={"maxLength": 3}),
        "detail.metadata (property names): maxLength lowered",
        id="property-names",
    ),
]

ALLOWED: list[Any] = [
    pytest.param(lambda s: _props(s).update(extra={"type": "string"}), id="optional-field-on-closed-object"),
    pytest.param(lambda s: _props(s)["status"].update(enum=["a", "b", "c"]), id="enum-widened"),
    pytest.param(lambda s: _props(s)["note"].update(maxLength=100), id="max-length-raised"),
    pytest.param(lambda s: _props(s)["qty"].update(minimum=-1, maximum=20), id="range-widened"),
    pytest.param(lambda s: s["required"].remove("qty"), id="required-dropped"),
    pytest.param(lambda s: _props(s)["note"].pop("pattern"), id="pattern-removed"),
    pytest.param(lambda s: _props(s)["id"].pop("format"), id="format-removed"),
    pytest.param(lambda s: s.pop("additionalProperties"), id="closed-object-opened"),
    pytest.param(lambda s: s.update(title="renamed", description="said better"), id="title-and-description"),
    pytest.param(lambda s: _props(s)["metadata"]["properties"].update(w={}), id="any-value-field-on-open-object"),
    pytest.param(lambda s: _props(s)["status"].update(type=["string", "null"], enum=["a", "b", None]), id="nullable"),
]


@pytest.mark.parametrize(("change", "expected"), BREAKING)
def test_breaking_changes_names_each_breaking_change(change: Change, expected: str) -> None:
    # GIVEN a released schema and a working copy with one breaking change
    new = copy.deepcopy(BASE)
    change(new)
    # WHEN the two are compared
    problems = compat.breaking_changes(BASE, new)
    # THEN the change is reported, naming the field and what changed
    assert any(expected in problem for problem in problems), problems


@pytest.mark.parametrize("change", ALLOWED)
def test_breaking_changes_lets_each_widening_through(change: Change) -> None:
    # GIVEN a released schema and a working copy that only widens it
    new = copy.deepcopy(BASE)
    change(new)
    # WHEN the two are compared
    # THEN nothing is reported
    assert compat.breaking_changes(BASE, new) == []


def test_check_passes_on_the_repository() -> None:
    # GIVEN the schemas as committed   WHEN the gate runs   THEN it finds nothing
    assert compat.check() == []


@pytest.fixture
def working_copy(tmp_path: Path) -> Path:
    """A copy of the schema folder (its released/ included) to edit."""
    root = tmp_path / "schemas"
    shutil.copytree(schemas.SCHEMA_DIR, root, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return root


def _edit(path: Path, change: Change) -> None:
    schema = json.loads(path.read_text(encoding="utf-8"))
    change(schema)
    path.write_text(json.dumps(schema), encoding="utf-8")


def _drop_customer_id(schema: dict[str, Any]) -> None:
    del schema["properties"]["customerId"]
    schema["required"].remove("customerId")


def test_check_fails_when_a_field_is_removed_from_a_released_version(working_copy: Path) -> None:
    # GIVEN a working copy whose released OrderCreated 1.0 lost its customerId
    _edit(working_copy / "OrderCreated" / "1.0.json", _drop_customer_id)
    # WHEN the gate runs
    problems = compat.check(working_copy, working_copy / "released")
    # THEN it names the version and the field
    assert problems == [
        "OrderCreated-1.0.json (working copy against released): detail.customerId: field removed (or renamed)"
    ]


def test_check_compares_every_minor_with_the_earlier_ones(working_copy: Path) -> None:
    # GIVEN a new minor 1.1 of OrderCreated that adds an optional field, and a 1.2 that drops amount
    source = working_copy / "OrderCreated" / "1.0.json"
    minor = working_copy / "OrderCreated" / "1.1.json"
    shutil.copy(source, minor)
    _edit(minor, lambda s: s["properties"].update(giftWrap={"type": "boolean"}))
    shutil.copy(minor, working_copy / "OrderCreated" / "1.2.json")
    _edit(
        working_copy / "OrderCreated" / "1.2.json",
        lambda s: (s["properties"].pop("giftWrap"), s["required"].remove("amount")),
    )
    # WHEN the gate runs
    problems = [p for p in compat.check(working_copy, working_copy / "released") if "not frozen" not in p]
    # THEN 1.1 passes (an optional field), and 1.2 is reported for the field it dropped (no longer
    # requiring amount widens: it passes)
    assert problems == [
        "OrderCreated 1.2 against 1.1 (major 1): detail.giftWrap: field removed (or renamed)",
    ]


def test_check_reports_a_version_not_frozen(working_copy: Path) -> None:
    # GIVEN a released version whose frozen copy is missing
    (working_copy / "released" / "PaymentFailed-1.0.json").unlink()
    # WHEN the gate runs
    # THEN it asks for make schemas
    assert compat.check(working_copy, working_copy / "released") == [
        "PaymentFailed-1.0.json: not frozen under released/: run make schemas"
    ]
