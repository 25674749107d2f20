"""Shared pieces of the scenarios: bulk seeding in SQL, bench users, threads, percentiles.

Large data is written by PostgreSQL itself (``INSERT ... SELECT ... FROM generate_series``),
never row by row through the ORM. The queue data set is shared by the claim and sweep
scenarios and survives between runs: each scenario puts back what it changed, and the next
run re-seeds only when the table no longer looks exactly like the data set it asks for.
"""

import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from urllib.parse import quote

from django.db import connection, connections, transaction
from django.db.models import Model

from leads.models import Channel, Lead
from org.models import User
from org.services import user_set_role

T = TypeVar("T")

QUEUE_DOMAIN = "queue.bench.example"
QUEUE_BASE = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)  # the earliest SLA deadline in the queue
QUEUE_STEP = timedelta(milliseconds=10)  # deadlines are distinct, 10 ms apart
QUEUE_SLA_MINUTES = 5
# Tables a queue reset empties: what claims and sweeps write besides the leads themselves.
SIDE_TABLES = ("leads_escalation", "leads_historicallead", "org_notification")


# --- Connections -------------------------------------------------------------------------------


def psycopg_params() -> dict[str, Any]:
    """Keyword arguments for ``psycopg.connect`` to the database Django uses."""
    s = connection.settings_dict
    params: dict[str, Any] = {"dbname": s["NAME"]}
    for key, name in (("USER", "user"), ("PASSWORD", "password"), ("HOST", "host")):
        if s.get(key):
            params[name] = s[key]
    if s.get("PORT"):
        params["port"] = int(s["PORT"])
    return params


def database_url() -> str:
    """A DATABASE_URL naming the database Django uses (for a server started by a scenario)."""
    s = connection.settings_dict
    auth = quote(s.get("USER") or "", safe="")
    if s.get("PASSWORD"):
        auth += ":" + quote(s["PASSWORD"], safe="")
    host = s.get("HOST") or "127.0.0.1"
    port = f":{s['PORT']}" if s.get("PORT") else ""
    return f"postgres://{auth}{'@' if auth else ''}{host}{port}/{quote(s['NAME'], safe='')}"


def sql(statement: str, params: Sequence[Any] | dict[str, Any] | None = None) -> list[tuple]:
    """Run one statement on Django's connection; the rows it returns, if any."""
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall() if cursor.description else []


def scalar(statement: str, params: Sequence[Any] | dict[str, Any] | None = None) -> Any:
    return sql(statement, params)[0][0]


def vacuum(*tables: str) -> None:
    """VACUUM ANALYZE: fresh statistics and visibility map, so each measurement starts from
    the state a long-running production table is kept in by autovacuum."""
    for table in tables:
        sql(f"VACUUM (ANALYZE) {table}")


# --- Plans -------------------------------------------------------------------------------------


class _Captured(Exception):
    """Stops the call at the statement being captured (its transaction rolls back)."""


def first_statement(marker: str, call: Callable[[], object]) -> tuple[str, Any] | None:
    """The first statement containing ``marker`` that ``call`` sends, with its parameters.

    The call is stopped right there, so whatever it had begun rolls back: the statement is
    the service's own, captured without letting the service change anything.
    """
    captured: list[tuple[str, Any]] = []

    def capture(execute: Callable[..., Any], sql: str, params: Any, many: bool, ctx: Any) -> Any:
        if marker in sql:
            captured.append((sql, params))
            raise _Captured
        return execute(sql, params, many, ctx)

    try:
        with connection.execute_wrapper(capture):
            call()
    except _Captured:
        pass
    return captured[0] if captured else None


def explain(statement: tuple[str, Any]) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of a captured statement; row locks it takes end with it."""
    sql_text, params = statement
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql_text}", params)
        return "\n".join(line for (line,) in cursor.fetchall())


# --- Measuring ---------------------------------------------------------------------------------


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile; 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def run_threads(count: int, work: Callable[[int], T]) -> tuple[list[T], float]:
    """Run ``work(i)`` in ``count`` threads released together; results and wall seconds.

    Each thread gets its own Django connection (they are per thread) and closes it at the
    end. The first error in any thread is raised after all have finished.
    """
    barrier = threading.Barrier(count + 1)
    results: list[Any] = [None] * count
    errors: list[BaseException] = []

    def body(i: int) -> None:
        try:
            barrier.wait()
            results[i] = work(i)
        except BaseException as exc:  # re-raised in the caller's thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=body, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise errors[0]
    return results, elapsed


# --- Reference data and people --------------------------------------------------------------


def bench_channel() -> Channel:
    channel, _ = Channel.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
    return channel


def bench_users(prefix: str, count: int, *, role: str, head: bool = False) -> list[User]:
    """``count`` active users named ``<prefix>-01`` ... in ``role``, made once and reused.

    They log in with no password (the scenarios act through services, or through a token
    issued after ``set_password``), so seeding costs no password hashing.
    """
    users = []
    for i in range(1, count + 1):
        user, created = User.objects.get_or_create(
            username=f"{prefix}-{i:02d}",
            defaults={"email": f"{prefix}-{i:02d}@bench.example", "is_staff": True},
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        if created or user.role != role or user.is_head != head or not user.is_active:
            User.objects.filter(pk=user.pk).update(is_active=True)
            user.is_active = True
            user_set_role(user=user, role=role, head=head)
        users.append(user)
    return users


# --- Bulk inserts ------------------------------------------------------------------------------


def insert_select(
    model: type[Model], *, source: str, columns: dict[str, str], params: dict[str, Any]
) -> int:
    """``INSERT INTO <model table> (...) SELECT ... FROM <source>`` in one statement.

    ``columns`` maps field names to SQL expressions over ``source``; every other non-null
    field gets its model default as a parameter, so a column added to the model later does
    not break seeding. Returns the number of rows inserted.
    """
    names: list[str] = []
    exprs: list[str] = []
    values = dict(params)
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        column = field.column
        if field.name in columns or column in columns:
            names.append(column)
            exprs.append(columns.get(field.name, columns.get(column, "")))
            continue
        if field.null:
            continue
        default = field.get_default()
        if default is None:
            raise ValueError(f"bench seeding needs a value for {model.__name__}.{field.name}")
        key = f"default_{column}"
        values[key] = field.get_db_prep_save(default, connection)
        names.append(column)
        exprs.append(f"%({key})s")
    statement = (
        f"INSERT INTO {model._meta.db_table} ({', '.join(names)}) "
        f"SELECT {', '.join(exprs)} FROM {source}"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, values)
        return cursor.rowcount


# --- The shared queue data set -----------------------------------------------------------------


@dataclass(frozen=True)
class Queue:
    """``size`` open leads, status ``new``, unowned, with distinct SLA deadlines
    ``base + rank * step`` where the rank is a permutation of the ids: the queue order is not
    the insertion order, so claims and sweeps touch rows spread over the whole table."""

    size: int
    base: datetime = QUEUE_BASE
    step: timedelta = QUEUE_STEP

    def deadline(self, rank: int) -> datetime:
        """The SLA deadline of the lead ``rank`` places from the front (0 = first)."""
        return self.base + rank * self.step


def _coprime_multiplier(n: int) -> int:
    for candidate in (7919, 104729, 1299709, 15485863):
        if math.gcd(candidate, n) == 1:
            return candidate
    return 1


def _queue_matches(queue: Queue, *, pristine: bool) -> bool:
    """Whether leads_lead holds exactly this queue data set (only in its seeded state when
    ``pristine``: a reset is safe only on our own rows, since it reopens leads)."""
    state = (
        "status = 'new' AND owner_id IS NULL AND assigned_at IS NULL AND NOT sla_breached"
        " AND first_touch_at IS NULL AND queue_entry = 1 AND sla_next_check_at = sla_deadline"
        if pristine
        else "true"
    )
    total, matching, first, last = sql(
        f"""
        SELECT count(*), count(*) FILTER (WHERE email LIKE %(pattern)s AND {state}),
               min(sla_deadline), max(sla_deadline)
        FROM leads_lead
        """,
        {"pattern": f"%@{QUEUE_DOMAIN}"},
    )[0]
    clean = not pristine or scalar("SELECT count(*) FROM leads_escalation") == 0
    return (
        clean
        and total == matching == queue.size
        and first == queue.deadline(0)
        and last == queue.deadline(queue.size - 1)
    )


def reset_queue() -> None:
    """Put back what claims and sweeps changed: every lead unowned and waiting again, no
    escalations, history or notifications. Touches only the rows that changed."""
    with transaction.atomic():
        sql(
            """
            UPDATE leads_lead
               SET status = 'new', owner_id = NULL, assigned_at = NULL, sla_breached = false,
                   sla_next_check_at = sla_deadline, queue_entry = 1, updated_at = created_at
             WHERE status <> 'new' OR owner_id IS NOT NULL OR sla_breached OR queue_entry <> 1
                OR sla_next_check_at IS DISTINCT FROM sla_deadline
            """
        )
        sql(f"TRUNCATE {', '.join(SIDE_TABLES)}")


def ensure_queue(size: int, *, log: Callable[[str], None] = print) -> Queue:
    """The queue data set of ``size`` leads, pristine and vacuumed; seeded only when needed."""
    queue = Queue(size=size)
    if _queue_matches(queue, pristine=False):
        reset_queue()
    if not _queue_matches(queue, pristine=True):
        log(f"  seeding {size:,} queued leads (INSERT ... SELECT generate_series) ...")
        started = time.perf_counter()
        seed_queue(queue)
        log(f"  seeded in {time.perf_counter() - started:.1f} s")
    vacuum("leads_lead")
    return queue


def seed_queue(queue: Queue) -> None:
    """Replace every lead by the queue data set."""
    channel = bench_channel()
    with transaction.atomic():
        sql(f"TRUNCATE leads_lead, leads_leadrequest, {', '.join(SIDE_TABLES)} CASCADE")
        insert_select(
            Lead,
            source=(
                "(SELECT g, %(base)s::timestamptz + ((g::bigint * %(mult)s) %% %(size)s)"
                " * %(step)s::interval AS deadline"
                " FROM generate_series(0, %(size)s - 1) AS g) AS s"
            ),
            columns={
                "name": "'Queue lead ' || g",
                "email": f"'q' || g || '@{QUEUE_DOMAIN}'",
                "phone": "'+7926' || lpad(g::text, 7, '0')",
                "company": "'Company ' || (g %% 5000)",
                "segment": "(ARRAY['smb', 'mid', 'enterprise'])[1 + g %% 3]",
                "channel": "%(channel)s",
                "source": "'api'",
                "status": "'new'",
                "created_at": "deadline - %(sla)s::interval",
                "updated_at": "deadline - %(sla)s::interval",
                "queue_entered_at": "deadline - %(sla)s::interval",
                "queue_entry": "1",
                "sla_deadline": "deadline",
                "sla_minutes": "%(minutes)s",
                "sla_next_check_at": "deadline",
            },
            params={
                "base": queue.base,
                "mult": _coprime_multiplier(queue.size),
                "size": queue.size,
                "step": queue.step,
                "sla": timedelta(minutes=QUEUE_SLA_MINUTES),
                "minutes": QUEUE_SLA_MINUTES,
                "channel": channel.pk,
            },
        )
