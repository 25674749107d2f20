"""`make run`'s supervisor (scripts/run_local.py): one Ctrl-C stops every service within
seconds, even one that ignores SIGTERM and has children of its own."""

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# A service like the Celery worker was: ignores SIGTERM and has a child of its own.
STUBBORN = textwrap.dedent(
    """
    import signal, subprocess, sys, time
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    print(child.pid, flush=True)
    time.sleep(600)
    """
)
POLITE = "import time; time.sleep(600)"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie has exited; only its parent has not collected it yet
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split(") ")[1].startswith("Z"))


def _supervisor(commands: dict[str, list[str]], grace: float) -> subprocess.Popen[str]:
    code = (
        "import sys; sys.path.insert(0, 'scripts'); import run_local; "
        f"run_local.STOP_GRACE_SECONDS = {grace}; "
        f"sys.exit(run_local.supervise({commands!r}))"
    )
    return subprocess.Popen(
        [sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )


def _descendants(pid: int) -> list[int]:
    pairs = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(") ", 1)[1].split()
        except (OSError, IndexError):
            continue  # gone meanwhile
        pairs.append((int(stat.parent.name), int(fields[1])))
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        kids = [p for p, pp in pairs if pp == parent]
        found += kids
        frontier += kids
    return found


def _wait_for(condition, seconds: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_ctrl_c_stops_every_service_and_their_children_within_seconds():
    sup = _supervisor(
        {"stubborn": [sys.executable, "-c", STUBBORN], "polite": [sys.executable, "-c", POLITE]},
        grace=1.0,
    )
    try:
        assert _wait_for(lambda: len(_descendants(sup.pid)) >= 3, 10)
        everyone = _descendants(sup.pid)
        started = time.monotonic()
        sup.send_signal(signal.SIGINT)
        sup.wait(timeout=10)
        assert time.monotonic() - started < 5
        assert not [pid for pid in everyone if _alive(pid)]
        assert "killed" in sup.stdout.read()  # the stubborn one, after the grace period
    finally:
        if sup.poll() is None:
            sup.kill()


def test_a_service_that_dies_stops_the_others():
    sup = _supervisor(
        {
            "crashes": [sys.executable, "-c", "raise SystemExit(3)"],
            "polite": [sys.executable, "-c", POLITE],
        },
        grace=1.0,
    )
    try:
        assert sup.wait(timeout=10) == 1
        assert "crashes stopped" in sup.stdout.read()
    finally:
        if sup.poll() is None:
            sup.kill()
