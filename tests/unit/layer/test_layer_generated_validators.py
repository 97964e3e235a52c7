"""The validators committed under orders_shared/_validators/ are what the schemas compile to today."""

from __future__ import annotations

import pytest

from orders_shared import schemas


def test_generated_validators_cover_exactly_the_schemas() -> None:
    # GIVEN the validator modules committed beside the layer
    committed = {path.name for path in schemas.VALIDATORS_DIR.glob("*.py")}

    # WHEN the schemas are compiled again
    generated = set(schemas.generate())

    # THEN there is one module per schema, none missing and none left over from a removed schema
    assert committed == generated


@pytest.mark.parametrize("module", sorted(schemas.generate()))
def test_generated_validator_matches_its_schema(module: str) -> None:
    # GIVEN the source fastjsonschema produces from the schemas as they are now
    expected = schemas.generate()[module]

    # WHEN it is compared with the committed module
    committed = (schemas.VALIDATORS_DIR / module).read_text(encoding="utf-8")

    # THEN they are identical: a schema edited without `make schemas` fails here
    assert committed == expected, f"_validators/{module} is stale: run `make schemas`"
