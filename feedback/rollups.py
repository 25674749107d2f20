"""Lead-quality feedback rolled up per campaign, web form or channel: average rating, the
spread of ratings, the reason tags and the trend by week. Three grouped queries, whatever
the number of rows.

Feedback is attributed to the lead it is about: the period filter and the weekly trend use
the lead's ``created_at`` (the week the source produced the lead), in the configured time
zone, like the funnel report.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncWeek
from django.utils import timezone
from django.utils.translation import gettext as _

from feedback.models import RATING_MAX, RATING_MIN, LeadFeedback

# group -> (the key, as the API names it, and what a person reads)
GROUPS = {
    "campaign": ("lead__campaign__slug", "lead__campaign__name"),
    "form": ("lead__form__slug", "lead__form__name"),
    "channel": ("lead__channel__slug", "lead__channel__name"),
}
RATINGS = range(RATING_MIN, RATING_MAX + 1)
# Feedback is attributed to its lead: periods (``org.periods.Period.q``) filter on this field.
LEAD_CREATED = "lead__created_at"


def average(rating_sum: int, count: int) -> Decimal | None:
    if not count:
        return None
    return (Decimal(rating_sum) / Decimal(count)).quantize(Decimal("0.01"), ROUND_HALF_UP)


@dataclass
class Week:
    start: date
    feedbacks: int = 0
    rating_sum: int = 0

    @property
    def average_rating(self) -> Decimal | None:
        return average(self.rating_sum, self.feedbacks)


@dataclass
class QualityRow:
    key: str
    label: str
    feedbacks: int = 0
    leads: int = 0
    rating_sum: int = 0
    ratings: dict[int, int] = field(default_factory=lambda: dict.fromkeys(RATINGS, 0))
    tags: dict[str, int] = field(default_factory=dict)
    weeks: list[Week] = field(default_factory=list)

    @property
    def average_rating(self) -> Decimal | None:
        return average(self.rating_sum, self.feedbacks)

    @property
    def tag_list(self) -> list[tuple[str, int]]:
        """Tags, most given first (for the page)."""
        return sorted(self.tags.items(), key=lambda item: (-item[1], item[0]))


@dataclass
class QualityReport:
    group_by: str
    rows: list[QualityRow]
    totals: QualityRow
    weeks: list[date]


def _local_day(value: date | datetime) -> date:
    return timezone.localtime(value).date() if isinstance(value, datetime) else value


def quality_rollup(*, feedback: QuerySet[LeadFeedback], group_by: str) -> QualityReport:
    """Roll ``feedback`` up by the lead's campaign, web form or channel."""
    if group_by not in GROUPS:
        raise ValidationError(
            {"group_by": [_("Group by one of: %(g)s.") % {"g": ", ".join(GROUPS)}]}
        )
    key, label = GROUPS[group_by]
    base = feedback.order_by()
    rows: dict[str, QualityRow] = {}
    per_rating = {f"r{r}": Count("pk", filter=Q(rating=r)) for r in RATINGS}
    for row in base.values(k=F(key), label=F(label)).annotate(
        feedbacks=Count("pk"),
        leads=Count("lead", distinct=True),
        rating_sum=Sum("rating"),
        **per_rating,
    ):
        group_key = row["k"] or ""
        rows[group_key] = QualityRow(
            key=group_key,
            label=row["label"] or "",
            feedbacks=row["feedbacks"],
            leads=row["leads"],
            rating_sum=row["rating_sum"] or 0,
            ratings={r: row[f"r{r}"] for r in RATINGS},
        )

    through = LeadFeedback.tags.through
    for row in (
        through.objects.filter(leadfeedback__in=base.values("pk"))
        .order_by()
        .values(k=F(f"leadfeedback__{key}"), code=F("feedbacktag__code"))
        .annotate(n=Count("pk"))
    ):
        rows[row["k"] or ""].tags[row["code"]] = row["n"]

    weekly: dict[str, dict[date, Week]] = defaultdict(dict)
    for row in (
        base.annotate(week=TruncWeek("lead__created_at"))
        .values("week", k=F(key))
        .annotate(feedbacks=Count("pk"), rating_sum=Sum("rating"))
    ):
        start = _local_day(row["week"])
        weekly[row["k"] or ""][start] = Week(start, row["feedbacks"], row["rating_sum"] or 0)
    weeks = sorted({start for by_week in weekly.values() for start in by_week})

    totals = QualityRow(key="", label=_("All"))
    for group_key, group in rows.items():
        group.weeks = [weekly[group_key].get(start, Week(start)) for start in weeks]
        totals.feedbacks += group.feedbacks
        totals.leads += group.leads  # a lead has one campaign, form and channel: no overlap
        totals.rating_sum += group.rating_sum
        for r in RATINGS:
            totals.ratings[r] += group.ratings[r]
        for code, n in group.tags.items():
            totals.tags[code] = totals.tags.get(code, 0) + n
    for start in weeks:
        week = Week(start)
        for group_key in rows:
            point = weekly[group_key].get(start)
            if point is not None:
                week.feedbacks += point.feedbacks
                week.rating_sum += point.rating_sum
        totals.weeks.append(week)
    ordered = sorted(rows.values(), key=lambda g: (-g.feedbacks, g.key == "", g.label))
    return QualityReport(group_by=group_by, rows=ordered, totals=totals, weeks=weeks)
