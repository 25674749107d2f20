"""A period's KPI inputs, read from the data in a fixed number of grouped aggregates.

Whatever the number of leads, deals, payments or people, a scorecard costs six queries:
the period's steps, its members, its ratings, one grouped sum over the period's payments
(revenue in total, per deal owner and per campaign owner), one grouped count over the
period's leads (per campaign owner and lead owner) and one over the period's deals (per
owner). No lead, deal or payment row ever reaches Python.

Definitions (API.md, "KPI and the joint bonus"; README "Joint KPIs and the bonus"):

- The period is its inclusive dates read in ``TIME_ZONE``; revenue is the sum of counted
  (not voided) payments whose ``paid_at`` falls in it, on any deal.
- Marketing (department and per marketer = campaign owner): ``leads`` created in the
  period; ``upheld_disputes`` among them (read through ``feedback.selectors``);
  ``counted_leads`` = leads - upheld; ``deals`` = counted leads converted into a deal;
  ``lead_to_deal_rate`` = deals / counted_leads. Per marketer also the revenue of their
  campaigns (payments in the period on deals attributed to their campaigns) and cost per
  sale (the known cost of their campaigns / their deals).
- Sales, per active salesperson: ``revenue`` = payments in the period on deals they own;
  ``sla_met_rate`` = met / decided first-touch SLAs of the leads they own created in the
  period (the funnel report's rule, judged at the period's end, or now while it runs);
  ``crm_hygiene`` = clean / checked records, where the records are their leads created in
  the period and disqualified (clean: the reason *and* a note saying why) and their deals
  created in the period (clean: the customer filled in and, while open, an expected close
  date — the next step); null when there is nothing to check.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.db.models import Count, Q, Sum
from django.utils import timezone

from deals.models import Deal, Payment
from feedback.selectors import upheld_dispute_lead_ids
from kpi.bonus import as_text
from kpi.models import Period, Rating
from kpi.reports.funnel import sla_filters
from leads.models import Campaign, Lead
from org.models import Role, User


def _rate(part: int, whole: int) -> Fraction | None:
    return None if whole == 0 else Fraction(part, whole)


@dataclass
class MarketingFigures:
    leads: int = 0
    upheld_disputes: int = 0
    deals: int = 0
    revenue: Decimal = Decimal("0")
    cost: Decimal | None = None
    user: User | None = None

    @property
    def counted_leads(self) -> int:
        return self.leads - self.upheld_disputes

    @property
    def lead_to_deal_rate(self) -> Fraction | None:
        return _rate(self.deals, self.counted_leads)

    @property
    def cost_per_sale(self) -> Decimal | None:
        if self.cost is None or self.deals == 0:
            return None
        return (self.cost / self.deals).quantize(Decimal("0.01"))

    def as_dict(self) -> dict[str, Any]:
        return {
            "leads": self.leads,
            "upheld_disputes": self.upheld_disputes,
            "counted_leads": self.counted_leads,
            "deals": self.deals,
            "lead_to_deal_rate": as_text(self.lead_to_deal_rate),
        }


@dataclass
class SalesFigures:
    user: User
    revenue: Decimal = Decimal("0")
    sla_met: int = 0
    sla_decided: int = 0
    hygiene_clean: int = 0
    hygiene_checked: int = 0
    communication: int | None = None
    objections: int | None = None
    comment: str = ""

    @property
    def sla_met_rate(self) -> Fraction | None:
        return _rate(self.sla_met, self.sla_decided)

    @property
    def crm_hygiene(self) -> Fraction | None:
        return _rate(self.hygiene_clean, self.hygiene_checked)

    def as_dict(self) -> dict[str, Any]:
        return {
            "user": self.user.pk,
            "revenue": f"{self.revenue:.2f}",
            "sla_met_rate": as_text(self.sla_met_rate),
            "crm_hygiene": as_text(self.crm_hygiene),
            "communication": self.communication,
            "objections": self.objections,
        }


@dataclass
class Scorecard:
    period: Period
    revenue: Decimal
    marketing: MarketingFigures
    marketers: list[MarketingFigures] = field(default_factory=list)
    sales: list[SalesFigures] = field(default_factory=list)
    judged_at: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "marketing": self.marketing.as_dict(),
            "sales": [row.as_dict() for row in self.sales],
        }

    def marketer(self, user_id: int) -> MarketingFigures | None:
        return next((m for m in self.marketers if m.user and m.user.pk == user_id), None)

    def seller(self, user_id: int) -> SalesFigures | None:
        return next((s for s in self.sales if s.user.pk == user_id), None)


def period_revenue(period: Period) -> Decimal:
    """Counted payments in the period (one aggregate)."""
    start, end = period.days.bounds()
    total = (
        Payment.objects.counted()
        .filter(paid_at__gte=start, paid_at__lt=end)
        .aggregate(total=Sum("amount"))["total"]
    )
    return total or Decimal("0")


def members() -> list[User]:
    """Everyone a statement has a line for: active marketers and salespeople, heads too."""
    return list(
        User.objects.filter(is_active=True, role__in=[Role.MARKETING, Role.SALES]).order_by(
            "role", "pk"
        )
    )


def scorecard(*, period: Period, now: datetime | None = None) -> Scorecard:
    """Every KPI input of the period, in six queries; see the module docstring."""
    now = now or timezone.now()
    start, end = period.days.bounds()
    judged_at = min(now, end)
    people = members()
    marketers = [u for u in people if u.role == Role.MARKETING]
    sellers = [u for u in people if u.role == Role.SALES]

    # 1. Payments in the period, grouped by who owns the deal and whose campaign it came from.
    revenue = Decimal("0")
    by_seller: dict[int | None, Decimal] = defaultdict(Decimal)
    by_marketer: dict[int | None, Decimal] = defaultdict(Decimal)
    payments = (
        Payment.objects.counted()
        .filter(paid_at__gte=start, paid_at__lt=end)
        .values_list("deal__owner", "deal__campaign__owner")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    for seller_id, marketer_id, total in payments:
        revenue += total
        by_seller[seller_id] += total
        by_marketer[marketer_id] += total

    # 2. Leads created in the period, grouped by campaign owner and lead owner.
    upheld = Q(pk__in=upheld_dispute_lead_ids())
    met, decided = sla_filters(judged_at)
    leads = (
        Lead.objects.filter(created_at__gte=start, created_at__lt=end)
        .values_list("campaign__owner", "owner")
        .annotate(
            leads=Count("pk"),
            upheld=Count("pk", filter=upheld),
            deals=Count("deal", filter=~upheld),
            sla_met=Count("pk", filter=met),
            sla_decided=Count("pk", filter=decided),
            dq=Count("pk", filter=Q(status=Lead.Status.DISQUALIFIED)),
            dq_clean=Count(
                "pk", filter=Q(status=Lead.Status.DISQUALIFIED) & ~Q(disqualification_note="")
            ),
        )
        .order_by()
    )
    department = MarketingFigures()
    per_marketer: dict[int, MarketingFigures] = {u.pk: MarketingFigures(user=u) for u in marketers}
    per_seller: dict[int, SalesFigures] = {u.pk: SalesFigures(user=u) for u in sellers}
    for marketer_id, owner_id, n, n_upheld, n_deals, n_met, n_decided, n_dq, n_dq_clean in leads:
        department.leads += n
        department.upheld_disputes += n_upheld
        department.deals += n_deals
        if marketer_id in per_marketer:
            m = per_marketer[marketer_id]
            m.leads += n
            m.upheld_disputes += n_upheld
            m.deals += n_deals
        if owner_id in per_seller:
            s = per_seller[owner_id]
            s.sla_met += n_met
            s.sla_decided += n_decided
            s.hygiene_checked += n_dq
            s.hygiene_clean += n_dq_clean

    # 3. Deals created in the period, per owner: how many have their required fields.
    clean_deal = ~Q(customer="") & (
        ~Q(status=Deal.Status.OPEN) | Q(expected_close_on__isnull=False)
    )
    deals = (
        Deal.objects.filter(created_at__gte=start, created_at__lt=end, owner__in=list(per_seller))
        .values_list("owner")
        .annotate(n_checked=Count("pk"), n_clean=Count("pk", filter=clean_deal))
        .order_by()
    )
    for owner_id, n_checked, n_clean in deals:
        per_seller[owner_id].hygiene_checked += n_checked
        per_seller[owner_id].hygiene_clean += n_clean

    # 4. The heads' ratings.
    for rating in Rating.objects.filter(period=period).only(
        "user_id", "communication", "objections", "comment"
    ):
        if rating.user_id in per_seller:
            s = per_seller[rating.user_id]
            s.communication = rating.communication
            s.objections = rating.objections
            s.comment = rating.comment

    # 5. What the marketers' campaigns cost (whole cost, as the funnel report counts it).
    costs = (
        Campaign.objects.filter(owner__in=list(per_marketer), cost__isnull=False)
        .values_list("owner")
        .annotate(cost=Sum("cost"))
        .order_by()
    )
    for owner_id, cost in costs:
        per_marketer[owner_id].cost = cost

    for user_id, total in by_seller.items():
        if user_id in per_seller:
            per_seller[user_id].revenue = total
    for user_id, total in by_marketer.items():
        if user_id in per_marketer:
            per_marketer[user_id].revenue = total
    department.revenue = revenue
    return Scorecard(
        period=period,
        revenue=revenue,
        marketing=department,
        marketers=list(per_marketer.values()),
        sales=list(per_seller.values()),
        judged_at=judged_at,
    )
