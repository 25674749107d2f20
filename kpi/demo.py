"""Demo KPI periods, through the same services as real use: the two months before this one
settled (ratings given, a statement approved, the period closed) and this month open with
its ratings so far — so a newcomer sees the whole loop from goal to locked statement."""

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from kpi import services
from kpi.models import Period
from kpi.scorecard import period_revenue
from org.models import Role, User

STEPS = (
    (Decimal("0"), Decimal("0.5")),
    (Decimal("0.8"), Decimal("1")),
    (Decimal("1"), Decimal("1.2")),
    (Decimal("1.2"), Decimal("1.5")),
)
# (communication, objections) per salesperson and month, oldest first.
RATINGS = {
    "sales1": [(85, 70), (88, 75), (90, 80)],
    "sales2": [(60, 55), (65, 70), (70, 72)],
    "sales3": [(75, 90), (72, 85), (78, 88)],
    "shead": [(90, 90), (92, 88), (91, 90)],
}
COMMENTS = [
    "Solid month; work on price objections.",
    "Better follow-ups; keep the notes on lost deals.",
    "",
]


def _month(first: date) -> tuple[date, date]:
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return first, following - timedelta(days=1)


def _goal(revenue: Decimal, factor: str) -> Decimal:
    goal = revenue * Decimal(factor) / 10_000
    return max(goal.quantize(Decimal("1"), rounding=ROUND_HALF_UP) * 10_000, Decimal("100000"))


def holds_data() -> bool:
    return Period.objects.exists()


def seed() -> str:
    if Period.objects.exists():
        return "KPI periods already present; left as they are"
    manager = User.objects.filter(username="manager").first()
    head = User.objects.filter(username="shead").first()
    if manager is None or head is None:
        return "no demo manager or sales head; no KPI periods"
    this_month = timezone.localdate().replace(day=1)
    previous = (this_month - timedelta(days=1)).replace(day=1)
    before = (previous - timedelta(days=1)).replace(day=1)
    # Goals a little above, below and well above what the demo data earned.
    plan = [(before, "0.9"), (previous, "1.25"), (this_month, "1.5")]
    periods = []
    for index, (first, factor) in enumerate(plan):
        starts_on, ends_on = _month(first)
        revenue = period_revenue(Period(starts_on=starts_on, ends_on=ends_on))
        if index == 2:  # this month has barely begun: aim at last month's revenue and more
            revenue = period_revenue(Period(starts_on=previous, ends_on=_month(previous)[1]))
        period = services.period_create(
            scheme=services.Scheme(
                starts_on=starts_on,
                ends_on=ends_on,
                revenue_goal=_goal(revenue, factor),
                pool_percent=Decimal("5"),
                marketing_share=Decimal("30"),
                steps=STEPS,
            ),
            by=manager,
        )
        for seller in User.objects.filter(is_active=True, role=Role.SALES, username__in=RATINGS):
            communication, objections = RATINGS[seller.username][index]
            services.rating_set(
                period=period,
                user=seller,
                communication=communication,
                objections=objections,
                comment=COMMENTS[index],
                by=head,
            )
        periods.append(period)
    for period in periods[:2]:
        statement = services.statement_create(period=period, by=manager)
        services.statement_approve(statement=statement, by=manager)
        services.period_close(period=period, by=manager)
    services.statement_create(period=periods[2], by=manager)  # a draft to look at
    return "3 KPI periods: two settled with approved statements, this month open with a draft"
