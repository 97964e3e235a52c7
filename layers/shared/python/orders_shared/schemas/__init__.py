"""JSON Schemas of the order event contract and their ahead-of-time compilation.

The ``*.json`` files beside this module are the contract. At run time nothing here is imported:
:mod:`orders_shared.validation` loads the validators that :func:`generate` wrote into
``orders_shared/_validators/`` (committed, and checked to be current by the unit tests), so a cold
start pays no compilation. Run ``make schemas`` after editing a schema.
"""

from __future__ import annotations

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


def generate() -> dict[str, str]:
    """Compile every schema to Python source with fastjsonschema.

    Returns
    -------
    dict[str, str]
        Module file name (``envelope.py``, ...) to its source.
    """
    import fastjsonschema  # noqa: PLC0415 - a build-time dependency only

    handlers = {"https": _local_handler}
    sources = {}
    for name in SCHEMA_NAMES:
        code = fastjsonschema.compile_to_code(load_schema(name), handlers=handlers, formats=FORMATS)
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
