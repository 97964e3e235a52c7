"""One cold start, in a fresh interpreter: import a processor's handler and serve its first batch.

Run by ``cold_start.py`` with the environment of the processor; writes the timings (ms) as JSON to
the file named by its last argument, with the source files compiled during the run: every module
whose bytecode was not found (or not valid) goes through ``SourceLoader.source_to_code``, which is
wrapped here to record it. Only the standard library is imported before the clock starts.
"""

import importlib
import importlib._bootstrap_external as bootstrap
import json
import sys
import time
from typing import Any

COMPILED: list[str] = []
_source_to_code = bootstrap.SourceLoader.source_to_code


def _recording_source_to_code(self: Any, data: Any, path: Any, *, _optimize: int = -1) -> Any:
    COMPILED.append(str(path))
    return _source_to_code(self, data, path, _optimize=_optimize)


bootstrap.SourceLoader.source_to_code = _recording_source_to_code  # type: ignore[method-assign]


class _Context:
    function_name = "order-processor"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:order-processor"
    aws_request_id = "52fdfc07-2182-454f-963f-5f0f9a621d72"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def main() -> None:
    module_name, event_file, result_file = sys.argv[1:4]
    with open(event_file, encoding="utf-8") as handle:
        event = json.load(handle)
    started, cpu_started = time.perf_counter(), time.process_time()
    module = importlib.import_module(module_name)
    imported = time.perf_counter()
    module.handler(event, _Context())
    served, cpu_served = time.perf_counter(), time.process_time()
    with open(result_file, "w", encoding="utf-8") as handle:
        timings = {
            "import_ms": (imported - started) * 1000,
            "total_ms": (served - started) * 1000,
            "cpu_ms": (cpu_served - cpu_started) * 1000,  # every thread's CPU time: less noisy on a shared machine
        }
        json.dump({**timings, "compiled": COMPILED}, handle)


if __name__ == "__main__":
    main()
