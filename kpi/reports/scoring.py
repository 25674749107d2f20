"""Lead scores per channel, campaign or web form, for marketing (docs/api.md,
``reports/scoring``): what the open leads are expected to bring before any of them closes.

- ``open_leads``: leads in an open status (new, assigned, contacted, qualified);
- ``scored_leads``: those with a score (leads that arrived before the first model have none
  until a training rescores them);
- ``expected_deals``: the sum of the open leads' scores (each the chance to reach a deal), an
  exact sum of four-decimal scores;
- ``mean_score``: expected_deals / scored_leads, null without scored leads;
- ``trend``: the mean score of the leads that arrived in each of the last ``TREND_WEEKS``
  weeks (any status), oldest first — whether a campaign's new leads get better or worse.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import TruncWeek
from django.utils import timezone
from django.utils.translation import gettext as _

from leads.models import Campaign, Channel, Lead, ScoringFlag, ScoringModel, WebForm

SCORING_GROUPINGS = ("channel", "campaign", "form")
TREND_WEEKS = 8
_NAMES: dict[str, type[Channel | Campaign | WebForm]] = {
    "channel": Channel,
    "campaign": Campaign,
    "form": WebForm,
}


@dataclass
class ScoringRow:
    key: str | None
    label: str
    open_leads: int = 0
    scored_leads: int = 0
    expected_deals: Decimal = Decimal(0)
    trend: list[dict[str, Any]] = field(default_factory=list)
    flagged: bool = False

    @property
    def mean_score(self) -> Decimal | None:
        if not self.scored_leads:
            return None
        return (self.expected_deals / self.scored_leads).quantize(Decimal("0.0001"))

    def as_dict(self) -> dict[str, Any]:
        mean = self.mean_score
        return {
            "key": self.key,
            "label": self.label,
            "open_leads": self.open_leads,
            "scored_leads": self.scored_leads,
            "expected_deals": float(self.expected_deals),
            "mean_score": float(mean) if mean is not None else None,
            "trend": self.trend,
            "flagged": self.flagged,
        }


@dataclass
class ScoringReport:
    group_by: str
    rows: list[ScoringRow]
    model: ScoringModel | None
    weeks: list[date]

    def as_dict(self) -> dict[str, Any]:
        model = self.model
        return {
            "rows": [row.as_dict() for row in self.rows],
            "model": {
                "version": model.version,
                "trained_at": model.trained_at.isoformat().replace("+00:00", "Z"),
                "closed_leads": model.closed_leads,
                "auc": model.auc,
            }
            if model is not None
            else None,
        }


def scoring_group_by(params: Any) -> str:
    """``group_by`` from a query string: channel (default), campaign or form; else a 400."""
    group_by = (params.get("group_by") or "").strip() or SCORING_GROUPINGS[0]
    if group_by not in SCORING_GROUPINGS:
        raise ValidationError(
            {
                "group_by": [
                    _("Unknown grouping %(value)r; use one of: %(choices)s.")
                    % {"value": group_by, "choices": ", ".join(SCORING_GROUPINGS)}
                ]
            }
        )
    return group_by


def _weeks(now: datetime) -> list[date]:
    today = timezone.localdate(now)
    monday = today - timedelta(days=today.weekday())
    return [monday - timedelta(weeks=n) for n in range(TREND_WEEKS - 1, -1, -1)]


def scoring_report(
    *, group_by: str, leads: QuerySet[Lead] | None = None, now: datetime | None = None
) -> ScoringReport:
    """Three grouped aggregates (open leads; weekly means; flags) and one lookup of names,
    whatever the number of groups. ``leads`` narrows the report (e.g. a marketer's
    campaigns)."""
    now = now or timezone.now()
    leads = Lead.objects.all() if leads is None else leads
    column = f"{group_by}_id"
    rows: dict[Any, ScoringRow] = {}
    open_rows = (
        leads.filter(status__in=Lead.OPEN_STATUSES)
        .order_by()
        .values(column)
        .annotate(n=Count("id"), scored=Count("score"), total=Sum("score"))
    )
    for r in open_rows:
        row = rows.setdefault(r[column], ScoringRow(None, ""))
        row.open_leads, row.scored_leads = r["n"], r["scored"]
        row.expected_deals = r["total"] or Decimal(0)

    weeks = _weeks(now)
    weekly = (
        leads.filter(
            created_at__gte=timezone.make_aware(datetime.combine(weeks[0], datetime.min.time()))
        )
        .filter(score__isnull=False)
        .annotate(week=TruncWeek("created_at"))
        .order_by()
        .values(column, "week")
        .annotate(n=Count("id"), total=Sum("score"))
    )
    trend: dict[Any, dict[date, tuple[int, float]]] = defaultdict(dict)
    for r in weekly:
        week = r["week"].date() if isinstance(r["week"], datetime) else r["week"]
        trend[r[column]][week] = (r["n"], round(float(r["total"] / r["n"]), 4))
        rows.setdefault(r[column], ScoringRow(None, ""))

    flagged: set[Any] = set()
    if group_by == "campaign":
        flagged = set(
            ScoringFlag.objects.filter(week__gte=weeks[-2], campaign__in=[k for k in rows if k])
            .values_list("campaign_id", flat=True)
            .distinct()
        )

    named = {
        pk: (slug, name)
        for pk, slug, name in _NAMES[group_by]
        ._default_manager.filter(pk__in=[k for k in rows if k is not None])
        .values_list("pk", "slug", "name")
    }
    for pk, row in rows.items():
        row.key, row.label = named.get(pk, (None, "")) if pk is not None else (None, _("(none)"))
        row.flagged = pk in flagged
        row.trend = [
            {
                "week": week.isoformat(),
                "leads": trend[pk].get(week, (0, None))[0],
                "mean_score": trend[pk].get(week, (0, None))[1],
            }
            for week in weeks
        ]
    ordered = sorted(rows.values(), key=lambda r: (-r.expected_deals, r.label))
    model = ScoringModel.objects.order_by("-version").first()
    return ScoringReport(group_by, ordered, model, weeks)
