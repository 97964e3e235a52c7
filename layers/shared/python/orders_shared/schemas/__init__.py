"""JSON Schemas of the order event contract, every released version, and their ahead-of-time compilation.

Layout (the rules are in ``docs/contract.md``):

- ``<DetailType>/<major>.<minor>.json``: one file per version of a detail-type's ``detail``, each
  closed (``additionalProperties: false``): what a producer of that exact version sends.
- ``definitions.json``: the formats the versions share (``$ref: definitions.json#/<name>``).
- ``envelope.json``: EventBridge's envelope (open: AWS may add top-level fields).
- ``released/``: a frozen, self-contained copy of every version as it was released, written by
  ``make schemas`` the first time it compiles a version and never overwritten. The compatibility
  gate (:mod:`orders_shared.schemas.compat`) compares the working copy with it.

At run time nothing here is imported but the version helpers: :mod:`orders_shared.validation` loads the validators that
:func:`generate` wrote into ``orders_shared/_validators/`` (committed, and checked to be current by
the unit tests), so a cold start pays no compilation. For every version there is a *writer*
validator (the closed schema of that version) and for every major a *reader* validator: the newest
minor of the major with ``detail`` and ``metadata`` opened to fields it does not know (bounded in
name, depth, length and size), for events of a minor newer than this code knows.
"""

from __future__ import annotations

import copy
import importlib
import json
import re
from pathlib import Path
from typing import Any

from orders_shared.schemas.fastpath import accepts_source
from orders_shared.versions import parse_version

SCHEMA_DIR = Path(__file__).parent
VALIDATORS_DIR = SCHEMA_DIR.parent / "_validators"
RELEASED_DIR = SCHEMA_DIR / "released"
DETAIL_TYPES = ("OrderCreated", "OrderStatusChanged", "PaymentProcessed", "PaymentFailed")
# The outbound contract: the SNS message body of a status notification. Versioned like a detail,
# but its schemaVersion is a top-level field (there is no metadata object).
NOTIFICATION = "OrderNotification"
CONTRACTS = (*DETAIL_TYPES, NOTIFICATION)
ENVELOPE = "envelope"

# Draft-07 knows no ``uuid`` format and fastjsonschema skips unknown formats silently, so it is
# registered here; ``\Z`` rather than ``$``, which would also accept a trailing newline.
FORMATS = {"uuid": r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z"}

# What a field this code does not know may be (a newer minor's): any JSON value, bounded. Names are
# ASCII identifiers; strings hold no control or bidirectional formatting character; nesting, list
# and object sizes are capped. Numbers are checked for exactness in orders_shared.validation.
EXTENSION_NAME = {"type": "string", "pattern": r"^[A-Za-z][A-Za-z0-9_]{0,63}\Z"}
EXTENSION_DEPTH = 4  # levels of arrays or objects under an unknown field
EXTENSION_MAX_ITEMS = 64
EXTENSION_MAX_STRING = 1024
_SAFE_TEXT = "^[^\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069]*\\Z"


def _read(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        schema: dict[str, Any] = json.load(handle)
    return schema


def versions(detail_type: str, root: Path = SCHEMA_DIR) -> list[str]:
    """Every version of a detail-type in the working copy (``root``), oldest first."""
    found = [path.stem for path in (root / detail_type).glob("*.json")]
    return sorted(found, key=parse_version)


def majors(detail_type: str, root: Path = SCHEMA_DIR) -> dict[int, list[str]]:
    """The versions of a detail-type grouped by major, each list oldest first."""
    grouped: dict[int, list[str]] = {}
    for version in versions(detail_type, root):
        grouped.setdefault(parse_version(version)[0], []).append(version)
    return grouped


def _resolve(node: Any, definitions: dict[str, Any]) -> Any:
    # Every $ref names definitions.json#/<name>: inlined, so that each schema stands alone (for the
    # compiler, the compatibility gate and the schema registry alike).
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            file_name, _, name = ref.partition("#/")
            if file_name != "definitions.json" or name not in definitions:
                raise ValueError(f"unresolvable $ref {ref!r}")
            return _resolve(copy.deepcopy(definitions[name]), definitions)
        return {key: _resolve(value, definitions) for key, value in node.items()}
    if isinstance(node, list):
        return [_resolve(item, definitions) for item in node]
    return node


def _resolved(path: Path) -> dict[str, Any]:
    resolved: dict[str, Any] = _resolve(_read(path), _read(path.parent / "definitions.json"))
    return resolved


def version_holder(schema: dict[str, Any]) -> dict[str, Any]:
    """The object whose ``schemaVersion`` says the version: ``metadata`` of a detail, a notification itself."""
    holder: dict[str, Any] = schema["properties"].get("metadata", schema)
    return holder


def writer_schema(detail_type: str, version: str, root: Path = SCHEMA_DIR) -> dict[str, Any]:
    """The closed, self-contained schema of one version (``schemaVersion`` that version)."""
    path = root / detail_type / f"{version}.json"
    schema: dict[str, Any] = _resolve(_read(path), _read(root / "definitions.json"))
    version_holder(schema)["properties"]["schemaVersion"] = {"type": "string", "enum": [version]}
    return schema


def _extensions() -> dict[str, Any]:
    # One definition per level (extension0: a scalar, extensionN: a scalar, or a list or object of
    # extension(N-1)): referenced, so the compiled reader holds one function per level.
    definitions: dict[str, Any] = {}
    for depth in range(EXTENSION_DEPTH + 1):
        value: dict[str, Any] = {
            "type": ["string", "number", "boolean", "null"],
            "maxLength": EXTENSION_MAX_STRING,
            "pattern": _SAFE_TEXT,
        }
        if depth > 0:
            inner = {"$ref": f"#/definitions/extension{depth - 1}"}
            value["type"] = [*value["type"], "array", "object"]
            value.update(
                maxItems=EXTENSION_MAX_ITEMS,
                items=inner,
                maxProperties=EXTENSION_MAX_ITEMS,
                propertyNames=EXTENSION_NAME,
                additionalProperties=inner,
            )
        definitions[f"extension{depth}"] = value
    return definitions


def _opened(schema: dict[str, Any]) -> None:
    schema["additionalProperties"] = {"$ref": f"#/definitions/extension{EXTENSION_DEPTH}"}
    schema["propertyNames"] = EXTENSION_NAME
    schema["maxProperties"] = len(schema["properties"]) + EXTENSION_MAX_ITEMS


def reader_schema(detail_type: str, major: int) -> dict[str, Any]:
    """The tolerant reader of a major: its newest minor, ``detail`` and ``metadata`` open to new fields."""
    newest = majors(detail_type)[major][-1]
    schema = writer_schema(detail_type, newest)
    schema["title"] = f"{detail_type} detail, any schema version {major}.x (reader of {newest} and later minors)"
    _opened(schema)
    holder = version_holder(schema)
    if holder is not schema:
        _opened(holder)
    holder["properties"]["schemaVersion"] = {"type": "string", "pattern": f"^{major}\\.(0|[1-9][0-9]{{0,2}})\\Z"}
    schema["definitions"] = _extensions()
    return schema


def envelope_schema(root: Path = SCHEMA_DIR) -> dict[str, Any]:
    """The EventBridge envelope, self-contained."""
    return _resolved(root / f"{ENVELOPE}.json")


def released_name(detail_type: str, version: str) -> str:
    """The file name of a version's frozen copy under ``released/``."""
    return f"{detail_type}-{version}.json"


def current_schemas(root: Path = SCHEMA_DIR) -> dict[str, dict[str, Any]]:
    """Every schema of the working copy by its ``released/`` file name (envelope included)."""
    schemas = {f"{ENVELOPE}.json": envelope_schema(root)}
    for detail_type in CONTRACTS:
        for version in versions(detail_type, root):
            schemas[released_name(detail_type, version)] = writer_schema(detail_type, version, root)
    return schemas


def _lean_exc(self: Any, msg: str, *args: Any, append_to_msg: str | None = None, rule: str | None = None) -> None:
    # fastjsonschema's CodeGenerator.exc, less the ``definition=<the whole schema>`` argument.
    text = '"' + msg + '"' + (" + (" + append_to_msg + ")" if append_to_msg else "")
    definition = self._definition if isinstance(self._definition, dict) else None
    self.l(
        "raise JsonSchemaValueException(" + text + ', value={variable}, name="{name}", rule={rule})',
        *args,
        rule=repr(rule),
        definition_rule=self.e(definition.get(rule) if definition and rule else None),
    )


def _ascii(regex: re.Pattern[str]) -> re.Pattern[str]:
    # fastjsonschema compiles every ``pattern`` and format regex with Python's defaults, where
    # ``\d`` also matches Arabic-Indic or fullwidth digits (its own date-time format uses ``\d``):
    # the date "٢٠٢٥-01-01" passed. JSON Schema patterns mean ECMA-262 regexes, whose ``\d`` is [0-9]: every regex is
    # recompiled with re.ASCII (which the generated module keeps, as ``re.A``).
    return re.compile(regex.pattern, (regex.flags & ~re.UNICODE) | re.ASCII)


def _compile_to_code(schema: dict[str, Any]) -> tuple[str, dict[str, re.Pattern[str]], str]:
    """fastjsonschema's ``compile_to_code``, raising errors without a copy of the schema in each.

    fastjsonschema writes the whole (sub)schema as a literal into every ``raise`` it generates
    (``JsonSchemaValueException.definition``), which nothing here reads: the errors keep their
    message, name (the path), value and rule. Without those literals the validators are a third
    smaller, so a cold start compiles or loads less. Relies on the generator of the pinned version.
    Returns the code, the regexes it compiled (``REGEX_PATTERNS``, by key) and their definition as code.
    """
    fastjsonschema: Any = importlib.import_module("fastjsonschema")  # build-time dependencies only
    draft07: Any = importlib.import_module("fastjsonschema.draft07")
    generator_module: Any = importlib.import_module("fastjsonschema.generator")
    ref_resolver: Any = importlib.import_module("fastjsonschema.ref_resolver")
    lean = type("LeanErrors", (draft07.CodeGeneratorDraft07,), {"exc": _lean_exc})
    resolver = ref_resolver.RefResolver.from_schema(schema, handlers={}, store={})
    generator = lean(schema, resolver=resolver, formats=FORMATS)
    code = generator.func_code  # generating the code collects the regexes it uses
    regexes = {key: _ascii(regex) for key, regex in generator._compile_regexps.items()}
    generator._compile_regexps = regexes
    patterns = f"REGEX_PATTERNS = {generator_module.serialize_regexes(regexes)}\n"
    return f'VERSION = "{fastjsonschema.VERSION}"\n{generator.global_state_code}\n{code}', regexes, patterns


def _modules(schema: dict[str, Any], origin: str, name: str) -> dict[str, str]:
    """The two modules of a schema: ``<name>.py``, the fast path and ``validate``; ``<name>_full.py``, fastjsonschema's.

    The fast path's module does not import fastjsonschema: the full validator's module, which does,
    is imported only when the fast path does not accept (a cold start's valid events never need it).
    """
    code, regexes, patterns = _compile_to_code(schema)
    # The first function generated validates the root schema: the full module's ``validate``.
    entry = re.search(r"^def (\w+)\(", code, re.MULTILINE)
    if entry is None:
        raise RuntimeError(f"fastjsonschema produced no validator for {origin}")
    header = f"# Generated from {origin} by `make schemas`. Do not edit.\n"
    full = f"{header}{code}\n\nvalidate = {entry.group(1)}\n"
    imports = "from decimal import Decimal\nimport re\n\n"
    fast = f"{header}{imports}{patterns}\n{accepts_source(schema, regexes, f'{name}_full')}"
    return {f"{name}.py": fast, f"{name}_full.py": full}


def module_name(detail_type: str, version: str) -> str:
    """The validator module of a version (``OrderCreated_1_0``) or of a major's reader (``OrderCreated_1_x``)."""
    return f"{detail_type}_{version.replace('.', '_')}"


def _registry(modules: list[str], readers: dict[tuple[str, int], dict[str, Any]]) -> str:
    # Module names, not imported functions: orders_shared.validation imports a validator on first use,
    # so a cold start loads the few its first batch needs, not every version's (docs/decisions.md).
    lines = [
        '"""Validators generated from orders_shared/schemas by `make schemas`. Do not edit.',
        "",
        "WRITERS: the closed schema of each released version. READERS: each major's tolerant reader.",
        "Both name the module (in this package) whose ``validate`` checks it.",
        "KNOWN: the detail and metadata fields each reader knows (any other is an extension).",
        "Each module also has ``accepts``, its fast path: True only for a document ``validate`` accepts.",
        "fastjsonschema's validator of each is in ``<module>_full``, imported only for what ``accepts`` declines.",
        '"""',
        "",
        f"MODULES = {tuple(sorted(modules))!r}",
        "",
        "WRITERS = {",
    ]
    for detail_type in CONTRACTS:
        lines += [f'    ("{detail_type}", "{v}"): "{module_name(detail_type, v)}",' for v in versions(detail_type)]
    lines += ["}", "", "READERS = {"]
    lines += [f'    ("{t}", {m}): "{module_name(t, f"{m}.x")}",' for t, m in readers]
    lines += ["}", "", "KNOWN = {"]
    for (detail_type, major), schema in readers.items():
        detail_fields = sorted(schema["properties"])
        holder = version_holder(schema)
        meta_fields = sorted(holder["properties"]) if holder is not schema else []
        lines.append(f'    ("{detail_type}", {major}): (frozenset({detail_fields!r}), frozenset({meta_fields!r})),')
    lines += ["}", "", f"DETAIL_TYPES = {DETAIL_TYPES!r}", f"NOTIFICATION = {NOTIFICATION!r}", ""]
    return "\n".join(lines)


def generate() -> dict[str, str]:
    """Compile every schema to Python source with fastjsonschema.

    Returns
    -------
    dict[str, str]
        Module file name (``envelope.py``, ``envelope_full.py``, ``OrderCreated_1_0.py``, ``__init__.py``, ...)
        to its source.
    """
    sources = _modules(envelope_schema(), "schemas/envelope.json", ENVELOPE)
    readers: dict[tuple[str, int], dict[str, Any]] = {}
    for detail_type in CONTRACTS:
        for version in versions(detail_type):
            origin = f"schemas/{detail_type}/{version}.json"
            sources.update(_modules(writer_schema(detail_type, version), origin, module_name(detail_type, version)))
        for major, listed in majors(detail_type).items():
            readers[(detail_type, major)] = schema = reader_schema(detail_type, major)
            origin = f"schemas/{detail_type}/{listed[-1]}.json opened to extensions"
            sources.update(_modules(schema, origin, module_name(detail_type, f"{major}.x")))
    fast = [name.removesuffix(".py") for name in sources if not name.endswith("_full.py")]
    sources["__init__.py"] = _registry(fast, readers)
    return sources


def dump(schema: dict[str, Any]) -> str:
    """A schema as written to disk: two-space indentation, a final newline."""
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def write() -> list[str]:
    """Write the generated validators, and freeze every version not released before.

    Returns
    -------
    list of str
        The file names newly written under ``released/`` (an existing one is never overwritten).
    """
    VALIDATORS_DIR.mkdir(exist_ok=True)
    for stale in VALIDATORS_DIR.glob("*.py"):
        stale.unlink()
    for file_name, source in generate().items():
        (VALIDATORS_DIR / file_name).write_text(source, encoding="utf-8")
    RELEASED_DIR.mkdir(exist_ok=True)
    frozen = []
    for file_name, schema in current_schemas().items():
        target = RELEASED_DIR / file_name
        if not target.exists():
            target.write_text(dump(schema), encoding="utf-8")
            frozen.append(file_name)
    return frozen
