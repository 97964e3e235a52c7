"""The record outlives the stack: tables and keys kept on delete and replace, tables protected on AWS."""

from __future__ import annotations

from typing import Any

from tests.unit.template.template_support import Stack

RETAINED_TYPES = ("AWS::DynamoDB::Table", "AWS::KMS::Key")


def test_template_tables_and_keys_are_retained_on_delete_and_replace(stack: Stack) -> None:
    # GIVEN every table and key deployed in this env
    resources = {name: resource for name, resource in stack.resources.items() if resource["Type"] in RETAINED_TYPES}
    # WHEN their deletion and replacement policies are read
    policies = {
        name: (resource.get("DeletionPolicy"), resource.get("UpdateReplacePolicy"))
        for name, resource in resources.items()
    }
    # THEN each is kept on stack deletion and on replacement (the default deletes it, and deletes a key
    # that the retained tables and their backups need)
    assert policies == dict.fromkeys(
        ["TopicsKey", "TablesKey", "LogsKey", "OrdersTable", "EventStoreTable", "ShipmentsTable"], ("Retain", "Retain")
    )


def test_template_retention_policies_are_literals(template: dict[str, Any]) -> None:
    # GIVEN every DeletionPolicy and UpdateReplacePolicy of the template
    values = [
        resource[attribute]
        for resource in template["Resources"].values()
        for attribute in ("DeletionPolicy", "UpdateReplacePolicy")
        if attribute in resource
    ]
    # WHEN their forms are read
    # THEN each is a literal: an intrinsic function there needs the AWS::LanguageExtensions transform
    assert values
    assert all(isinstance(value, str) for value in values), values


def test_template_tables_have_deletion_protection_except_on_the_emulator(stack: Stack) -> None:
    # GIVEN every table deployed in this env
    tables = stack.of_type("AWS::DynamoDB::Table")
    # WHEN their deletion protection is evaluated for this env
    protection = {name: stack.evaluate(table.get("DeletionProtectionEnabled", False)) for name, table in tables.items()}
    # THEN it is on for AWS stages, and off locally (the emulator's state is thrown away by `make down`)
    expected = stack.parameters["Stage"] != "local"
    assert protection == {"OrdersTable": expected, "EventStoreTable": expected, "ShipmentsTable": expected}
