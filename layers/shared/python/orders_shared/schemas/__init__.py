"""JSON Schemas of the order event contract and their ahead-of-time compilation.

The ``*.json`` files beside this module are the contract. At run time nothing here is imported:
:mod:`orders_shared.validation` loads the validators that :func:`generate` wrote into
``orders_shared/_validators/`` (committed, and checked to be current by the unit tests), so a cold
start pays no compilation. Run ``make schemas`` after editing a schema.
"""

from __future__ import annotations

import importlib
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

SCHEMA_DIR = Path(__file__).parent
VALIDATORS_DIR = SCHEMA_DIR.parent / "_validators"
SCHEMA_NAMES = ("envelope", "OrderCreated", "OrderStatusChanged", "PaymentProcessed", "PaymentFailed")

# Draft-07 knows no ``uuid`` format and fastjsonschema skips unknown formats silently, so it is
# registered here; ``\Z`` rather than ``$``, which would also accept a trailing newline.
FORMATS = {"uuid": r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z"}


def load_schema(name: str) -> dict[str, Any]:
    """Return the parsed schema ``<name>.json``."""
    with (SCHEMA_DIR / f"{name}.json").open(encoding="utf-8") as handle:
        schema: dict[str, Any] = json.load(handle)
    return schema


def _local_handler(uri: str) -> dict[str, Any]:
    # Every $ref points at a file of this folder; nothing is fetched from the network.
    return load_schema(Path(urlparse(uri).path).stem)


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


def _compile_to_code(schema: dict[str, Any], handlers: dict[str, Any]) -> str:
    """fastjsonschema's ``compile_to_code``, raising errors without a copy of the schema in each.

    fastjsonschema writes the whole (sub)schema as a literal into every ``raise`` it generates
    (``JsonSchemaValueException.definition``), which nothing here reads: the errors keep their
    message, name (the path), value and rule. Without those literals the validators are a third
    smaller, so a cold start compiles or loads less. Relies on the generator of the pinned version.
    """
    fastjsonschema: Any = importlib.import_module("fastjsonschema")  # build-time dependencies only
    draft07: Any = importlib.import_module("fastjsonschema.draft07")
    ref_resolver: Any = importlib.import_module("fastjsonschema.ref_resolver")
    lean = type("LeanErrors", (draft07.CodeGeneratorDraft07,), {"exc": _lean_exc})
    resolver = ref_resolver.RefResolver.from_schema(schema, handlers=handlers, store={})
    generator = lean(schema, resolver=resolver, formats=FORMATS)
    code = generator.func_code  # generating the code collects the regexes it uses
    generator._compile_regexps = {key: _ascii(regex) for key, regex in generator._compile_regexps.items()}
    return f'VERSION = "{fastjsonschema.VERSION}"\n{generator.global_state_code}\n{code}'


def generate() -> dict[str, str]:
    """Compile every schema to Python source with fastjsonschema.

    Returns
    -------
    dict[str, str]
        Module file name (``envelope.py``, ...) to its source.
    """
    handlers = {"https": _local_handler}
    sources = {}
    for name in SCHEMA_NAMES:
        code = _compile_to_code(load_schema(name), handlers)
        # The first function generated validates the root schema; name it plainly for callers.
        entry = re.search(r"^def (\w+)\(", code, re.MULTILINE)
        if entry is None:
            raise RuntimeError(f"fastjsonschema produced no validator for {name}")
        header = f"# Generated from schemas/{name}.json by `make schemas`. Do not edit.\n"
        sources[f"{name}.py"] = f"{header}{code}\n\nvalidate = {entry.group(1)}\n"
    return sources


def write() -> None:
    """Write the generated validators into ``orders_shared/_validators/``."""
    VALIDATORS_DIR.mkdir(exist_ok=True)
    (VALIDATORS_DIR / "__init__.py").write_text('"""Validators generated from orders_shared/schemas."""\n')
    for file_name, source in generate().items():
        (VALIDATORS_DIR / file_name).write_text(source)
