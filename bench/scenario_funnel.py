"""Funnel report over 1,000,000 leads / 100,000 deals: ORM service vs hand-written SQL (issue 7).

The data set (seeded once by PostgreSQL itself with ``INSERT ... SELECT generate_series`` and
reused while it is intact) is a year of leads over 8 channels, 40 campaigns (half with a
cost), 4 segments and 20 salespeople, with realistic response times, qualification,
rejections with reasons, every tenth lead converted into a deal (won, lost, open) and 1-2
payments on most deals.

For each grouping the report service ``kpi.reports.funnel_report`` (the ORM: a grouped
aggregate of the leads, a grouped sum of their payments, the totals' median, one lookup of
names) and one hand-written SQL statement computing the same rows and totals (``GROUPING
SETS``, payments pre-aggregated and joined) run in back-to-back pairs, several times; the
reported ratio is the median of the pairs' ratios, next to each variant's median time. Both must return the same
figures (checked). Memory: tracemalloc's peak of Python allocations during one service call
over a month and over the whole year (flat: only one row per group reaches Python), and the
process' peak RSS.

The claim and sweep scenarios keep a different data set in the same leads table; running
them in between makes this one re-seed (about a minute) and vice versa.
"""

import argparse
import gc
import resource
import statistics
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from django.db import connection, transaction

from bench import CheckFailed, Row, data
from deals.models import Deal, DealStage, LostReason, Payment
from kpi.reports import ReportQuery, funnel_report
from leads.models import Campaign, Channel, DisqualificationReason, Lead
from org.models import Role
from org.periods import Period

NAME = "funnel"
DOMAIN = "funnel.bench.example"
YEAR = Period(date(2025, 1, 1), date(2025, 12, 31))
MONTH = Period(date(2025, 6, 1), date(2025, 6, 30))
NOW = datetime(2026, 1, 15, tzinfo=UTC)  # after every deadline: all SLAs are decided
CHANNELS = 8
CAMPAIGNS = 40
SELLERS = 20
GROUPINGS = ("channel", "campaign", "segment")
COLUMNS = {"channel": "channel_id", "campaign": "campaign_id", "segment": "segment"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("funnel scenario")
    group.add_argument(
        "--funnel-deals", type=int, help="funnel: deals among the leads (default leads / 10)"
    )
    group.add_argument(
        "--funnel-repeat", type=int, help="funnel: timed runs of each variant (default 11)"
    )


def run(args: argparse.Namespace) -> list[Row]:
    size = args.leads or 1_000_000
    deals = getattr(args, "funnel_deals", None) or size // 10
    repeat = getattr(args, "funnel_repeat", None) or 11
    if not 0 < deals <= size // 2:
        raise CheckFailed(f"--funnel-deals must be between 1 and half the leads ({size // 2:,})")
    print(f"  {size:,} leads, {deals:,} deals; {repeat} timed runs per variant")
    ensure_dataset(size, deals)
    rows: list[Row] = []
    for group_by in GROUPINGS:
        rows.append(_compare(group_by, repeat=repeat, rows=rows))
    rows += _memory()
    rows.append(_explain())
    return rows


# --- The data set --------------------------------------------------------------------------------


def _reference() -> dict[str, list[int]]:
    """Channels, campaigns and salespeople of the data set, made once and reused."""
    channels = []
    for i in range(CHANNELS):
        channel, _ = Channel.objects.get_or_create(
            slug=f"bench-ch-{i}", defaults={"name": f"Bench channel {i}"}
        )
        channels.append(channel.pk)
    campaigns = []
    for i in range(CAMPAIGNS):
        campaign, _ = Campaign.objects.update_or_create(
            slug=f"bench-cmp-{i:02d}",
            defaults={
                "name": f"Bench campaign {i:02d}",
                "channel_id": channels[i % CHANNELS],
                "cost": Decimal(10_000 + 2_500 * i) if i % 2 == 0 else None,
            },
        )
        campaigns.append(campaign.pk)
    sellers = [u.pk for u in data.bench_users("bench-funnel-sales", SELLERS, role=Role.SALES)]
    reasons = list(DisqualificationReason.objects.order_by("pk").values_list("pk", flat=True))
    return {"channels": channels, "campaigns": campaigns, "sellers": sellers, "reasons": reasons}


def _matches(size: int, deals: int) -> bool:
    total, ours = data.sql(
        "SELECT count(*), count(*) FILTER (WHERE email LIKE %s) FROM leads_lead", [f"%@{DOMAIN}"]
    )[0]
    if not total == ours == size:
        return False
    return data.scalar("SELECT count(*) FROM deals_deal") == deals


def ensure_dataset(size: int, deals: int) -> None:
    if _matches(size, deals):
        print("  reusing the funnel data set")
        return
    print(f"  seeding {size:,} leads and {deals:,} deals (INSERT ... SELECT generate_series) ...")
    started = time.perf_counter()
    seed(size, deals)
    print(f"  seeded in {time.perf_counter() - started:.1f} s; vacuuming ...")
    data.vacuum("leads_lead", "deals_deal", "deals_payment")


def seed(size: int, deals: int) -> None:
    """Replace every lead (and so every deal) with the funnel data set."""
    ref = _reference()
    stage = DealStage.objects.order_by("order", "pk").first()
    lost = LostReason.objects.order_by("pk").first()
    if stage is None or lost is None:
        raise CheckFailed("no deal stage or lost reason: run migrations")
    # Every (size / deals)-th lead becomes a deal.
    step = size // deals
    with transaction.atomic():
        data.sql("TRUNCATE leads_lead, leads_leadrequest, leads_historicallead CASCADE")
        # r: a pseudo-random number per lead (a multiplicative hash), h: response bucket draw.
        source = f"""
            (SELECT g, r, created,
                    CASE WHEN is_deal OR r %% 100 < 90 THEN
                         created + make_interval(secs => CASE
                             WHEN h < 15 THEN r %% 300
                             WHEN h < 45 THEN 300 + r %% 1500
                             WHEN h < 55 THEN 1800 + r %% 1800
                             WHEN h < 80 THEN 3600 + r %% 82800
                             ELSE 86400 + r %% 200000 END)
                    END AS touched,
                    is_deal, campaign_no
             FROM (SELECT g,
                          (g::bigint * 48271 + 11) %% 2147483647 AS r,
                          ((g::bigint * 69621) %% 1000003) %% 100 AS h,
                          %(base)s::timestamptz + (g::bigint * 31536000 / %(size)s)
                              * interval '1 second' AS created,
                          g %% %(step)s = 3 %% %(step)s AS is_deal,
                          CASE WHEN g %% 5 = 0 THEN NULL ELSE (g / 7) %% {CAMPAIGNS} END
                              AS campaign_no
                   FROM generate_series(0, %(size)s - 1) AS g) AS raw) AS s
        """
        qualified = "is_deal OR (touched IS NOT NULL AND r %% 97 < 20)"
        disqualified = "NOT is_deal AND touched IS NOT NULL AND r %% 97 BETWEEN 20 AND 49"
        data.insert_select(
            Lead,
            source=source,
            columns={
                "name": "'Funnel lead ' || g",
                "email": f"'f' || g || '@{DOMAIN}'",
                "company": "'Company ' || (g %% 9000)",
                "segment": "(ARRAY['smb', 'mid', 'enterprise', ''])[1 + g %% 4]",
                "channel": "CASE WHEN campaign_no IS NULL THEN (%(channels)s::bigint[])"
                "[1 + g %% %(n_channels)s] ELSE (%(channels)s::bigint[])"
                "[1 + campaign_no %% %(n_channels)s] END",
                "campaign": "(%(campaigns)s::bigint[])[1 + campaign_no]",
                "source": "'api'",
                "status": f"CASE WHEN is_deal THEN 'converted' WHEN {disqualified} "
                f"THEN 'disqualified' WHEN {qualified} THEN 'qualified' "
                "WHEN touched IS NOT NULL THEN 'contacted' ELSE 'new' END",
                "owner": "CASE WHEN touched IS NULL THEN NULL ELSE (%(sellers)s::bigint[])"
                "[1 + g %% %(n_sellers)s] END",
                "created_at": "created",
                "updated_at": "created",
                "assigned_at": "touched",
                "first_touch_at": "touched",
                "queue_entered_at": "created",
                "queue_entry": "1",
                "sla_deadline": "created + interval '5 minutes'",
                "sla_minutes": "5",
                "sla_breached": "touched IS NULL OR touched > created + interval '5 minutes'",
                "qualified_at": f"CASE WHEN {qualified} THEN touched + interval '1 hour' END",
                "disqualification_reason": f"CASE WHEN {disqualified} THEN "
                "(%(reasons)s::bigint[])[1 + r %% %(n_reasons)s] END",
                "closed_at": f"CASE WHEN is_deal OR {disqualified} "
                "THEN touched + interval '2 hours' END",
            },
            params={
                "base": datetime(2025, 1, 1, tzinfo=UTC),
                "size": size,
                "step": step,
                "channels": ref["channels"],
                "n_channels": len(ref["channels"]),
                "campaigns": ref["campaigns"],
                "sellers": ref["sellers"],
                "n_sellers": len(ref["sellers"]),
                "reasons": ref["reasons"],
                "n_reasons": len(ref["reasons"]),
            },
        )
        data.insert_select(
            Deal,
            source=(
                "(SELECT l.*, (l.id * 2654435761) %% 100 AS d FROM leads_lead l"
                " WHERE l.status = 'converted') AS l"
            ),
            columns={
                "lead": "l.id",
                "title": "'Deal ' || l.id",
                "amount": "(10000 + (l.id %% 90) * 1000)::numeric",
                "owner": "l.owner_id",
                "stage": "%(stage)s",
                "status": "CASE WHEN d < 30 THEN 'won' WHEN d < 50 THEN 'lost' ELSE 'open' END",
                "lost_reason": "CASE WHEN d BETWEEN 30 AND 49 THEN %(lost)s::bigint END",
                "channel": "l.channel_id",
                "campaign": "l.campaign_id",
                "segment": "l.segment",
                "created_at": "l.closed_at",
                "stage_changed_at": "l.closed_at",
                "closed_at": "CASE WHEN d < 50 THEN l.closed_at + interval '20 days' END",
            },
            params={"stage": stage.pk, "lost": lost.pk},
        )
        # Won deals: two payments; open deals: one on every other; lost deals: none.
        data.insert_select(
            Payment,
            source=(
                "(SELECT d.*, n FROM deals_deal d CROSS JOIN LATERAL generate_series(1,"
                " CASE WHEN d.status = 'won' THEN 2 WHEN d.status = 'open' AND d.id %% 2 = 0"
                " THEN 1 ELSE 0 END) AS n) AS d"
            ),
            columns={
                "deal": "d.id",
                "amount": "round(d.amount / 2, 2)",
                "paid_at": "d.created_at + n * interval '10 days'",
                "recorded_by": "d.owner_id",
                "created_at": "d.created_at + n * interval '10 days'",
            },
            params={},
        )
    if not _matches(size, deals):
        raise CheckFailed("the seeded data set does not have the asked size")


# --- Measuring ---------------------------------------------------------------------------------


HAND_WRITTEN = """
WITH paid AS (
    SELECT deal_id, sum(amount) AS total FROM deals_payment GROUP BY deal_id
), grouped AS (
    SELECT l.{column} AS gid,
           GROUPING(l.{column}) AS is_total,
           count(*) AS leads,
           count(l.first_touch_at) AS contacted,
           count(l.qualified_at) AS qualified,
           count(*) FILTER (WHERE l.status = 'disqualified') AS disqualified,
           count(d.id) AS deals,
           count(*) FILTER (WHERE d.status = 'won') AS won,
           coalesce(sum(paid.total), 0) AS revenue,
           percentile_cont(0.5) WITHIN GROUP (
               ORDER BY extract(epoch FROM l.first_touch_at - l.created_at)) AS median,
           count(*) FILTER (WHERE l.sla_deadline IS NOT NULL AND NOT l.sla_breached
                              AND l.first_touch_at <= l.sla_deadline) AS sla_met,
           count(*) FILTER (WHERE l.sla_deadline IS NOT NULL
                              AND (l.first_touch_at IS NOT NULL OR l.sla_breached
                                   OR l.sla_deadline < %(now)s)) AS sla_decided
    FROM leads_lead l
    LEFT JOIN deals_deal d ON d.lead_id = l.id
    LEFT JOIN paid ON paid.deal_id = d.id
    WHERE l.created_at >= %(start)s AND l.created_at < %(end)s
    GROUP BY GROUPING SETS ((l.{column}), ())
)
SELECT {key}, grouped.* FROM grouped {join}
"""


def hand_written(group_by: str, period: Period) -> list[tuple[Any, ...]]:
    """The same rows and totals as the service, in one statement written by hand."""
    column = COLUMNS[group_by]
    table = {"channel": "leads_channel", "campaign": "leads_campaign"}.get(group_by)
    if table:
        key = "t.slug, t.name, t.cost" if group_by == "campaign" else "t.slug, t.name, NULL"
        join = f"LEFT JOIN {table} t ON t.id = grouped.gid"
    else:
        key, join = "grouped.gid, grouped.gid, NULL", ""
    start, end = period.bounds()
    statement = HAND_WRITTEN.format(column=column, key=key, join=join)
    with connection.cursor() as cursor:
        cursor.execute(statement, {"now": NOW, "start": start, "end": end})
        return cursor.fetchall()


def service(group_by: str, period: Period) -> Any:
    return funnel_report(query=ReportQuery(group_by=group_by, period=period), now=NOW)


def _same(report: Any, rows: list[tuple[Any, ...]]) -> str | None:
    """None when the hand-written rows equal the report's, else what differs."""
    names = ["leads", "contacted", "qualified", "disqualified", "deals", "won", "sla_met"]
    theirs = {}
    for slug, _name, _cost, _gid, is_total, *figures in rows:
        key = None if is_total else (slug if slug != "" else None)
        theirs[(bool(is_total), key)] = dict(
            zip([*names[:6], "revenue", "median", "sla_met", "sla_decided"], figures, strict=True)
        )
    ours = [(False, row) for row in report.rows] + [(True, report.totals)]
    if len(ours) != len(theirs):
        return f"{len(ours)} rows from the service, {len(theirs)} by hand"
    for is_total, row in ours:
        other = theirs.get((is_total, row.key))
        if other is None:
            return f"group {row.key!r} missing by hand"
        for name in [*names, "sla_decided"]:
            if getattr(row, name) != other[name]:
                return f"{row.key!r} {name}: {getattr(row, name)} != {other[name]}"
        if row.revenue != other["revenue"]:
            return f"{row.key!r} revenue: {row.revenue} != {other['revenue']}"
        mine, hand = row.median_first_response_seconds, other["median"]
        if (mine is None) != (hand is None) or (mine is not None and abs(mine - hand) > 0.001):
            return f"{row.key!r} median: {mine} != {hand}"
    return None


def _timed(call: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    result = call()
    return result, time.perf_counter() - started


def _queries(call: Callable[[], Any]) -> int:
    statements: list[str] = []

    def count(execute: Callable[..., Any], sql: str, *rest: Any) -> Any:
        statements.append(sql)
        return execute(sql, *rest)

    with connection.execute_wrapper(count):
        call()
    return len(statements)


def _compare(group_by: str, *, repeat: int, rows: list[Row]) -> Row:
    # A warm-up of each, then alternate so drift in the machine's load hits both alike.
    report = service(group_by, YEAR)
    by_hand = hand_written(group_by, YEAR)
    problem = _same(report, by_hand)
    if problem:
        raise CheckFailed(f"group_by={group_by}: {problem}", rows)
    orm, raw = [], []
    for i in range(repeat):
        # Each pair runs back to back, first one then the other, so that a burst of load on
        # the (shared) machine lands on both variants of a pair.
        variants = [
            (orm, lambda: service(group_by, YEAR)),
            (raw, lambda: hand_written(group_by, YEAR)),
        ]
        for timings, call in variants if i % 2 == 0 else variants[::-1]:
            timings.append(_timed(call)[1])
    orm_ms, raw_ms = statistics.median(orm) * 1000, statistics.median(raw) * 1000
    ratio = statistics.median(o / r for o, r in zip(orm, raw, strict=True))
    print(f"  {group_by}: service {orm_ms:.0f} ms, SQL {raw_ms:.0f} ms, {ratio:.2f}x")
    return {
        "case": f"group_by={group_by}",
        "period": "2025 (12 months)",
        "leads": report.totals.leads,
        "deals": report.totals.deals,
        "groups": len(report.rows),
        "service ms": round(orm_ms, 1),
        "SQL ms": round(raw_ms, 1),
        "service / SQL": f"{ratio:.2f}x",
        "service min-max ms": f"{min(orm) * 1000:.0f}-{max(orm) * 1000:.0f}",
        "SQL min-max ms": f"{min(raw) * 1000:.0f}-{max(raw) * 1000:.0f}",
        "service queries": _queries(lambda: service(group_by, YEAR)),
        "SQL queries": 1,
        "same figures": True,
    }


def _memory() -> list[Row]:
    """Python memory of one report call: a month of leads against the whole year."""
    rows = []
    for label, period in (("June 2025 (1 month)", MONTH), ("2025 (12 months)", YEAR)):
        gc.collect()
        tracemalloc.start()
        report = service("campaign", period)
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rows.append(
            {
                "case": "memory, group_by=campaign",
                "period": label,
                "leads": report.totals.leads,
                "groups": len(report.rows),
                "python peak KiB": round(peak / 1024, 1),
                "process peak RSS MiB": round(
                    resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1
                ),
            }
        )
    return rows


def _explain() -> Row:
    """The service's grouped query for one month: the period is found through an index."""
    statement = data.first_statement("PERCENTILE_CONT", lambda: service("channel", MONTH))
    if statement is None:
        raise CheckFailed("the service sent no grouped query to explain")
    plan = data.explain(statement)
    return {
        "case": "EXPLAIN service query, June, group_by=channel",
        "uses an index on created_at": "lead_created_idx" in plan
        or "lead_channel_created_idx" in plan,
        "plan": plan,
    }


if __name__ == "__main__":  # pragma: no cover - the harness is the normal entry point
    import sys

    from bench.harness import main

    sys.exit(main([NAME, *sys.argv[1:]]))
