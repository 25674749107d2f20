"""Reads of the kpi app: the marketer's campaigns and leads; periods and bonus statements,
scoped to what the caller may see."""

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.db.models import Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from deals.models import Payment
from kpi.models import Period, Statement, StatementLine
from kpi.reports.expressions import ResponseSeconds, lead_revenue
from kpi.reports.query import ReportQuery
from leads.models import Campaign, Lead
from org.models import Role, User


def campaigns_of(*, user: User) -> QuerySet[Campaign]:
    """A marketer's own campaigns; management sees every campaign; nobody else any."""
    campaigns = Campaign.objects.select_related("channel").order_by("name")
    if user.has_role(Role.MANAGEMENT):
        return campaigns
    if user.has_role(Role.MARKETING):
        return campaigns.filter(owner=user)
    return campaigns.none()


def campaign_leads(*, user: User, query: ReportQuery, status: str = "") -> QuerySet[Lead]:
    """The period's leads from the caller's campaigns with everything a row shows: source,
    owner, rejection reason, deal, response time (``response_seconds``) and money received
    (``paid``) — newest first, in a fixed number of queries."""
    leads = Lead.objects.filter(campaign__in=campaigns_of(user=user)).filter(query.leads_q())
    if status:
        leads = leads.filter(status=status)
    return (
        leads.select_related(
            "channel", "campaign", "form", "owner", "disqualification_reason", "deal"
        )
        .annotate(response_seconds=ResponseSeconds(), paid=lead_revenue())
        .order_by("-created_at", "-pk")
    )


# --- The joint bonus -----------------------------------------------------------------------


def period_list() -> QuerySet[Period]:
    return Period.objects.prefetch_related("steps").order_by("-starts_on", "-pk")


def period_revenues(periods: Iterable[Period]) -> dict[int, Decimal]:
    """Counted payments in each period's days, for any number of periods in one query."""
    periods = list(periods)
    if not periods:
        return {}
    sums = {}
    for period in periods:
        start, end = period.days.bounds()
        sums[f"p{period.pk}"] = Sum("amount", filter=Q(paid_at__gte=start, paid_at__lt=end))
    totals = Payment.objects.counted().aggregate(**sums)
    return {p.pk: totals[f"p{p.pk}"] or Decimal("0") for p in periods}


def current_period(*, today: date | None = None) -> Period | None:
    """The period today falls in, else the latest one that has started."""
    today = today or timezone.localdate()
    periods = period_list()
    return periods.filter(starts_on__lte=today, ends_on__gte=today).first() or (
        periods.filter(starts_on__lte=today).first()
    )


def statement_scope(*, user: User) -> QuerySet[Statement]:
    """Management sees every statement; anyone else approved ones only."""
    statements = Statement.objects.all()
    if user.has_role(Role.MANAGEMENT):
        return statements
    return statements.filter(status=Statement.Status.APPROVED)


def statement_list(*, user: User) -> QuerySet[Statement]:
    """Statements with their lines, in two queries; anyone but management gets their own
    line alone."""
    lines = StatementLine.objects.select_related("user").order_by(
        "department", "-amount", "user_id"
    )
    if not user.has_role(Role.MANAGEMENT):
        lines = lines.filter(user=user)
    return (
        statement_scope(user=user)
        .select_related("period", "created_by", "approved_by")
        .prefetch_related(Prefetch("lines", queryset=lines))
        .order_by("-period__starts_on", "-version")
    )


def own_line(*, user: User, statement: Statement) -> StatementLine | None:
    return statement.lines.filter(user=user).first()
