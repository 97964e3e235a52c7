"""Start, check and stop the local AWS emulator (MiniStack) bound to 127.0.0.1.

``up`` reuses an emulator that already answers on the port; otherwise it starts one in the
background (pid and log under the state folder) and waits until it is healthy. The emulator keeps
its state in ``<state>/ministack-state-<port>``: it saves it when it shuts down cleanly and loads
it when it starts on that port again. ``down`` stops the one it started, and only that one, cleanly
(SIGTERM to the server, which saves its state, then its leftover children). ``reset`` stops it and
deletes the saved state.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

HEALTH_PATH = "/_ministack/health"
SAVED_STATE = "ministack-state-{port}"  # per port: the saved queue URLs and stack outputs name it


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
    saved = state / SAVED_STATE.format(port=port)
    env = {
        **os.environ,
        "BIND_HOST": "127.0.0.1",
        "GATEWAY_PORT": str(port),
        "LOG_LEVEL": "WARNING",
        "PERSIST_STATE": "1",
        "STATE_DIR": str(saved.resolve()),
    }
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
    stopping = time.time()
    try:
        # The server alone first: on SIGTERM it shuts down cleanly, which is when it saves its state.
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        pid_file.unlink()
        print("local AWS was already stopped")
        return 0
    clean = wait_until_gone(pid, timeout)
    # Then whatever it left running in its session (function workers), or everything if it hung.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGTERM if clean else signal.SIGKILL)
    pid_file.unlink()
    saved = [path for path in state.glob(SAVED_STATE.format(port="*") + "/*.json") if path.stat().st_mtime >= stopping]
    if clean:
        where = ", ".join(sorted({str(path.parent) for path in saved}))
        print(f"local AWS stopped (pid {pid}); " + (f"state saved in {where}" if saved else "it saved nothing"))
    else:
        print(f"local AWS did not stop within {timeout:.0f} s: killed (pid {pid}), state not saved", file=sys.stderr)
    return 0


def wait_until_gone(pid: int, timeout: float) -> bool:
    """Wait for the process to exit; False on timeout. An exited process not yet reaped counts as gone."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        stat = Path(f"/proc/{pid}/stat")
        with contextlib.suppress(OSError):
            if stat.read_text().rsplit(")", 1)[1].split()[0] == "Z":
                return True
        time.sleep(0.1)
    return False


def reset(state: Path, timeout: float) -> int:
    """Stop the emulator and delete its saved state: the next ``up`` starts empty."""
    down(state, timeout)
    saved = sorted(state.glob(SAVED_STATE.format(port="*")))
    for folder in saved:
        shutil.rmtree(folder)
    print(f"local AWS saved state deleted: {', '.join(map(str, saved)) or 'there was none'}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    start = commands.add_parser("up")
    start.add_argument("--port", type=int, default=4566)
    start.add_argument("--ministack", type=Path, required=True)
    start.add_argument("--state", type=Path, default=Path(".local"))
    start.add_argument("--timeout", type=float, default=60)
    status = commands.add_parser("status", help="exit 0 when an emulator answers on the port, 1 otherwise")
    status.add_argument("--port", type=int, default=4566)
    for name in ("down", "reset"):
        stop = commands.add_parser(name)
        stop.add_argument("--state", type=Path, default=Path(".local"))
        stop.add_argument("--timeout", type=float, default=60)
    args = parser.parse_args()
    if args.command == "status":
        return 0 if healthy(args.port) else 1
    if args.command == "up":
        return up(args.port, args.ministack, args.state, args.timeout)
    if args.command == "reset":
        return reset(args.state, args.timeout)
    return down(args.state, args.timeout)


if __name__ == "__main__":
    sys.exit(main())
