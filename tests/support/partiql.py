"""A strict stand-in for moto's ``BatchExecuteStatement``, for the statements the processor sends.

moto 5.2.5 runs PartiQL through py_partiql_parser, which gets the processor's writes wrong (measured,
docs/decisions.md 2026-11-30): an INSERT of an existing key replaces the item, a ``?`` in an INSERT's
VALUE raises a TypeError, an UPDATE whose WHERE condition is false answers success and changes
nothing, and an UPDATE with two SET clauses and a list index raises an AssertionError. :func:`install`
replaces ``DynamoDBBackend.batch_execute_statement`` with an implementation of exactly this grammar
(names double-quoted, VALUE names single-quoted, single spaces as shown, typed parameters in the
order of the ``?``)::

    INSERT INTO "<table>" VALUE {'<name>': ?, '<name>': ?, ...}
    UPDATE "<table>" SET <assign> [SET <assign>]... WHERE "<name>" = ? [AND "<name>" = ?]...
        <assign> := "<name>" = ? | "<name>"[<int>] = ?

An INSERT puts the item if no item has its key (else ``DuplicateItem``). An UPDATE's WHERE names
every key attribute with ``=``; its other equalities are conditions; the item must exist and every
condition hold (else ``ConditionalCheckFailed``, with the old item under ``ALL_OLD``). Both run
through moto's own ``put_item``/``update_item``, so the items stored are moto's (GetItem, Query,
streams keep working). Anything else is that statement's ``ValidationError``; more than 25
statements, or two naming one item, fail the whole request. The integration suite runs the same
statements on MiniStack and compares (tests/integration/test_integration_partiql_parity.py).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from moto.dynamodb.exceptions import ConditionalCheckFailed, DynamodbException, MockValidationException
from moto.dynamodb.models import DynamoDBBackend

MAX_STATEMENTS = 25  # BatchExecuteStatement's limit
_INSTALLED = "_strict_partiql_installed"

_INSERT = re.compile(r'INSERT INTO "(?P<table>[^"]+)" VALUE \{(?P<values>.*)\}', re.DOTALL)
_UPDATE = re.compile(r'UPDATE "(?P<table>[^"]+)" (?P<sets>SET .*?) WHERE (?P<where>.*)', re.DOTALL)
_VALUE = r"'([^']+)': \?"
_ASSIGN = r'SET "([^"]+)"(?:\[(\d+)\])? = \?'
_EQUALITY = r'"([^"]+)" = \?'

AttributeValue = dict[str, Any]


class StatementError(Exception):
    """One statement's error entry (``Code``, ``Message``); ``table`` set when the statement reached it."""

    def __init__(self, code: str, message: str, *, table: str | None = None, item: AttributeValue | None = None):
        super().__init__(message)
        self.code, self.message, self.table, self.item = code, message, table, item

    def entry(self) -> dict[str, Any]:
        error: dict[str, Any] = {"Code": self.code, "Message": self.message}
        if self.item is not None:
            error["Item"] = self.item
        return {"Error": error, **({"TableName": self.table} if self.table is not None else {})}


@dataclass(frozen=True)
class Insert:
    """``INSERT INTO "<table>" VALUE {...}``: the item the VALUE names with its parameters."""

    table: str
    item: dict[str, AttributeValue]


@dataclass(frozen=True)
class Update:
    """``UPDATE "<table>" SET ... WHERE ...``: assignments (name, list index or None, value) and equalities."""

    table: str
    assignments: tuple[tuple[str, int | None, AttributeValue], ...]
    equalities: tuple[tuple[str, AttributeValue], ...]


def _clauses(text: str, clause: str, separator: str) -> list[tuple[str, ...]] | None:
    # The whole text must be clause (separator clause)*; returns each clause's groups, or None.
    bare = re.sub(r"\((?!\?)", "(?:", clause)
    if re.fullmatch(f"{bare}(?:{separator}{bare})*", text, re.DOTALL) is None:
        return None
    return [match.groups() for match in re.finditer(clause, text)]


def _invalid(statement: str, what: str) -> StatementError:
    return StatementError("ValidationError", f"{what} (not supported by the PartiQL stand-in): {statement!r}")


def parse(statement: str, parameters: list[AttributeValue]) -> Insert | Update:
    """One statement of the grammar above, its ``?`` bound to ``parameters`` in order.

    Raises
    ------
    StatementError
        ``ValidationError`` for anything outside the grammar, or a parameter count that differs.
    """
    if statement.count("?") != len(parameters):
        raise StatementError("ValidationError", "Number of parameters in request and statement don't match.")
    values = iter(parameters)
    if (insert := _INSERT.fullmatch(statement)) is not None:
        names = _clauses(insert["values"], _VALUE, ", ")
        if names is None:
            raise _invalid(statement, "INSERT VALUE other than {'<name>': ?, ...}")
        item = {name: next(values) for (name,) in names}
        if len(item) != len(names):
            raise _invalid(statement, "an attribute named twice in VALUE")
        return Insert(insert["table"], item)
    if (update := _UPDATE.fullmatch(statement)) is not None:
        sets = _clauses(update["sets"], _ASSIGN, " ")
        where = _clauses(update["where"], _EQUALITY, " AND ")
        if sets is None or where is None:
            raise _invalid(statement, 'UPDATE other than SET "<name>"[<i>] = ? ... WHERE "<name>" = ? AND ...')
        assignments = tuple((name, None if index is None else int(index), next(values)) for name, index in sets)
        equalities = tuple((name, next(values)) for (name,) in where)
        paths = [(name, index) for name, index, _ in assignments]
        whole = {name for name, index in paths if index is None}
        if len(set(paths)) != len(paths) or any(index is not None and name in whole for name, index in paths):
            raise _invalid(statement, "two SET paths that overlap")
        if len({name for name, _ in equalities}) != len(equalities):
            raise _invalid(statement, "an attribute named twice in WHERE")
        return Update(update["table"], assignments, equalities)
    raise _invalid(statement, "a statement other than INSERT ... VALUE {...} or UPDATE ... SET ... WHERE")


def render(parsed: Insert | Update) -> dict[str, Any]:
    """The ``Statement`` and ``Parameters`` of a parsed statement (:func:`parse`'s inverse), for tests
    that change what a processor sends."""
    if isinstance(parsed, Insert):
        names = list(parsed.item)
        fields = ", ".join(f"'{name}': ?" for name in names)
        statement = "INSERT INTO {table} VALUE {{{fields}}}".format(table=f'"{parsed.table}"', fields=fields)
        return {"Statement": statement, "Parameters": [parsed.item[name] for name in names]}
    sets = " ".join(
        f'SET "{name}"' + ("" if index is None else f"[{index}]") + " = ?" for name, index, _ in parsed.assignments
    )
    where = " AND ".join(f'"{name}" = ?' for name, _ in parsed.equalities)
    parameters = [value for *_, value in parsed.assignments] + [value for _, value in parsed.equalities]
    statement = "UPDATE {table} {sets} WHERE {where}".format(table=f'"{parsed.table}"', sets=sets, where=where)
    return {"Statement": statement, "Parameters": parameters}


def key_attributes(backend: DynamoDBBackend, table: str) -> list[str]:
    """The names of ``table``'s key attributes in ``backend``."""
    return _key_attributes(backend.tables[table])


def _key_attributes(table: Any) -> list[str]:
    return [name for name in (table.hash_key_attr, table.range_key_attr) if name]


def _canonical_value(value: AttributeValue) -> str:
    # Two key values name the same item when DynamoDB would compare them equal: 1 and 1.0 are one number.
    kind, raw = next(iter(value.items()))
    return f"{kind}:{Decimal(raw).normalize()}" if kind == "N" else f"{kind}:{raw}"


def _item_key(backend: DynamoDBBackend, parsed: Insert | Update) -> tuple[str, ...] | None:
    table = backend.tables.get(parsed.table)
    if table is None:
        return None
    attributes = parsed.item if isinstance(parsed, Insert) else dict(parsed.equalities)
    names = _key_attributes(table)
    if not all(name in attributes for name in names):
        return None
    return (parsed.table, *(_canonical_value(attributes[name]) for name in names))


def _insert(backend: DynamoDBBackend, table: Any, insert: Insert) -> None:
    missing = [name for name in _key_attributes(table) if name not in insert.item]
    if missing:
        raise StatementError(
            "ValidationError", f"One or more parameter values were invalid: Missing the key {missing[0]}"
        )
    try:
        backend.put_item(
            insert.table,
            insert.item,
            condition_expression="attribute_not_exists(#key)",
            expression_attribute_names={"#key": table.hash_key_attr},
        )
    except ConditionalCheckFailed:
        raise StatementError("DuplicateItem", "Duplicate primary key exists in table", table=insert.table) from None


def _update(backend: DynamoDBBackend, table: Any, update: Update, return_values: str | None) -> None:
    keys = _key_attributes(table)
    where = dict(update.equalities)
    if not all(name in where for name in keys):
        raise StatementError(
            "ValidationError", "Where clause does not contain a mandatory equality on all key attributes"
        )
    names: dict[str, str] = {}
    values: dict[str, AttributeValue] = {}

    def name_of(name: str) -> str:
        return names.setdefault(name, f"#n{len(names)}")

    def placeholder(value: AttributeValue) -> str:
        values[f":v{len(values)}"] = value
        return f":v{len(values) - 1}"

    setters = []
    for name, index, value in update.assignments:
        path = name_of(name) + ("" if index is None else f"[{index}]")  # past the end appends, in moto as in DynamoDB
        setters.append(f"{path} = {placeholder(value)}")
    conditions = [f"attribute_exists({name_of(keys[0])})"]
    conditions += [f"{name_of(name)} = {placeholder(value)}" for name, value in update.equalities if name not in keys]
    try:
        backend.update_item(
            update.table,
            {name: where[name] for name in keys},
            update_expression="SET " + ", ".join(setters),
            expression_attribute_names={placeholder_name: name for name, placeholder_name in names.items()},
            expression_attribute_values=values,
            condition_expression=" AND ".join(conditions),
            return_values_on_condition_check_failure=return_values,
        )
    except ConditionalCheckFailed as failed:
        old = json.loads(failed.description).get("Item") if return_values == "ALL_OLD" else None
        raise StatementError(
            "ConditionalCheckFailed", "The conditional request failed", table=update.table, item=old
        ) from None


def _execute(backend: DynamoDBBackend, statement: dict[str, Any], parsed: Insert | Update) -> dict[str, Any]:
    table = backend.tables.get(parsed.table)
    if table is None:
        message = f"Requested resource not found: Table: {parsed.table} not found"
        raise StatementError("ResourceNotFound", message)
    if isinstance(parsed, Insert):
        _insert(backend, table, parsed)
    else:
        _update(backend, table, parsed, statement.get("ReturnValuesOnConditionCheckFailure"))
    return {"TableName": parsed.table}


def run_statement(backend: DynamoDBBackend, statement: dict[str, Any], parsed: Insert | Update) -> dict[str, Any]:
    """Execute one parsed statement on ``backend`` as :func:`batch_execute_statement` does (its
    ``ReturnValuesOnConditionCheckFailure`` read from ``statement``); raises StatementError."""
    return _execute(backend, statement, parsed)


def _moto_error(error: DynamodbException) -> StatementError:
    # moto's own refusals (a key of the wrong type, an item too large) as a statement's error entry.
    code = error.error_type.rsplit("#", 1)[-1].removesuffix("Exception")
    return StatementError("ValidationError" if code == "Validation" else code, error.message)


def batch_execute_statement(self: DynamoDBBackend, statements: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``BatchExecuteStatement`` for the grammar of this module: one response per statement, in order.

    Raises
    ------
    MockValidationException
        More than 25 statements, or two statements naming the same item (the whole request fails).
    """
    if len(statements) > MAX_STATEMENTS:
        raise MockValidationException(f"Member must have length less than or equal to {MAX_STATEMENTS}")
    parsed: list[Insert | Update | StatementError] = []
    for statement in statements:
        try:
            parsed.append(parse(statement["Statement"], statement.get("Parameters", [])))
        except StatementError as error:
            parsed.append(error)
    keys = [key for one in parsed if not isinstance(one, StatementError) and (key := _item_key(self, one))]
    if len(set(keys)) != len(keys):
        raise MockValidationException("Provided list of item keys contains duplicates")
    responses = []
    for statement, one in zip(statements, parsed, strict=True):
        try:
            if isinstance(one, StatementError):
                raise one
            responses.append(_execute(self, statement, one))
        except StatementError as error:
            responses.append(error.entry())
        except DynamodbException as error:
            responses.append(_moto_error(error).entry())
    return responses


def install() -> None:
    """Replace moto's ``DynamoDBBackend.batch_execute_statement`` with :func:`batch_execute_statement` (idempotent)."""
    if getattr(DynamoDBBackend, _INSTALLED, False):
        return
    DynamoDBBackend.batch_execute_statement = batch_execute_statement  # type: ignore[method-assign]
    setattr(DynamoDBBackend, _INSTALLED, True)
