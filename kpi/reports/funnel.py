"""The closed-loop funnel: what became of the leads created in a period, per group.

One grouped aggregate over the period's leads (their deal LEFT JOINed: one row per lead)
gives every group's counts and — on PostgreSQL — its median; one grouped sum over the
payments of those leads' deals gives the revenue; the totals' median is one more aggregate,
the group keys and labels one lookup. The number of queries does not depend on the number of
groups or leads, and only one row per group ever reaches Python.

Definitions:

- A lead belongs to the report when its ``created_at`` falls in the period (inclusive dates in
  ``settings.TIME_ZONE``); everything below is about those leads, whenever it happened.
- Counts are cumulative along the funnel: ``contacted`` = ever touched (``first_touch_at``
  set); ``qualified`` = ever qualified (``qualified_at`` set, converted ones included, and
  also those disqualified after qualifying); ``disqualified`` = status disqualified;
  ``deals`` = leads that have a deal (converted); ``won`` = those deals won.
- ``revenue`` = the sum of all payments on those deals, open, won or lost alike.
- ``lead_to_deal_rate`` = deals / leads; null when there are no leads.
- ``median_first_response_seconds``: median of ``first_touch_at - created_at`` over the touched
  leads, in seconds (rounded to the millisecond); null when none was touched.
- ``sla_met_rate`` = met / decided among leads that had an SLA deadline. *Met*: the first touch
  came at or before the deadline and the lead was never flagged breached (a lead that missed
  its deadline and was handed to someone else does not count as met because the second person
  was quick). *Missed*: flagged breached, touched after the deadline, or never touched with
  the deadline already past at ``now``. Leads still inside their deadline and untouched are
  not decided yet and count in neither. Null when no lead is decided.
- Cost (group_by=campaign only): a campaign's ``cost`` is its whole cost, not pro-rated to the
  period. ``cost_per_lead`` = cost / leads, ``cost_per_sale`` = cost / won deals,
  ``roi`` = (revenue - cost) / cost; null when the cost is unknown or the divisor is zero. The
  totals' cost figures cover only the campaigns whose cost is known.
"""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from deals.models import Deal, Payment
from kpi.reports.expressions import (
    Median,
    ResponseSeconds,
    median_in_aggregate,
    window_medians,
)
from kpi.reports.groups import COLUMNS, describe_groups
from kpi.reports.query import ReportQuery
from leads.models import Lead

CENT = Decimal("0.01")
COUNTS = (
    "leads",
    "contacted",
    "qualified",
    "disqualified",
    "deals",
    "won",
    "sla_met",
    "sla_decided",
)


def _money(value: Decimal | None) -> str | None:
    return None if value is None else str(value.quantize(CENT))


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass
class FunnelRow:
    key: str | int | None
    label: str
    leads: int = 0
    contacted: int = 0
    qualified: int = 0
    disqualified: int = 0
    deals: int = 0
    won: int = 0
    revenue: Decimal = Decimal(0)
    median_first_response_seconds: float | None = None
    sla_met: int = 0
    sla_decided: int = 0
    # What the cost figures divide: the cost and the leads, sales and revenue it paid for.
    cost: Decimal | None = None
    cost_leads: int = 0
    cost_won: int = 0
    cost_revenue: Decimal = field(default_factory=lambda: Decimal(0))

    @property
    def lead_to_deal_rate(self) -> float | None:
        return _rate(self.deals, self.leads)

    @property
    def sla_met_rate(self) -> float | None:
        return _rate(self.sla_met, self.sla_decided)

    @property
    def sla_missed(self) -> int:
        return self.sla_decided - self.sla_met

    @property
    def cost_per_lead(self) -> Decimal | None:
        return self.cost / self.cost_leads if self.cost is not None and self.cost_leads else None

    @property
    def cost_per_sale(self) -> Decimal | None:
        return self.cost / self.cost_won if self.cost is not None and self.cost_won else None

    @property
    def roi(self) -> float | None:
        if not self.cost:  # unknown, or free: a return on nothing is undefined
            return None
        return float((self.cost_revenue - self.cost) / self.cost)

    def as_dict(self) -> dict[str, Any]:
        """The API's ROW: the contract's fields first, then the extensions."""
        return {
            "key": self.key,
            "leads": self.leads,
            "contacted": self.contacted,
            "qualified": self.qualified,
            "disqualified": self.disqualified,
            "deals": self.deals,
            "won": self.won,
            "revenue": _money(self.revenue),
            "lead_to_deal_rate": self.lead_to_deal_rate,
            "median_first_response_seconds": self.median_first_response_seconds,
            "sla_met_rate": self.sla_met_rate,
            "label": self.label,
            "sla_met": self.sla_met,
            "sla_missed": self.sla_missed,
            "cost": _money(self.cost),
            "cost_per_lead": _money(self.cost_per_lead),
            "cost_per_sale": _money(self.cost_per_sale),
            "roi": self.roi,
        }


@dataclass
class FunnelReport:
    query: ReportQuery
    rows: list[FunnelRow]
    totals: FunnelRow

    def as_dict(self) -> dict[str, Any]:
        return {"rows": [row.as_dict() for row in self.rows], "totals": self.totals.as_dict()}


def sla_filters(now: datetime) -> tuple[Q, Q]:
    """(met, decided) conditions on a lead; see the module docstring."""
    has_deadline = Q(sla_deadline__isnull=False)
    met = has_deadline & Q(
        first_touch_at__isnull=False, first_touch_at__lte=F("sla_deadline"), sla_breached=False
    )
    decided = has_deadline & (
        Q(first_touch_at__isnull=False) | Q(sla_breached=True) | Q(sla_deadline__lt=now)
    )
    return met, decided


def funnel_measures(now: datetime) -> dict[str, Any]:
    """Aggregates per group of leads; every figure of a row except the median."""
    met, decided = sla_filters(now)
    return {
        "leads": Count("pk"),
        "contacted": Count("first_touch_at"),
        "qualified": Count("qualified_at"),
        "disqualified": Count("pk", filter=Q(status=Lead.Status.DISQUALIFIED)),
        "deals": Count("deal"),
        "won": Count("deal", filter=Q(deal__status=Deal.Status.WON)),
        "sla_met": Count("pk", filter=met),
        "sla_decided": Count("pk", filter=decided),
    }


def group_revenue(
    query: ReportQuery, column: str, leads: QuerySet[Lead] | None
) -> dict[Any, Decimal]:
    """Payments on the deals of the population's leads, summed per group in one query.

    Its own grouped query over payments -> deal -> lead rather than a column of the lead
    query: summing payments there would either multiply lead rows (a join) or cost a
    correlated subquery per lead, whose estimated cost alone makes PostgreSQL JIT-compile the
    whole report with inlining and optimisation (seconds at a million leads).
    """
    payments = Payment.objects.counted().filter(query.leads_q(prefix="deal__lead__"))
    if leads is not None:
        payments = payments.filter(deal__lead__in=leads.values("pk"))
    rows = payments.values(f"deal__lead__{column}").annotate(total=Sum("amount")).order_by()
    return {row[f"deal__lead__{column}"]: row["total"] for row in rows}


def _rounded(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds, 3)


def funnel_report(
    *,
    query: ReportQuery,
    leads: QuerySet[Lead] | None = None,
    now: datetime | None = None,
) -> FunnelReport:
    """The funnel of ``query.period``'s leads grouped by ``query.group_by``.

    ``leads`` narrows the population (for example one marketer's campaigns); ``now`` is the
    clock that decides whether an untouched lead's deadline has passed. Rows are ordered by
    lead count, largest first, then by label; leads without a campaign / form / owner /
    segment form a group whose key is null.
    """
    now = now or timezone.now()
    column = COLUMNS[query.group_by]
    population = (leads if leads is not None else Lead.objects.all()).filter(query.leads_q())
    population = population.order_by()
    measures = funnel_measures(now)
    if median_in_aggregate():
        measures["median"] = Median(ResponseSeconds())
    grouped = list(population.values(column).annotate(**measures).order_by())
    revenue = group_revenue(query, column, leads)

    if median_in_aggregate():
        medians = {g[column]: g["median"] for g in grouped}
        total_median = population.aggregate(median=Median(ResponseSeconds()))["median"]
    else:
        medians = window_medians(population, column)
        total_median = window_medians(population, None).get(None)

    groups = describe_groups(query.group_by, (g[column] for g in grouped))
    rows = []
    for g in grouped:
        group = groups[g[column]]
        row = FunnelRow(
            key=group.key,
            label=group.label,
            **{name: g[name] for name in COUNTS},
            revenue=revenue.get(g[column], Decimal(0)),
            median_first_response_seconds=_rounded(medians.get(g[column])),
        )
        if group.cost is not None:
            row.cost = group.cost
            row.cost_leads, row.cost_won, row.cost_revenue = row.leads, row.won, row.revenue
        rows.append(row)
    rows.sort(key=lambda r: (-r.leads, r.label.casefold(), str(r.key)))
    return FunnelReport(query=query, rows=rows, totals=_totals(rows, _rounded(total_median)))


def _totals(rows: list[FunnelRow], median: float | None) -> FunnelRow:
    """Counts and money add up over the groups (each lead is in exactly one group)."""
    totals = FunnelRow(key=None, label=_("Total"), median_first_response_seconds=median)
    for row in rows:
        for name in COUNTS:
            setattr(totals, name, getattr(totals, name) + getattr(row, name))
        totals.revenue += row.revenue
        if row.cost is not None:
            totals.cost = (totals.cost or Decimal(0)) + row.cost
            totals.cost_leads += row.cost_leads
            totals.cost_won += row.cost_won
            totals.cost_revenue += row.cost_revenue
    return totals
