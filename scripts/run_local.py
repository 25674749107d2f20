"""`make run`'s process supervisor: the web server, a Celery worker and Celery beat, stopped
cleanly within seconds by one Ctrl-C.

Why not `trap 'kill 0'` in the Makefile: that sends SIGTERM to every process in the group at
once, the worker's pool children and its embedded beat included, and a worker whose children
die under it waits on them for over a minute. Here each service runs in its own process group;
on Ctrl-C (or SIGTERM/SIGHUP) only each service's main process is asked to stop (SIGTERM: the
worker finishes its current task, beat saves its schedule), and whatever is still alive after
STOP_GRACE_SECONDS is killed with its whole group. If one service dies on its own, the others
are stopped too, so a half-running stack never lingers.

Usage: python scripts/run_local.py HOST:PORT
"""

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

STOP_GRACE_SECONDS = 8.0
BIN = Path(sys.executable).parent


def services(address: str) -> dict[str, list[str]]:
    celery = str(BIN / "celery")
    return {
        "web": [sys.executable, "manage.py", "runserver", "--noreload", address],
        "worker": [celery, "-A", "config", "worker", "--loglevel=WARNING", "--concurrency=2"],
        "beat": [
            celery,
            "-A",
            "config",
            "beat",
            "--loglevel=WARNING",
            "--schedule=var/celerybeat-schedule",
        ],
    }


def alive(procs: dict[str, subprocess.Popen[bytes]]) -> dict[str, subprocess.Popen[bytes]]:
    return {name: p for name, p in procs.items() if p.poll() is None}


def stop(procs: dict[str, subprocess.Popen[bytes]]) -> None:
    for p in alive(procs).values():
        with contextlib.suppress(ProcessLookupError):
            p.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    while alive(procs) and time.monotonic() < deadline:
        time.sleep(0.1)
    for name, p in procs.items():
        lingering = p.poll() is None
        # The group, not just the main process: pool children must not outlive their worker.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(p.pid, signal.SIGKILL)
        p.wait()
        if lingering:
            print(f"  {name} did not stop in {STOP_GRACE_SECONDS:g} s; killed.", flush=True)


def supervise(commands: dict[str, list[str]]) -> int:
    """Run ``commands`` until a signal arrives or one of them ends; then stop them all."""
    stopping = False

    def on_signal(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)
    Path("var").mkdir(exist_ok=True)
    procs: dict[str, subprocess.Popen[bytes]] = {}
    for name, cmd in commands.items():
        # Own process group: the terminal's Ctrl-C reaches only this supervisor, which then
        # stops each service in order instead of signalling every process at once.
        procs[name] = subprocess.Popen(cmd, process_group=0)  # noqa: S603 - our own commands
    code = 0
    while not stopping:
        ended = [name for name, p in procs.items() if p.poll() is not None]
        if ended:
            print(f"  {', '.join(ended)} stopped; stopping the rest.", flush=True)
            code = 1
            break
        time.sleep(0.2)
    print("  Stopping web, worker and beat...", flush=True)
    stop(procs)
    return code


def main() -> int:
    address = sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1:8000"
    return supervise(services(address))


if __name__ == "__main__":
    sys.exit(main())
