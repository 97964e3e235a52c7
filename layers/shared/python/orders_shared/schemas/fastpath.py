"""A fast path in front of each generated validator: a check that accepts only what the full one accepts.

fastjsonschema's code is general: every property goes through a copy of the key set, ``isinstance``
tests and a removal, and a tolerant reader runs its ``propertyNames`` pattern on every key of
``detail`` and ``metadata`` even when none is unknown. :func:`accepts_source` compiles a schema into
a plain predicate for the common case, and the generated module's ``validate`` runs it first::

    def validate(data):
        try:
            if accepts(data):
                return data
        except Exception:
            pass
        return validate_full(data)  # fastjsonschema's validator, in a module of its own

fastjsonschema's validator is generated into a module of its own (``<name>_full``), which
``validate_full`` imports on first use: a valid event never loads it, nor fastjsonschema itself.

The predicate is a *sufficient* condition: it returns True only for a document the full validator
accepts, and anything it is unsure of (an unknown field, a ``str`` subclass, a tuple for an array, a
keyword it does not compile) goes to the full validator, which accepts it or raises the error it
always raised. So no check is weakened and every error keeps its path, rule and message; what the
fast path compiles, it compiles at least as strictly, with fastjsonschema's own regexes (the
module's ``REGEX_PATTERNS``, ASCII), ``search`` for a ``pattern`` and ``match`` for a ``format`` as
fastjsonschema does.

Compiled: ``type`` (one of object, string, number, array, boolean, null, or one of them or null),
``const`` and ``enum`` of strings, ``pattern``, ``format`` (those the generator compiled),
``minLength``, ``maxLength``, ``minimum``, ``maximum``, ``properties``, ``required``,
``additionalProperties``, ``propertyNames``, ``maxProperties``, ``items`` (one schema),
``minItems``, ``maxItems``; annotations are ignored. Any other keyword (``default``, which
fastjsonschema applies, ``$ref``, ``oneOf``, ...) makes its subschema go to the full validator.
"""

from __future__ import annotations

import re
from typing import Any

_ANNOTATIONS = frozenset({"$schema", "$id", "$comment", "title", "description", "examples", "definitions"})
_BY_TYPE = {
    "object": frozenset({"type", "properties", "required", "additionalProperties", "propertyNames", "maxProperties"}),
    "string": frozenset({"type", "const", "enum", "pattern", "format", "minLength", "maxLength"}),
    "number": frozenset({"type", "minimum", "maximum"}),
    "array": frozenset({"type", "items", "minItems", "maxItems"}),
    "boolean": frozenset({"type"}),
    "null": frozenset({"type"}),
}
_TYPE_TEST = {
    "object": "type({v}) is not dict",
    "string": "type({v}) is not str",
    "number": "type({v}) not in _NUMBER",  # bool is excluded: type(True) is bool
    "array": "type({v}) is not list",
    "boolean": "type({v}) is not bool",
    "null": "{v} is not None",
}


class _Compiler:
    def __init__(self, regexes: dict[str, re.Pattern[str]]) -> None:
        self.regexes = regexes  # fastjsonschema's, by the key the generated module uses
        self.constants: list[str] = []
        self.lines: list[str] = []
        self.variables = 0

    def constant(self, expression: str) -> str:
        for line in self.constants:  # one name per distinct value (the uuid regex serves four fields)
            name, _, known = line.partition(" = ")
            if known == expression:
                return name
        name = f"_C{len(self.constants)}"
        self.constants.append(f"{name} = {expression}")
        return name

    def emit(self, depth: int, line: str) -> None:
        self.lines.append("    " * depth + line)

    def regex(self, key: str, method: str) -> str | None:
        if key not in self.regexes:
            return None  # the generator compiled no such regex (an unknown format): left to it
        return self.constant(f"REGEX_PATTERNS[{key!r}].{method}")

    def node(self, schema: Any, v: str, depth: int) -> None:
        """Lines that ``return False`` unless ``v`` is valid against ``schema``."""
        kind = schema.get("type") if isinstance(schema, dict) else None
        if isinstance(kind, list) and len(set(kind)) == len(kind) == 2 and "null" in kind and "const" not in schema:
            self.nullable(schema, v, depth)
            return
        if not isinstance(kind, str) or kind not in _BY_TYPE or not set(schema) - _ANNOTATIONS <= _BY_TYPE[kind]:
            self.emit(depth, "return False  # not compiled: the full validator decides")
            return
        tests = [_TYPE_TEST[kind].format(v=v)]
        if kind == "string":
            tests += self.string(schema, v)  # one condition: the type, then the string's tests in order
        self.emit(depth, f"if {' or '.join(tests)}:")
        self.emit(depth + 1, "return False")
        if kind != "string":
            getattr(self, kind)(schema, v, depth)

    def nullable(self, schema: dict[str, Any], v: str, depth: int) -> None:
        # {"type": [<type>, "null"]}: None, or a value valid against the schema with <type> alone
        # (an enum then lists None, else None would be refused: not compiled).
        narrowed = {**schema, "type": next(kind for kind in schema["type"] if kind != "null")}
        if "enum" in schema:
            if None not in schema["enum"]:
                self.emit(depth, "return False  # not compiled: the full validator decides")
                return
            narrowed["enum"] = [value for value in schema["enum"] if value is not None]
        self.emit(depth, f"if {v} is not None:")
        self.node(narrowed, v, depth + 1)

    def string(self, schema: dict[str, Any], v: str) -> list[str]:
        """The tests that reject a string (``True`` for a keyword not compiled)."""
        tests = []
        if "const" in schema:
            if not isinstance(schema["const"], str):
                return ["True"]
            tests.append(f"{v} != {schema['const']!r}")
        if "enum" in schema:
            values = schema["enum"]
            if not all(isinstance(value, str) for value in values):
                return ["True"]
            tests.append(f"{v} not in {self.constant(f'frozenset({sorted(values)!r})')}")
        if "minLength" in schema:
            tests.append(f"len({v}) < {int(schema['minLength'])}")
        if "maxLength" in schema:
            tests.append(f"len({v}) > {int(schema['maxLength'])}")
        for key, method in (("pattern", "search"), ("format", "match")):
            if key in schema:
                regex = self.regex(schema[key] if key == "pattern" else f"{schema[key]}_re_pattern", method)
                if regex is None:
                    return ["True"]
                tests.append(f"not {regex}({v})")
        return tests

    def number(self, schema: dict[str, Any], v: str, depth: int) -> None:
        for key, operator in (("minimum", "<"), ("maximum", ">")):
            if key in schema:
                bound = schema[key]
                if not isinstance(bound, int | float) or isinstance(bound, bool):
                    self.emit(depth, "return False")
                    return
                self.emit(depth, f"if {v} {operator} {bound!r}:")
                self.emit(depth + 1, "return False")

    def array(self, schema: dict[str, Any], v: str, depth: int) -> None:
        for key, operator in (("minItems", "<"), ("maxItems", ">")):
            if key in schema:
                self.emit(depth, f"if len({v}) {operator} {int(schema[key])}:")
                self.emit(depth + 1, "return False")
        if "items" in schema:
            item = self.variable()
            self.emit(depth, f"for {item} in {v}:")
            self.node(schema["items"], item, depth + 1)

    def boolean(self, schema: dict[str, Any], v: str, depth: int) -> None:
        pass

    def null(self, schema: dict[str, Any], v: str, depth: int) -> None:
        pass

    def variable(self) -> str:
        self.variables += 1
        return f"v{self.variables}"

    def _names_fit(self, schema: dict[str, Any], names: list[str]) -> bool:
        # Every declared name satisfies propertyNames (checked here, once): with no other key
        # present, the keyword holds. Only {"type": "string", "pattern": ...} is understood.
        rule = schema.get("propertyNames")
        if rule is None:
            return True
        if not isinstance(rule, dict) or set(rule) - _ANNOTATIONS != {"type", "pattern"} or rule["type"] != "string":
            return False
        regex = self.regexes.get(rule["pattern"])
        return regex is not None and all(regex.search(name) for name in names)

    def object(self, schema: dict[str, Any], v: str, depth: int) -> None:
        properties: dict[str, Any] = schema.get("properties", {})
        required = list(schema.get("required", []))
        names = list(properties)
        if not set(required) <= set(names) or not self._names_fit(schema, names):
            self.emit(depth, "return False")
            return
        bounded = bool({"additionalProperties", "propertyNames", "maxProperties"} & set(schema))
        if bounded and schema.get("additionalProperties", False) is not True:
            # No key but the declared ones: additionalProperties and propertyNames hold.
            if set(required) == set(names):
                self.emit(depth, f"if {v}.keys() != {self.constant(f'frozenset({sorted(names)!r})')}:")
            else:
                needed = self.constant(f"frozenset({sorted(required)!r})")
                known = self.constant(f"frozenset({sorted(names)!r})")
                self.emit(depth, f"if not {needed} <= {v}.keys() <= {known}:")
            self.emit(depth + 1, "return False")
            if "maxProperties" in schema and len(names) > int(schema["maxProperties"]):
                self.emit(depth, f"if len({v}) > {int(schema['maxProperties'])}:")
                self.emit(depth + 1, "return False")
        elif bounded:
            self.emit(depth, "return False")  # open and bounded: left to the full validator
            return
        elif required:
            self.emit(depth, f"if not {v}.keys() >= {self.constant(f'frozenset({sorted(required)!r})')}:")
            self.emit(depth + 1, "return False")
        for name, subschema in properties.items():
            value = self.variable()
            if name in required:
                self.emit(depth, f"{value} = {v}[{name!r}]")
                self.node(subschema, value, depth)
            else:
                self.emit(depth, f"if {name!r} in {v}:")
                self.emit(depth + 1, f"{value} = {v}[{name!r}]")
                self.node(subschema, value, depth + 1)


def accepts_source(schema: dict[str, Any], regexes: dict[str, re.Pattern[str]], full: str) -> str:
    """Python source of ``accepts(data)`` for ``schema``, and of ``validate`` running it before ``full``'s.

    Parameters
    ----------
    schema
        The schema the ``validate`` of module ``full`` (fastjsonschema's validator) checks.
    regexes
        The generator's compiled regexes (``REGEX_PATTERNS`` of the module), by key.
    full
        The module (in ``orders_shared._validators``) whose ``validate`` is called whenever ``accepts``
        does not return True; imported then, the first time.
    """
    compiler = _Compiler(regexes)
    compiler.node(schema, "data", 1)
    return "\n".join(
        [
            "_NUMBER = (int, float, Decimal)",
            *compiler.constants,
            "",
            "",
            "def accepts(data):",
            '    """True only if the full validator accepts ``data`` (the common case, without its error paths)."""',
            *compiler.lines,
            "    return True",
            "",
            "",
            "def validate_full(data):",
            '    """fastjsonschema\'s validator, its module (and fastjsonschema) imported the first time."""',
            f"    from orders_shared._validators.{full} import validate as full",
            "",
            "    return full(data)",
            "",
            "",
            "def validate(data):",
            '    """The fast path, then fastjsonschema\'s validator for what it does not accept (and its error)."""',
            "    try:",
            "        if accepts(data):",
            "            return data",
            "    except Exception:  # a comparison the full validator makes too (Decimal NaN): it raises",
            "        pass",
            "    return validate_full(data)",
            "",
        ]
    )
