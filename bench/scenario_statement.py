"""A bonus statement over 1,000,000 leads / 100,000 deals / 200,000 payments / 200 members
(issue 10): the service against hand-written SQL, in the same run.

The data set (seeded once by PostgreSQL with ``INSERT ... SELECT generate_series``, reused
while intact) is a year of leads from 80 campaigns owned by 40 marketers, worked by 160
salespeople; every tenth lead became a deal (won, lost, open; some without a customer or a
close date), each deal has two payments (1 % of them voided), 1 % of the leads carry a
decided dispute (half upheld), every salesperson has the head's ratings. The period is the
whole year, so every row counts.

Compared, in back-to-back pairs:

- *service*: ``kpi.services.statement_compute`` — the scorecard's fixed set of grouped
  aggregates through the ORM, then the exact split in Python;
- *SQL*: one hand-written statement returning the same per-person inputs and department
  totals, then the same split.

Both must give identical lines (checked). Reported: median times and their ratio, the
number of queries of each (the service's count is also checked to be the same for a month
and for the year: no per-row queries), tracemalloc's Python peak of one call, the process'
peak RSS, and one ``statement_create`` (compute + write the lines) for the full cost.
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
from feedback.models import Dispute
from kpi import bonus, services
from kpi.models import Period
from kpi.scorecard import MarketingFigures, SalesFigures
from leads.models import Campaign, Channel, DisqualificationReason, Lead, LeadDefinition
from org.models import Role, User

NAME = "statement"
DOMAIN = "statement.bench.example"
YEAR = (date(2025, 1, 1), date(2025, 12, 31))
NOW = datetime(2026, 2, 1, tzinfo=UTC)
MARKETERS = 40
SELLERS = 160
CAMPAIGNS = 80


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("statement scenario")
    group.add_argument(
        "--statement-repeat", type=int, help="statement: timed runs of each variant (default 7)"
    )


def run(args: argparse.Namespace) -> list[Row]:
    size = args.leads or 1_000_000
    deals = size // 10
    repeat = getattr(args, "statement_repeat", None) or 7
    print(f"  {size:,} leads, {deals:,} deals, {2 * deals:,} payments; {repeat} runs each")
    people = _people()
    ensure_dataset(size, deals, people)
    period = _period(people)
    rows: list[Row] = [_compare(period, repeat=repeat, size=size)]
    rows += _memory(period)
    rows.append(_create(period))
    return rows


# --- The data set --------------------------------------------------------------------------------


def _people() -> dict[str, list[int]]:
    marketers = [u.pk for u in data.bench_users("bench-stmt-mkt", MARKETERS, role=Role.MARKETING)]
    sellers = [u.pk for u in data.bench_users("bench-stmt-sales", SELLERS, role=Role.SALES)]
    # Members are everyone active in marketing and sales: other scenarios' people step aside
    # (their scenarios re-activate them when they run).
    User.objects.filter(role__in=[Role.MARKETING, Role.SALES], is_active=True).exclude(
        pk__in=marketers + sellers
    ).update(is_active=False)
    return {"marketers": marketers, "sellers": sellers}


def _reference(people: dict[str, list[int]]) -> dict[str, Any]:
    channel, _ = Channel.objects.get_or_create(
        slug="bench-stmt", defaults={"name": "Bench statement"}
    )
    campaigns = []
    for i in range(CAMPAIGNS):
        campaign, _ = Campaign.objects.update_or_create(
            slug=f"bench-stmt-{i:02d}",
            defaults={
                "name": f"Bench statement campaign {i:02d}",
                "channel": channel,
                "owner_id": people["marketers"][i % MARKETERS],
                "cost": Decimal(20_000 + 1_000 * i) if i % 2 == 0 else None,
            },
        )
        campaigns.append(campaign.pk)
    return {
        "channel": channel.pk,
        "campaigns": campaigns,
        "reasons": list(DisqualificationReason.objects.order_by("pk").values_list("pk", flat=True)),
    }


def _matches(size: int, deals: int) -> bool:
    total, ours = data.sql(
        "SELECT count(*), count(*) FILTER (WHERE email LIKE %s) FROM leads_lead", [f"%@{DOMAIN}"]
    )[0]
    if not total == ours == size:
        return False
    return (
        data.scalar("SELECT count(*) FROM deals_deal") == deals
        and data.scalar("SELECT count(*) FROM deals_payment") == 2 * deals
    )


def ensure_dataset(size: int, deals: int, people: dict[str, list[int]]) -> None:
    if _matches(size, deals):
        print("  reusing the statement data set")
        return
    print(f"  seeding {size:,} leads, {deals:,} deals, {2 * deals:,} payments ...")
    started = time.perf_counter()
    seed(size, deals, people)
    print(f"  seeded in {time.perf_counter() - started:.1f} s; vacuuming ...")
    data.vacuum("leads_lead", "deals_deal", "deals_payment", "feedback_dispute")


def seed(size: int, deals: int, people: dict[str, list[int]]) -> None:
    ref = _reference(people)
    stage = DealStage.objects.order_by("order", "pk").first()
    lost = LostReason.objects.order_by("pk").first()
    definition = LeadDefinition.objects.order_by("pk").first()
    if stage is None or lost is None or definition is None:
        raise CheckFailed("no deal stage, lost reason or lead definition: run migrations")
    step = size // deals
    with transaction.atomic():
        data.sql("TRUNCATE kpi_statementline, kpi_statement, kpi_rating CASCADE")
        data.sql("TRUNCATE leads_lead, leads_leadrequest, leads_historicallead CASCADE")
        source = f"""
            (SELECT g, r, created, is_deal, campaign_no,
                    CASE WHEN is_deal OR r %% 100 < 85 THEN
                         created + make_interval(secs => CASE
                             WHEN r %% 10 < 6 THEN r %% 300 ELSE 300 + r %% 7200 END)
                    END AS touched
             FROM (SELECT g,
                          (g::bigint * 48271 + 11) %% 2147483647 AS r,
                          %(base)s::timestamptz + (g::bigint * 31536000 / %(size)s)
                              * interval '1 second' AS created,
                          g %% %(step)s = 3 %% %(step)s AS is_deal,
                          CASE WHEN g %% 5 = 0 THEN NULL ELSE (g / 7) %% {CAMPAIGNS} END
                              AS campaign_no
                   FROM generate_series(0, %(size)s - 1) AS g) AS raw) AS s
        """
        disqualified = "NOT is_deal AND touched IS NOT NULL AND r %% 97 < 30"
        data.insert_select(
            Lead,
            source=source,
            columns={
                "name": "'Statement lead ' || g",
                "email": f"'s' || g || '@{DOMAIN}'",
                "channel": "%(channel)s",
                "campaign": "(%(campaigns)s::bigint[])[1 + campaign_no]",
                "source": "'api'",
                "status": f"CASE WHEN is_deal THEN 'converted' WHEN {disqualified} "
                "THEN 'disqualified' WHEN touched IS NOT NULL THEN 'contacted' ELSE 'new' END",
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
                "qualified_at": "CASE WHEN is_deal THEN touched + interval '1 hour' END",
                "disqualification_reason": f"CASE WHEN {disqualified} THEN "
                "(%(reasons)s::bigint[])[1 + r %% %(n_reasons)s] END",
                "disqualification_note": f"CASE WHEN {disqualified} AND r %% 2 = 0 "
                "THEN 'No budget this year' ELSE '' END",
                "closed_at": f"CASE WHEN is_deal OR {disqualified} "
                "THEN touched + interval '2 hours' END",
            },
            params={
                "base": datetime(2025, 1, 1, tzinfo=UTC),
                "size": size,
                "step": step,
                "channel": ref["channel"],
                "campaigns": ref["campaigns"],
                "sellers": people["sellers"],
                "n_sellers": len(people["sellers"]),
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
                "customer": "CASE WHEN d %% 7 = 0 THEN '' ELSE 'Customer ' || l.id END",
                "amount": "(10000 + (l.id %% 90) * 1000)::numeric",
                "owner": "l.owner_id",
                "stage": "%(stage)s",
                "status": "CASE WHEN d < 30 THEN 'won' WHEN d < 50 THEN 'lost' ELSE 'open' END",
                "lost_reason": "CASE WHEN d BETWEEN 30 AND 49 THEN %(lost)s::bigint END",
                "expected_close_on": "CASE WHEN d %% 3 = 0 THEN NULL "
                "ELSE (l.closed_at + interval '30 days')::date END",
                "channel": "l.channel_id",
                "campaign": "l.campaign_id",
                "created_at": "l.closed_at",
                "stage_changed_at": "l.closed_at",
                "closed_at": "CASE WHEN d < 50 THEN l.closed_at + interval '20 days' END",
            },
            params={"stage": stage.pk, "lost": lost.pk},
        )
        voided = "(d.id * 7 + n) %% 100 = 0"
        data.insert_select(
            Payment,
            source="(SELECT d.*, n FROM deals_deal d CROSS JOIN generate_series(1, 2) AS n) AS d",
            columns={
                "deal": "d.id",
                "amount": "round(d.amount / 3, 2)",
                "paid_at": "d.created_at + n * interval '10 days'",
                "recorded_by": "d.owner_id",
                "created_at": "d.created_at + n * interval '10 days'",
                "voided_at": f"CASE WHEN {voided} THEN d.created_at + interval '30 days' END",
                "voided_by": f"CASE WHEN {voided} THEN d.owner_id END",
                "void_reason": f"CASE WHEN {voided} THEN 'Entered twice' ELSE '' END",
            },
            params={},
        )
        data.insert_select(
            Dispute,
            source="(SELECT l.* FROM leads_lead l WHERE l.owner_id IS NOT NULL"
            " AND l.id %% 100 = 1) AS l",
            columns={
                "lead": "l.id",
                "raised_by": "l.owner_id",
                "definition": "%(definition)s",
                "unmet_criteria": "'[]'::jsonb",
                "status": "CASE WHEN l.id %% 200 = 1 THEN 'upheld' ELSE 'rejected' END",
                "created_at": "l.first_touch_at",
                "decided_at": "l.first_touch_at + interval '1 day'",
            },
            params={"definition": definition.pk},
        )
    if not _matches(size, deals):
        raise CheckFailed("the seeded data set does not have the asked size")


def _period(people: dict[str, list[int]]) -> Period:
    data.sql("TRUNCATE kpi_statementline, kpi_statement, kpi_rating CASCADE")
    period = Period.objects.filter(starts_on=YEAR[0], ends_on=YEAR[1]).first()
    if period is None:
        data.sql("TRUNCATE kpi_attainmentstep, kpi_period CASCADE")
        period = services.period_create(
            scheme=services.Scheme(
                starts_on=YEAR[0],
                ends_on=YEAR[1],
                revenue_goal=Decimal("1000000000"),
                pool_percent=Decimal("3"),
                marketing_share=Decimal("30"),
                steps=((Decimal(0), Decimal("0.5")), (Decimal("0.8"), Decimal(1))),
            ),
            by=None,
        )
    manager = data.bench_users("bench-stmt-manager", 1, role=Role.MANAGEMENT)[0]
    for i, seller in enumerate(User.objects.filter(pk__in=people["sellers"]).order_by("pk")):
        services.rating_set(
            period=period,
            user=seller,
            communication=40 + i % 60,
            objections=50 + i % 50,
            by=manager,
        )
    data.vacuum("org_user", "kpi_rating", "leads_campaign")
    return period


# --- The two ways ------------------------------------------------------------------------------

HAND_WRITTEN = """
WITH members AS MATERIALIZED (
    SELECT id, role FROM org_user
    WHERE is_active AND role IN ('marketing', 'sales')
), upheld AS NOT MATERIALIZED (
    SELECT lead_id FROM feedback_dispute WHERE status = 'upheld'
), pay AS MATERIALIZED (
    SELECT d.owner_id AS seller, c.owner_id AS marketer, sum(p.amount) AS total
    FROM deals_payment p
    JOIN deals_deal d ON d.id = p.deal_id
    LEFT JOIN leads_campaign c ON c.id = d.campaign_id
    WHERE p.voided_at IS NULL AND p.paid_at >= %(start)s AND p.paid_at < %(end)s
    GROUP BY 1, 2
), lds AS MATERIALIZED (
    SELECT c.owner_id AS marketer, l.owner_id AS seller,
           count(*) AS leads,
           count(*) FILTER (WHERE u.lead_id IS NOT NULL) AS upheld,
           count(d.id) FILTER (WHERE u.lead_id IS NULL) AS deals,
           count(*) FILTER (WHERE l.sla_deadline IS NOT NULL AND NOT l.sla_breached
                              AND l.first_touch_at <= l.sla_deadline) AS sla_met,
           count(*) FILTER (WHERE l.sla_deadline IS NOT NULL
                              AND (l.first_touch_at IS NOT NULL OR l.sla_breached
                                   OR l.sla_deadline < %(judged)s)) AS sla_decided,
           count(*) FILTER (WHERE l.status = 'disqualified') AS dq,
           count(*) FILTER (WHERE l.status = 'disqualified'
                              AND l.disqualification_note <> '') AS dq_clean
    FROM leads_lead l
    LEFT JOIN leads_campaign c ON c.id = l.campaign_id
    LEFT JOIN deals_deal d ON d.lead_id = l.id
    LEFT JOIN upheld u ON u.lead_id = l.id
    WHERE l.created_at >= %(start)s AND l.created_at < %(end)s
    GROUP BY 1, 2
), dls AS MATERIALIZED (
    SELECT owner_id AS seller, count(*) AS checked,
           count(*) FILTER (WHERE customer <> ''
                              AND (status <> 'open' OR expected_close_on IS NOT NULL)) AS clean
    FROM deals_deal WHERE created_at >= %(start)s AND created_at < %(end)s
    GROUP BY 1
), costs AS MATERIALIZED (
    SELECT owner_id AS marketer, sum(cost) AS cost
    FROM leads_campaign WHERE cost IS NOT NULL GROUP BY 1
), sellers AS MATERIALIZED (
    SELECT seller AS id, sum(sla_met) AS met, sum(sla_decided) AS decided,
           sum(dq) AS dq, sum(dq_clean) AS dq_clean
    FROM lds GROUP BY seller
), marketers AS MATERIALIZED (
    SELECT marketer AS id, sum(leads) AS leads, sum(upheld) AS upheld, sum(deals) AS deals
    FROM lds GROUP BY marketer
), paid_seller AS MATERIALIZED (
    SELECT seller AS id, sum(total) AS total FROM pay GROUP BY seller
), paid_marketer AS MATERIALIZED (
    SELECT marketer AS id, sum(total) AS total FROM pay GROUP BY marketer
), dept AS MATERIALIZED (
    SELECT sum(leads) AS leads, sum(upheld) AS upheld, sum(deals) AS deals FROM lds
), revenue AS MATERIALIZED (
    SELECT coalesce(sum(total), 0) AS total FROM pay
)
SELECT m.id, m.role, revenue.total, dept.leads, dept.upheld, dept.deals,
       coalesce(ps.total, 0), coalesce(pm.total, 0),
       coalesce(mk.leads, 0), coalesce(mk.upheld, 0), coalesce(mk.deals, 0),
       coalesce(s.met, 0), coalesce(s.decided, 0),
       coalesce(s.dq, 0) + coalesce(dls.checked, 0),
       coalesce(s.dq_clean, 0) + coalesce(dls.clean, 0),
       r.communication, r.objections, costs.cost
FROM members m
CROSS JOIN revenue CROSS JOIN dept
LEFT JOIN paid_seller ps ON ps.id = m.id
LEFT JOIN paid_marketer pm ON pm.id = m.id
LEFT JOIN marketers mk ON mk.id = m.id
LEFT JOIN sellers s ON s.id = m.id
LEFT JOIN dls ON dls.seller = m.id
LEFT JOIN costs ON costs.marketer = m.id
LEFT JOIN kpi_rating r ON r.period_id = %(period)s AND r.user_id = m.id
ORDER BY m.role, m.id
"""


def service(period: Period) -> services.Computed:
    return services.statement_compute(period=period, now=NOW)


def hand_written(period: Period) -> list[tuple[int, str, Decimal, dict[str, Any]]]:
    """The same statement lines from one hand-written statement plus the same split."""
    start, end = period.days.bounds()
    with connection.cursor() as cursor:
        cursor.execute(
            HAND_WRITTEN,
            {"start": start, "end": end, "judged": min(NOW, end), "period": period.pk},
        )
        rows = cursor.fetchall()
    users = {u.pk: u for u in User.objects.filter(pk__in=[row[0] for row in rows])}
    revenue = Decimal(rows[0][2]) if rows else Decimal(0)
    marketers, sellers = [], []
    for (uid, role, _rev, *_dept, s_rev, m_rev, leads, upheld, deals, met, decided,
         checked, clean, comm, obj, cost) in rows:  # fmt: skip
        if role == Role.MARKETING:
            marketers.append(
                MarketingFigures(
                    leads=int(leads),
                    upheld_disputes=int(upheld),
                    deals=int(deals),
                    revenue=m_rev,
                    cost=cost,
                    user=users[uid],
                )
            )
        else:
            sellers.append(
                SalesFigures(
                    user=users[uid],
                    revenue=s_rev,
                    sla_met=int(met),
                    sla_decided=int(decided),
                    hygiene_clean=int(clean),
                    hygiene_checked=int(checked),
                    communication=comm,
                    objections=obj,
                )
            )
    pools = bonus.pools_for(
        revenue=revenue,
        goal=period.revenue_goal,
        pool_percent=period.pool_percent,
        marketing_share=period.marketing_share,
        steps=list(period.steps.values_list("attainment", "multiplier")),
    )
    lines = [
        (uid, Role.MARKETING, amount, breakdown)
        for uid, (amount, breakdown) in services._marketing_lines(
            pools.marketing_pool, marketers, period
        ).items()
    ] + [
        (uid, Role.SALES, amount, breakdown)
        for uid, (amount, breakdown) in services._sales_lines(
            pools.sales_pool, sellers, period
        ).items()
    ]
    return lines


def _queries(call: Callable[[], Any]) -> int:
    statements: list[str] = []

    def count(execute: Callable[..., Any], sql: str, *rest: Any) -> Any:
        statements.append(sql)
        return execute(sql, *rest)

    with connection.execute_wrapper(count):
        call()
    return len(statements)


def _timed(call: Callable[[], Any]) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def _compare(period: Period, *, repeat: int, size: int) -> Row:
    computed = service(period)
    by_hand = hand_written(period)
    ours = sorted((uid, dept, amount) for uid, dept, amount, _b in computed.lines)
    theirs = sorted((uid, dept, amount) for uid, dept, amount, _b in by_hand)
    if ours != theirs:
        raise CheckFailed("the service's lines differ from the hand-written SQL's")
    if sorted(computed.lines, key=lambda x: x[0]) != sorted(by_hand, key=lambda x: x[0]):
        raise CheckFailed("the breakdowns differ")
    if len(ours) != MARKETERS + SELLERS:
        raise CheckFailed(f"{len(ours)} lines, expected {MARKETERS + SELLERS}")
    month = Period(pk=period.pk, starts_on=date(2025, 6, 1), ends_on=date(2025, 6, 30))
    month.revenue_goal, month.pool_percent, month.marketing_share = (
        period.revenue_goal,
        period.pool_percent,
        period.marketing_share,
    )
    service_queries = _queries(lambda: service(period))
    month_queries = _queries(lambda: services.statement_compute(period=month, now=NOW))
    if service_queries != month_queries:
        raise CheckFailed(f"queries: {service_queries} for the year, {month_queries} a month")
    orm, raw = [], []
    for i in range(repeat):
        variants = [(orm, lambda: service(period)), (raw, lambda: hand_written(period))]
        for timings, call in variants if i % 2 == 0 else variants[::-1]:
            timings.append(_timed(call))
    orm_ms, raw_ms = statistics.median(orm) * 1000, statistics.median(raw) * 1000
    ratio = statistics.median(o / r for o, r in zip(orm, raw, strict=True))
    print(f"  statement: service {orm_ms:.0f} ms, SQL {raw_ms:.0f} ms, {ratio:.2f}x")
    return {
        "case": "statement lines, 2025 (12 months)",
        "leads": size,
        "deals": data.scalar("SELECT count(*) FROM deals_deal"),
        "payments": data.scalar("SELECT count(*) FROM deals_payment"),
        "members": len(ours),
        "service ms": round(orm_ms, 1),
        "SQL ms": round(raw_ms, 1),
        "service / SQL": f"{ratio:.2f}x",
        "service min-max ms": f"{min(orm) * 1000:.0f}-{max(orm) * 1000:.0f}",
        "SQL min-max ms": f"{min(raw) * 1000:.0f}-{max(raw) * 1000:.0f}",
        "service queries": service_queries,
        "service queries, 1 month": month_queries,
        "SQL queries": _queries(lambda: hand_written(period)),
        "same lines": True,
        "pool": str(computed.pools.pool),
    }


def _memory(period: Period) -> list[Row]:
    rows = []
    for label, call in (
        ("service", lambda: service(period)),
        ("SQL", lambda: hand_written(period)),
    ):
        gc.collect()
        tracemalloc.start()
        call()
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rows.append(
            {
                "case": f"memory, {label}",
                "python peak KiB": round(peak / 1024, 1),
                "process peak RSS MiB": round(
                    resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1
                ),
            }
        )
    return rows


def _create(period: Period) -> Row:
    """The whole service once: compute and write a draft with its 200 lines."""
    statements: list[str] = []

    def count(execute: Callable[..., Any], sql: str, *rest: Any) -> Any:
        statements.append(sql)
        return execute(sql, *rest)

    with connection.execute_wrapper(count):
        started = time.perf_counter()
        statement = services.statement_create(period=period, by=None, now=NOW)
        seconds = time.perf_counter() - started
    return {
        "case": "statement_create (compute + write)",
        "service ms": round(seconds * 1000, 1),
        "service queries": len(statements),
        "members": statement.lines.count(),
    }


if __name__ == "__main__":  # pragma: no cover - the harness is the normal entry point
    import sys

    from bench.harness import main

    sys.exit(main([NAME, *sys.argv[1:]]))
