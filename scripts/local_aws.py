"""Start, check and stop the local AWS emulator (MiniStack) bound to 127.0.0.1.

``up`` reuses an emulator that already answers on the port; otherwise it starts one in the
background (pid and log under the state folder) and waits until it is healthy. ``down`` stops the
one it started, and only that one.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

HEALTH_PATH = "/_ministack/health"


def healthy(port: int) -> bool:
    """True when an emulator answers its health check on the port."""
    try:
        return requests.get(f"http://127.0.0.1:{port}{HEALTH_PATH}", timeout=2).ok
    except requests.RequestException:
        return False


def up(port: int, ministack: Path, state: Path, timeout: float) -> int:
    if healthy(port):
        print(f"local AWS already up on 127.0.0.1:{port}")
        return 0
    state.mkdir(parents=True, exist_ok=True)
    log = (state / "ministack.log").open("ab")
    env = {**os.environ, "BIND_HOST": "127.0.0.1", "GATEWAY_PORT": str(port), "LOG_LEVEL": "WARNING"}
    # Its own session, so that `make`'s signals do not stop it early and `down` can stop its children.
    process = subprocess.Popen([str(ministack)], stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    (state / "ministack.pid").write_text(str(process.pid))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            print(f"local AWS exited with code {process.returncode}; see {state / 'ministack.log'}", file=sys.stderr)
            return 1
        if healthy(port):
            print(f"local AWS up on 127.0.0.1:{port} (pid {process.pid}, log {state / 'ministack.log'})")
            return 0
        time.sleep(0.2)
    print(f"local AWS not healthy after {timeout:.0f} s; see {state / 'ministack.log'}", file=sys.stderr)
    return 1


def down(state: Path, timeout: float) -> int:
    pid_file = state / "ministack.pid"
    if not pid_file.exists():
        print("local AWS not started by this project: nothing to stop")
        return 0
    pid = int(pid_file.read_text())
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        pid_file.unlink()
        print("local AWS was already stopped")
        return 0
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        os.killpg(pid, signal.SIGKILL)
    pid_file.unlink()
    print(f"local AWS stopped (pid {pid})")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    start = commands.add_parser("up")
    start.add_argument("--port", type=int, default=4566)
    start.add_argument("--ministack", type=Path, required=True)
    start.add_argument("--state", type=Path, default=Path(".local"))
    start.add_argument("--timeout", type=float, default=60)
    stop = commands.add_parser("down")
    stop.add_argument("--state", type=Path, default=Path(".local"))
    stop.add_argument("--timeout", type=float, default=15)
    args = parser.parse_args()
    if args.command == "up":
        return up(args.port, args.ministack, args.state, args.timeout)
    return down(args.state, args.timeout)


if __name__ == "__main__":
    sys.exit(main())
