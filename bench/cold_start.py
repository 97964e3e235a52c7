"""Cold initialisation: a fresh interpreter imports the handler and serves its first batch.

Both processors run the same way: a subprocess with the same interpreter and bytecode cache,
pointed at the same local stand-in for AWS (``fake_aws``), serving the same 10-order batch. The
runs alternate (ours, baseline, ours, ...) so that the machine's noise falls on both; the figure
is the median. Outside Lambda the X-Ray SDK is not imported (see orders_shared.observability).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from fake_aws import FakeAws
from harness import DUMMY_CREDENTIALS, ORDERS_TABLE, ROOT, created_bodies, median, sqs_event

MODULES = {"ours": "order_processor.app", "baseline": "baseline"}
PYTHONPATH = [ROOT / "layers/shared/python", ROOT / "functions/order_processor", ROOT / "bench"]


def _environment(which: str, endpoint: str, pycache: Path | None) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AWS_", "POWERTOOLS_", "PYTHON")) and key not in {"STACK_NAME"}
    }
    env.update(DUMMY_CREDENTIALS)
    env.update(
        AWS_ENDPOINT_URL=endpoint,
        AWS_DEFAULT_REGION="us-east-1",
        AWS_REGION="us-east-1",
        PYTHONPATH=os.pathsep.join(str(path) for path in PYTHONPATH),
    )
    if pycache is None:
        env["PYTHONDONTWRITEBYTECODE"] = "1"  # and no cache to read: every module compiled from source
        env["PYTHONPYCACHEPREFIX"] = tempfile.mkdtemp(prefix="bench-nopyc-")
    else:
        env["PYTHONPYCACHEPREFIX"] = str(pycache)
    if which == "baseline":
        env.update(ORDERS_TABLE=ORDERS_TABLE, NOTIFICATION_TOPIC_ARN="arn:aws:sns:us-east-1:123456789012:notifications")
    else:
        env.update(
            ORDERS_TABLE_NAME=ORDERS_TABLE,
            EVENT_STORE_TABLE_NAME="EventStore",
            NOTIFICATIONS_TOPIC_ARN="arn:aws:sns:us-east-1:123456789012:notifications",
            DEAD_LETTER_QUEUE_URL=f"{endpoint}/123456789012/order-events-dlq",
            STAGE="bench",
            POWERTOOLS_SERVICE_NAME="order-pipeline",
            POWERTOOLS_METRICS_NAMESPACE="OrderPipeline",
            POWERTOOLS_LOG_LEVEL="INFO",
            POWERTOOLS_TRACE_DISABLED="true",
        )
    return env


def _run_once(which: str, endpoint: str, event_file: Path, pycache: Path | None) -> dict[str, float]:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as result:
        result_file = Path(result.name)
    try:
        subprocess.run(  # noqa: S603 - this interpreter and our own script, no shell
            [sys.executable, str(ROOT / "bench/cold_child.py"), MODULES[which], str(event_file), str(result_file)],
            env=_environment(which, endpoint, pycache),
            check=True,
            stdout=subprocess.DEVNULL,  # the processors' logs
            timeout=120,
        )
        timings: dict[str, float] = json.loads(result_file.read_text())
        return timings
    finally:
        result_file.unlink(missing_ok=True)


def measure(runs: int, pycache: Path | None) -> dict[str, Any]:
    """Median cold start (import + first 10-order batch) of both processors over ``runs`` runs each.

    ``pycache`` is the bytecode cache both use (warmed first); ``None`` compiles every module from
    source on every run, as a Lambda layer without ``.pyc`` files does on each cold start.
    """
    samples: dict[str, list[dict[str, float]]] = {"ours": [], "baseline": []}
    with FakeAws() as aws, tempfile.TemporaryDirectory() as scratch:
        event_file = Path(scratch) / "event.json"
        event_file.write_text(json.dumps(sqs_event(created_bodies(10))))
        if pycache is not None:
            for which in samples:
                _run_once(which, aws.endpoint, event_file, pycache)  # fills the bytecode cache
        for _ in range(runs):
            for which, runs_of in samples.items():
                runs_of.append(_run_once(which, aws.endpoint, event_file, pycache))
    return {
        which: {
            "median_ms": median([run["total_ms"] for run in runs_of]),
            "import_median_ms": median([run["import_ms"] for run in runs_of]),
            "samples_ms": [round(run["total_ms"], 1) for run in runs_of],
        }
        for which, runs_of in samples.items()
    }
