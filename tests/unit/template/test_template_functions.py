"""Functions, the schedule, the archive and the outputs, checked for every config env of samconfig.toml."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

from tests.unit.template.template_support import ROOT, Stack

OUTPUTS = {
    "EventBusName",
    "OrderEventsQueueUrl",
    "OrderEventsDeadLetterQueueUrl",
    "OrdersTableName",
    "EventStoreTableName",
    "NotificationsTopicArn",
    "AlertsTopicArn",
    "OrderProcessorFunctionName",
    "DlqRedriverFunctionName",
    "MetricsEmitterFunctionName",
    "DashboardName",
    "FulfilmentFunctionName",
    "FulfilmentQueueUrl",
    "FulfilmentDeadLetterQueueUrl",
    "ShipmentsTableName",
}
FUNCTIONS = {"OrderProcessorFunction", "DlqRedriverFunction", "MetricsEmitterFunction", "FulfilmentFunction"}


def globals_of(stack: Stack) -> dict[str, Any]:
    return dict(stack.template["Globals"]["Function"])


def test_template_globals_set_layer_runtime_and_architecture(stack: Stack) -> None:
    # GIVEN the template's function Globals
    settings = globals_of(stack)
    # WHEN the layer, runtime and architecture are read
    # THEN every function gets the shared layer, Python 3.13 and arm64
    assert (settings["Layers"], settings["Runtime"], settings["Architectures"]) == (
        [{"Ref": "SharedLayer"}],
        "python3.13",
        ["arm64"],
    )


def test_template_no_function_overrides_layer_runtime_or_architecture(stack: Stack) -> None:
    # GIVEN every function deployed in this env
    functions = stack.of_type("AWS::Serverless::Function")
    # WHEN their own settings are read
    overrides = {name: {"Layers", "Runtime", "Architectures"} & set(function) for name, function in functions.items()}
    # THEN none overrides the Globals
    assert set(functions) == FUNCTIONS
    assert all(not keys for keys in overrides.values()), overrides


def test_template_shared_layer_matches_the_functions(stack: Stack) -> None:
    # GIVEN the shared layer
    layer = stack.of_type("AWS::Serverless::LayerVersion")["SharedLayer"]
    # WHEN its runtimes and architectures are read
    # THEN they are the functions' (Globals)
    assert layer["CompatibleRuntimes"] == [globals_of(stack)["Runtime"]]
    assert layer["CompatibleArchitectures"] == globals_of(stack)["Architectures"]


def test_template_function_handlers_exist(stack: Stack) -> None:
    # GIVEN every function's CodeUri and Handler
    functions = stack.of_type("AWS::Serverless::Function")
    missing = []
    for name, function in functions.items():
        module, _, attribute = function["Handler"].rpartition(".")
        # WHEN the handler's module is looked up in the code directory
        source = ROOT / function["CodeUri"] / (module.replace(".", "/") + ".py")
        if not source.is_file() or f"def {attribute}(" not in source.read_text(encoding="utf-8"):
            missing.append((name, str(source)))
    # THEN it is there and defines the handler
    assert missing == []


def built_commands(makefile: Path, target: str, artifacts: str) -> list[str]:
    """The commands ``make`` would run for ``target`` of ``makefile`` (``make -n``: printed, not run), as
    sam build's makefile workflow calls it: the Makefile named with ``-f``, ARTIFACTS_DIR in the environment."""
    make = shutil.which("make")
    assert make is not None, "make is needed to expand the build recipes"
    result = subprocess.run(  # noqa: S603 - make -n on our own Makefile, arguments built here
        [make, "--no-print-directory", "-n", "-f", str(makefile), target],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "ARTIFACTS_DIR": artifacts},
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def test_template_every_function_ships_bytecode_compiled_by_the_functions_makefile(stack: Stack) -> None:
    # GIVEN every function: /var/task is read-only on Lambda, so a module without a shipped pyc is
    # compiled from source on each cold start
    functions = stack.of_type("AWS::Serverless::Function")
    assert set(functions) == FUNCTIONS
    wrong = []
    for name, function in functions.items():
        # WHEN its build metadata is read and the Makefile sam build would run is expanded for it
        metadata = stack.template["Resources"][name].get("Metadata", {})
        makefile = ROOT / metadata.get("ContextPath", function["CodeUri"]) / "Makefile"
        package = function["Handler"].split(".")[0]
        commands = built_commands(makefile, f"build-{name}", "/artifacts") if makefile.is_file() else []
        if (
            metadata.get("BuildMethod") != "makefile"
            or metadata.get("BuildArchitecture") != globals_of(stack)["Architectures"][0]
            or f'cp -R {package} "/artifacts/"' not in commands
            or f'python3.13 -m compileall -q --invalidation-mode unchecked-hash "/artifacts/{package}"' not in commands
        ):
            wrong.append(name)
    # THEN sam build runs one Makefile (functions/Makefile) for all of them, whose target for each
    # copies that function's package and compiles it for the runtime with unchecked-hash pycs
    # (`make layer-check` checks the built pycs)
    assert wrong == []


def test_template_schedule_has_a_name_retry_policy_and_dead_letter_queue(stack: Stack) -> None:
    # GIVEN every ScheduleV2 event
    schedules = [
        event["Properties"]
        for function in stack.of_type("AWS::Serverless::Function").values()
        for event in function.get("Events", {}).values()
        if event["Type"] == "ScheduleV2"
    ]
    # WHEN their name, retry policy and DLQ are read
    settings = [
        (schedule.get("Name"), "RetryPolicy" in schedule, schedule.get("DeadLetterConfig", {}).get("Arn"))
        for schedule in schedules
    ]
    # THEN the one schedule is named per stack (the emulator names it by logical id otherwise), retries and has a DLQ
    assert settings == [
        (
            {"Fn::Sub": "${AWS::StackName}-metrics-emitter"},
            True,
            {"Fn::GetAtt": ["SchedulerDeadLetterQueue", "Arn"]},
        )
    ]


def test_template_archive_is_conditional(stack: Stack) -> None:
    # GIVEN the bus archive
    archive = stack.template["Resources"]["OrdersArchive"]
    # WHEN its condition is read
    # THEN it exists only where EnableArchive is "true" (the local emulator has no archives)
    assert archive["Condition"] == "ArchiveEnabled"
    assert stack.template["Conditions"]["ArchiveEnabled"] == {"Fn::Equals": [{"Ref": "EnableArchive"}, "true"]}
    assert ("OrdersArchive" in stack.resources) == (stack.parameters["EnableArchive"] == "true")


def test_template_outputs_are_exactly_the_public_contract(stack: Stack) -> None:
    # GIVEN the outputs deployed in this env
    # WHEN their names are read
    # THEN they are exactly the eleven of the design (scripts, tests and users read them)
    assert set(stack.outputs) == OUTPUTS


def test_template_parameter_overrides_name_known_parameters_with_allowed_values(stack: Stack) -> None:
    # GIVEN the env's parameter values (defaults and overrides)
    specs = stack.template["Parameters"]
    # WHEN each is checked against its declaration
    wrong = []
    for name, value in stack.parameters.items():
        spec = specs.get(name)
        if spec is None:
            wrong.append((name, "unknown parameter"))
            continue
        allowed = [str(item) for item in spec.get("AllowedValues", [])]
        if allowed and value not in allowed:
            wrong.append((name, value))
        if spec["Type"] == "Number" and not spec.get("MinValue", float("-inf")) <= float(value) <= spec.get(
            "MaxValue", float("inf")
        ):
            wrong.append((name, value))
    # THEN every one is declared and within its bounds (CloudFormation would refuse the deploy)
    assert wrong == []
