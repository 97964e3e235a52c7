"""The compatibility gate: no change inside a major may break a reader of what was released.

:func:`breaking_changes` compares two self-contained JSON Schemas (an older and a newer one) and
names every way the newer one refuses, or drops, something the older one accepted or promised: a
field removed (or renamed), a field newly required, a type, format, pattern, range, length, size or
enum narrowed, unknown fields refused again, a field added to an open object (old data may already
hold it with another value). Widening (an optional field on a closed object, a longer length, a
lower minimum, a new enum value, an object opened) passes.

:func:`check` applies it to the repository: every frozen copy under ``schemas/released/`` against
its working copy (the working copy may only widen), and inside each major every minor against
every earlier one (transitively: an event store replays every version it ever stored). A version
with no frozen copy is reported too (``make schemas`` freezes it). ``make compat`` (part of
``make test``) and a unit test run it; ``python -m orders_shared.schemas.compat`` prints each
problem and exits 1.
"""

from __future__ import annotations

import json
import sys
from itertools import combinations
from pathlib import Path
from typing import Any

from orders_shared.schemas import (
    CONTRACTS,
    RELEASED_DIR,
    SCHEMA_DIR,
    current_schemas,
    majors,
    version_holder,
    writer_schema,
)

# Bounds that may only be lowered (a lower bound raised refuses values it accepted) and the reverse.
LOWER_BOUNDS = ("minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties")
UPPER_BOUNDS = ("maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties")
# Keywords whose any change (added or altered) narrows: two regexes or formats cannot be compared.
OPAQUE = ("format", "pattern", "multipleOf")
_ANY_TYPE = ("string", "number", "integer", "boolean", "null", "array", "object")


def _types(schema: dict[str, Any]) -> set[str]:
    declared = schema.get("type", list(_ANY_TYPE))
    types = {declared} if isinstance(declared, str) else set(declared)
    if "number" in types:
        types.add("integer")  # every integer is a number
    return types


def _allowed(schema: dict[str, Any]) -> list[str] | None:
    # enum and const as one list of JSON texts (None: any value).
    if "const" in schema:
        return [json.dumps(schema["const"], sort_keys=True)]
    if "enum" in schema:
        return [json.dumps(value, sort_keys=True) for value in schema["enum"]]
    return None


def _is_open(schema: dict[str, Any]) -> bool:
    return schema.get("additionalProperties", True) is not False


def _accepts_anything(schema: Any) -> bool:
    return schema is True or schema == {}


def _scalar_changes(old: dict[str, Any], new: dict[str, Any], path: str) -> list[str]:
    problems = []
    lost = sorted(_types(old) - _types(new))
    if lost:
        problems.append(f"{path}: type narrowed, {', '.join(lost)} no longer accepted")
    old_values, new_values = _allowed(old), _allowed(new)
    if new_values is not None:
        if old_values is None:
            problems.append(f"{path}: enum added, other values no longer accepted")
        elif dropped := [value for value in old_values if value not in new_values]:
            problems.append(f"{path}: enum narrowed, {', '.join(dropped)} no longer accepted")
    for keyword in OPAQUE:
        if keyword in new and new.get(keyword) != old.get(keyword):
            was = f"was {old[keyword]!r}" if keyword in old else "was none"
            problems.append(f"{path}: {keyword} narrowed to {new[keyword]!r} ({was})")
    for keyword in LOWER_BOUNDS:
        if keyword in new and (keyword not in old or new[keyword] > old[keyword]):
            problems.append(f"{path}: {keyword} raised to {new[keyword]} (was {old.get(keyword, 'none')})")
    for keyword in UPPER_BOUNDS:
        if keyword in new and (keyword not in old or new[keyword] < old[keyword]):
            problems.append(f"{path}: {keyword} lowered to {new[keyword]} (was {old.get(keyword, 'none')})")
    return problems


def _object_changes(old: dict[str, Any], new: dict[str, Any], path: str) -> list[str]:
    problems = []
    old_fields, new_fields = old.get("properties", {}), new.get("properties", {})
    for name in old_fields:
        if name not in new_fields:
            problems.append(f"{path}.{name}: field removed (or renamed)")
        else:
            problems += breaking_changes(old_fields[name], new_fields[name], f"{path}.{name}")
    for name in sorted(set(new.get("required", [])) - set(old.get("required", []))):
        problems.append(f"{path}.{name}: field newly required")
    old_extra = old.get("additionalProperties", True)
    for name in new_fields:
        if name in old_fields or not _is_open(old):
            continue
        # Old data may already carry this name as an unknown field, with any value the old schema let through.
        if isinstance(old_extra, dict):
            problems += breaking_changes(old_extra, new_fields[name], f"{path}.{name}")
        elif not _accepts_anything(new_fields[name]):
            problems.append(f"{path}.{name}: field added to an open object constrains values it may already hold")
    new_extra = new.get("additionalProperties", True)
    if _is_open(old) and new_extra is False:
        problems.append(f"{path}: unknown fields refused again (additionalProperties: false)")
    elif _is_open(old) and isinstance(new_extra, dict):
        problems += breaking_changes(old_extra if isinstance(old_extra, dict) else {}, new_extra, f"{path}.*")
    if "propertyNames" in new and new["propertyNames"] != old.get("propertyNames"):
        problems += breaking_changes(old.get("propertyNames", {}), new["propertyNames"], f"{path} (property names)")
    return problems


def breaking_changes(old: Any, new: Any, path: str = "detail") -> list[str]:
    """How ``new`` breaks a reader of data valid under ``old``; an empty list when it does not.

    Both are self-contained schemas (no ``$ref``). Each problem names the path and the change.
    """
    if _accepts_anything(new):
        return []
    if _accepts_anything(old):
        old = {}
    if new is False:
        return [f"{path}: no value accepted any more"]
    problems = _scalar_changes(old, new, path)
    if "object" in _types(new) and ("properties" in old or "properties" in new or "additionalProperties" in new):
        problems += _object_changes(old, new, path)
    if "items" in new:
        problems += breaking_changes(old.get("items", {}), new["items"], f"{path}[]")
    return problems


def _without_version(schema: dict[str, Any]) -> dict[str, Any]:
    # Each minor's schema says its own schemaVersion: not a narrowing between minors.
    copy: dict[str, Any] = json.loads(json.dumps(schema))
    version_holder(copy)["properties"].pop("schemaVersion", None)
    return copy


def check(root: Path = SCHEMA_DIR, released: Path = RELEASED_DIR) -> list[str]:
    """Every breaking change in the working copy ``root`` against what ``released`` froze, and between minors."""
    current = current_schemas(root)
    problems = []
    for frozen in sorted(released.glob("*.json")):
        name = frozen.name
        if name not in current:
            problems.append(f"{name}: released, but its schema is gone from the working copy")
            continue
        old = json.loads(frozen.read_text(encoding="utf-8"))
        path = "envelope" if name.startswith("envelope") else "detail"
        problems += [f"{name} (working copy against released): {p}" for p in breaking_changes(old, current[name], path)]
    problems += [
        f"{name}: not frozen under released/: run make schemas" for name in current if not (released / name).exists()
    ]
    for detail_type in CONTRACTS:
        for major, listed in majors(detail_type, root).items():
            for earlier, later in combinations(listed, 2):
                old = _without_version(writer_schema(detail_type, earlier, root))
                new = _without_version(writer_schema(detail_type, later, root))
                label = f"{detail_type} {later} against {earlier} (major {major})"
                problems += [f"{label}: {p}" for p in breaking_changes(old, new)]
    return problems


def main() -> int:
    """Print every breaking change; exit 1 if there is any."""
    problems = check()
    for problem in problems:
        print(f"breaking: {problem}", file=sys.stderr)
    if not problems:
        frozen = len(list(RELEASED_DIR.glob("*.json")))
        print(f"schemas compatible: {frozen} released versions checked, and every minor against earlier ones")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
