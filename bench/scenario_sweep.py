"""SLA sweep time over 1,000,000 open leads, with 0 and with 10,000 breaching (issue 4b).

The real service ``leads.services.sla_sweep`` runs with a clock that makes exactly
``--breaching`` leads due (the queue's deadlines are distinct, 10 ms apart, so the first
10,000 span 100 s: all reach level 1, none level 2). The plan of the sweep's own batch query
(captured from the service, then EXPLAIN ANALYZE'd) shows whether the partial index
``lead_sla_due_idx`` carries it. Checked: exactly the due leads escalate, once; a second sweep
at the same clock escalates nothing. Then the burst (``--sweep-burst``, default 100,000 due at
once, an outage's worth; their deadlines span more than one SLA period, so the earliest reach
level 2 as well): it must finish with each level once, and the table records how far this
process's resident memory grew meanwhile (the sweep works in committed batches).
"""

import argparse
import os
import statistics
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from django.db import connection

from bench import CheckFailed, Row, data
from leads.services import SweepResult, sla_sweep
from org.models import Role
from org.services import heads_of
from org.services import managers as org_managers

NAME = "sweep"
DATASET = "queue"  # shares data.ensure_queue with the other queue scenario
INDEX = "lead_sla_due_idx"
IDLE_SWEEPS = 5


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("sweep scenario")
    group.add_argument(
        "--sweep-burst",
        type=int,
        help="sweep: breaching leads of the burst case, an outage's worth (default 100,000; "
        "0 skips it)",
    )


def run(args: argparse.Namespace) -> list[Row]:
    size = args.leads or 1_000_000
    breaching = args.breaching or 10_000
    burst = getattr(args, "sweep_burst", None)
    burst = min(100_000 if burst is None else burst, size)
    if breaching > size:
        raise CheckFailed(f"--breaching {breaching:,} is more than the {size:,} leads")
    print(f"  {size:,} open leads, {breaching:,} breaching")
    queue = data.ensure_queue(size)
    data.bench_users("bench-sales-head", 1, role=Role.SALES, head=True)
    # Level 1 notifies every head of sales there is (other scenarios may have made more).
    heads = len(heads_of(Role.SALES))
    rows: list[Row] = []
    try:
        _idle(rows, size=size, now=queue.deadline(0) - timedelta(seconds=1))
        due_now = queue.deadline(breaching - 1)
        _explain(rows, now=due_now)
        _due(rows, size=size, breaching=breaching, now=due_now, heads=heads)
        _again(rows, size=size, now=due_now)
        if burst:
            data.reset_queue()
            data.vacuum("leads_lead")
            print(f"  burst: {burst:,} breaching at once")
            burst_now = queue.deadline(burst - 1)
            _due(rows, size=size, breaching=burst, now=burst_now, heads=heads, burst=True)
            _again(rows, size=size, now=burst_now)
    finally:
        data.reset_queue()
    return rows


def _idle(rows: list[Row], *, size: int, now: datetime) -> None:
    """Nothing due: what every sweep of a healthy queue costs (median of several)."""
    timings = []
    for _ in range(IDLE_SWEEPS):
        with _counting() as statements:
            result, seconds = _timed(lambda: sla_sweep(now=now))
        timings.append(seconds)
        if result.total:
            raise CheckFailed(f"a sweep before every deadline escalated {result.total}", rows)
    rows.append(
        {
            "case": "0 breaching",
            "open leads": size,
            "due": 0,
            "sweeps": IDLE_SWEEPS,
            "seconds": round(statistics.median(timings), 4),
            "max seconds": round(max(timings), 4),
            "escalated": 0,
            "statements": statements[0],
        }
    )
    print(f"  0 breaching: {statistics.median(timings) * 1000:.1f} ms per sweep")


def _explain(rows: list[Row], *, now: datetime) -> None:
    """EXPLAIN ANALYZE the sweep's own batch query at ``now``."""
    statement = data.first_statement("FOR UPDATE", lambda: sla_sweep(now=now))
    if statement is None:
        raise CheckFailed("the sweep sent no SELECT ... FOR UPDATE to explain", rows)
    plan = data.explain(statement)
    rows.append({"case": "EXPLAIN batch query", f"uses {INDEX}": INDEX in plan, "plan": plan})
    print(f"  batch query uses {INDEX}: {'yes' if INDEX in plan else 'NO'}")


def _due(
    rows: list[Row], *, size: int, breaching: int, now: datetime, heads: int, burst: bool = False
) -> None:
    """``breaching`` leads due at ``now``. In the burst case the deadlines span more than one
    SLA period, so the earliest also reach level 2 (management notified, as they are unowned);
    each level still happens exactly once."""
    with _counting() as statements, _rss_growth() as growth:
        result, seconds = _timed(lambda: sla_sweep(now=now))
    escalations = data.scalar("SELECT count(*) FROM leads_escalation")
    breached = data.scalar("SELECT count(*) FROM leads_lead WHERE sla_breached")
    notes = data.scalar("SELECT count(*) FROM org_notification")
    # One digest per sweep and person, each lead counted once in each of its readers'
    # headlines (the bodies name the first ``DIGEST_LINES`` of each part).
    told = data.scalar(
        "SELECT coalesce(sum(m[1]::int), 0) FROM org_notification, "
        "regexp_matches(subject, '(\\d+) (?:leads? have had no first touch|unclaimed leads? "
        "(?:is|are) one SLA period overdue)', 'g') AS m"
    )
    rows.append(
        {
            "case": f"{breaching:,} breaching",
            "open leads": size,
            "due": breaching,
            "sweeps": 1,
            "seconds": round(seconds, 3),
            "escalated": result.total,
            "statements": statements[0],
            "ms/lead": round(seconds / breaching * 1000, 3),
            "statements/lead": round(statements[0] / breaching, 2),
            "peak RSS growth MiB": round(growth[0] / 2**20, 1),
        }
    )
    print(f"  {breaching:,} breaching: {seconds:.2f} s, {statements[0]:,} statements")
    level2 = data.scalar("SELECT count(*) FROM leads_escalation WHERE level = 2") if burst else 0
    managers = len(org_managers()) if level2 else 0
    expected = (
        breaching,
        level2,
        breaching + level2,
        breaching,
        heads + managers,
        breaching * heads + level2 * managers,
    )
    got = (result.level1, result.level2, escalations, breached, notes, told)
    if got != expected:
        raise CheckFailed(
            "level 1, level 2, escalation rows, breached leads, digests, leads told: "
            f"expected {expected}, got {got}",
            rows,
        )


def _again(rows: list[Row], *, size: int, now: datetime) -> None:
    """The same clock once more (an overlapping or repeated beat): nothing may escalate."""
    with _counting() as statements:
        result, seconds = _timed(lambda: sla_sweep(now=now))
    rows.append(
        {
            "case": "same clock again",
            "open leads": size,
            "due": 0,
            "sweeps": 1,
            "seconds": round(seconds, 4),
            "escalated": result.total,
            "statements": statements[0],
        }
    )
    if result.total:
        raise CheckFailed(f"a repeated sweep escalated {result.total} leads again", rows)


def _timed(sweep: Callable[[], SweepResult]) -> tuple[SweepResult, float]:
    started = time.perf_counter()
    result = sweep()
    return result, time.perf_counter() - started


@contextmanager
def _rss_growth() -> Iterator[list[int]]:
    """The most this process's resident memory grew above its size at the start, in bytes
    (sampled every 20 ms from /proc): a sweep must run in bounded memory, whatever is due."""
    page = os.sysconf("SC_PAGE_SIZE")

    def rss() -> int:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * page

    start, peak, stop = rss(), [0], threading.Event()

    def sample() -> None:
        while not stop.wait(0.02):
            peak[0] = max(peak[0], rss() - start)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield peak
    finally:
        stop.set()
        sampler.join()
        peak[0] = max(peak[0], rss() - start)


@contextmanager
def _counting() -> Iterator[list[int]]:
    """Count the statements sent on this thread's connection; the count is ``[n]``."""
    count = [0]

    def counter(execute: Callable[..., Any], sql: str, params: Any, many: bool, ctx: Any) -> Any:
        count[0] += 1
        return execute(sql, params, many, ctx)

    with connection.execute_wrapper(counter):
        yield count
