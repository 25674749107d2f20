"""Claims per second: lead_claim_next in 16 threads next to a raw SKIP LOCKED loop (issue 4a).

Both variants run against the same seeded queue (1,000,000 new leads by default, distinct SLA
deadlines spread over the table) in one run, each from a reset and vacuumed queue, for
``--seconds`` (default 15) or ``--claims`` claims. Every thread has its own connection.

Checked, not just measured: no lead is handed out twice, every claim is in the database as
``assigned``, and the queue order holds (no waiting lead has an earlier deadline than a
claimed one, since SKIP LOCKED only ever skips rows another claimer holds). The plan of the
service's own locking query shows whether the partial index ``lead_queue_idx`` serves it.
"""

import argparse
import itertools
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime

import psycopg
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench import CheckFailed, Row, data
from leads.services import lead_claim_next
from org.models import Role, User

NAME = "claim"
DATASET = "queue"  # shares data.ensure_queue with the other queue scenario
INDEX = "lead_queue_idx"

RAW_SELECT = (  # the claim order of the contract, served by the same index
    "SELECT id FROM leads_lead WHERE status = 'new' ORDER BY sla_breached, sla_deadline, id "
    "LIMIT 1 FOR NO KEY UPDATE SKIP LOCKED"
)
RAW_UPDATE = (
    "UPDATE leads_lead SET status = 'assigned', owner_id = %s, assigned_at = %s, "
    "updated_at = %s WHERE id = %s"
)

# A claimer: (thread index, the clock) -> the claimed lead id, or None when the queue is empty.
Claimer = Callable[[int], int | None]


def run(args: argparse.Namespace) -> list[Row]:
    size = args.leads or 1_000_000
    threads = args.threads or 16
    limit = args.claims
    seconds = args.seconds or (None if limit else 15.0)
    print(f"  queue of {size:,} leads, {threads} claimers, " + _budget(seconds, limit))
    data.ensure_queue(size)
    sellers = data.bench_users("bench-seller", threads, role=Role.SALES)

    rows: list[Row] = []
    try:
        plan = _plan(sellers[0])
        service = _variant(
            "lead_claim_next (service)",
            threads=threads,
            seconds=seconds,
            limit=limit,
            make_claimer=lambda: _service_claimer(sellers),
            queries=_service_queries(sellers[0]),
            rows=rows,
        )
        raw = _variant(
            "raw psycopg SKIP LOCKED",
            threads=threads,
            seconds=seconds,
            limit=limit,
            make_claimer=lambda: _raw_claimer(sellers),
            queries=2,
            rows=rows,
        )
    finally:
        data.reset_queue()
    rows.append(
        {
            "variant": "raw / service",
            "claims/s": round(raw / service, 2) if service else None,
        }
    )
    rows.append(
        {"variant": "EXPLAIN service lock query", f"uses {INDEX}": INDEX in plan, "plan": plan}
    )
    return rows


def _budget(seconds: float | None, limit: int | None) -> str:
    parts = [f"{seconds:g} s" if seconds else "", f"{limit:,} claims" if limit else ""]
    return " or ".join(p for p in parts if p) + " per variant"


def _variant(
    label: str,
    *,
    threads: int,
    seconds: float | None,
    limit: int | None,
    make_claimer: Callable[[], tuple[Claimer, Callable[[int], None]]],
    queries: int,
    rows: list[Row],
) -> float:
    """Measure one way of claiming from a fresh queue; append its row; return claims/s."""
    data.reset_queue()
    data.vacuum("leads_lead")
    claim, close = make_claimer()
    tickets = itertools.count()

    def worker(i: int) -> tuple[list[int], list[float]]:
        ids: list[int] = []
        latencies: list[float] = []
        stop_at = time.perf_counter() + (seconds or float("inf"))
        try:
            while time.perf_counter() < stop_at:
                if limit is not None and next(tickets) >= limit:
                    break
                started = time.perf_counter()
                lead_id = claim(i)
                latencies.append(time.perf_counter() - started)
                if lead_id is None:
                    break
                ids.append(lead_id)
        finally:
            close(i)
        return ids, latencies

    cpu_started = time.process_time()
    results, elapsed = data.run_threads(threads, worker)
    cpu = time.process_time() - cpu_started
    ids = [lead_id for got, _ in results for lead_id in got]
    latencies = [s for _, lat in results for s in lat]
    twice = sum(n - 1 for n in Counter(ids).values() if n > 1)
    assigned = data.scalar("SELECT count(*) FROM leads_lead WHERE status = 'assigned'")
    # Leads still waiting with a deadline before the last claimed one: SKIP LOCKED skips
    # only rows someone holds, so after all claims commit there must be none.
    overtaken = data.scalar(
        "SELECT count(*) FROM leads_lead WHERE status = 'new' AND sla_deadline < "
        "(SELECT max(sla_deadline) FROM leads_lead WHERE status = 'assigned')"
    )
    rate = len(ids) / elapsed if elapsed else 0.0
    rows.append(
        {
            "variant": label,
            "threads": threads,
            "queue": data.scalar("SELECT count(*) FROM leads_lead"),
            "claims": len(ids),
            "seconds": round(elapsed, 2),
            "claims/s": round(rate, 1),
            "p50 ms": round(data.percentile(latencies, 50) * 1000, 2),
            "p95 ms": round(data.percentile(latencies, 95) * 1000, 2),
            "queries/claim": queries,
            # This process's CPU (all threads) per claim: the Python side of one claim.
            "client cpu ms/claim": round(cpu / len(ids) * 1000, 2) if ids else None,
            "claimed twice": twice,
            "assigned in db": assigned,
            "queue order kept": overtaken == 0,
        }
    )
    print(f"  {label}: {len(ids):,} claims in {elapsed:.1f} s = {rate:,.0f}/s")
    if twice or assigned != len(ids) or overtaken:
        raise CheckFailed(
            f"{label}: {twice} leads claimed twice, {assigned} assigned in the database for "
            f"{len(ids)} claims, {overtaken} waiting leads overtaken",
            rows,
        )
    return rate


def _service_claimer(sellers: list[User]) -> tuple[Claimer, Callable[[int], None]]:
    def claim(i: int) -> int | None:
        lead = lead_claim_next(user=sellers[i])
        return lead.pk if lead is not None else None

    def close(i: int) -> None:
        connection.close()  # this thread's own connection

    return claim, close


def _raw_claimer(sellers: list[User]) -> tuple[Claimer, Callable[[int], None]]:
    params = data.psycopg_params()
    conns: dict[int, psycopg.Connection] = {}

    def claim(i: int) -> int | None:
        conn = conns.get(i)
        if conn is None:
            conn = conns[i] = psycopg.connect(**params, autocommit=True)
        now: datetime = timezone.now()
        with conn.transaction():
            row = conn.execute(RAW_SELECT).fetchone()
            if row is None:
                return None
            conn.execute(RAW_UPDATE, (sellers[i].pk, now, now, row[0]))
        return int(row[0])

    def close(i: int) -> None:
        conn = conns.pop(i, None)
        if conn is not None:
            conn.close()

    return claim, close


def _plan(seller: User) -> str:
    """The plan of the service's own locking query on the full queue."""
    statement = data.first_statement("SKIP LOCKED", lambda: lead_claim_next(user=seller))
    if statement is None:
        raise CheckFailed("lead_claim_next sent no SKIP LOCKED query to explain")
    plan = data.explain(statement)
    print(f"  lock query uses {INDEX}: {'yes' if INDEX in plan else 'NO'}")
    return plan


def _service_queries(seller: User) -> int:
    """Statements one service claim sends (measured on one claim; the queue is reset after)."""
    with CaptureQueriesContext(connection) as captured:
        lead_claim_next(user=seller)
    return len(captured.captured_queries)
