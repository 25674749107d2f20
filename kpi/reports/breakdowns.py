"""Why leads were rejected, and how conversion depends on the speed of the first response.

Each report is one grouped aggregate over the period's leads plus one lookup of names —
constant in the number of groups, reasons and leads.
"""

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, Count, Q, QuerySet, Value, When
from django.db.models.fields import CharField
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from deals.models import Deal
from kpi.reports.expressions import ResponseSeconds
from kpi.reports.groups import COLUMNS, describe_groups
from kpi.reports.query import ReportQuery
from leads.models import DisqualificationReason, Lead


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _population(query: ReportQuery, leads: QuerySet[Lead] | None) -> QuerySet[Lead]:
    base = leads if leads is not None else Lead.objects.all()
    return base.filter(query.leads_q()).order_by()


# --- Rejection reasons --------------------------------------------------------------------------


@dataclass
class ReasonCount:
    code: str
    label: str
    count: int
    share: float | None  # of the group's disqualified leads

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "label": self.label, "count": self.count, "share": self.share}


@dataclass
class RejectionRow:
    key: str | int | None
    label: str
    leads: int = 0
    disqualified: int = 0
    counts: dict[str, int] = field(default_factory=dict)  # reason code -> leads
    reasons: list[ReasonCount] = field(default_factory=list)

    @property
    def disqualified_rate(self) -> float | None:
        return _rate(self.disqualified, self.leads)

    def finish(self, labels: dict[str, str]) -> None:
        """Turn the raw counts into reasons, most frequent first."""
        self.reasons = sorted(
            (
                ReasonCount(code, labels.get(code, code), n, _rate(n, self.disqualified))
                for code, n in self.counts.items()
            ),
            key=lambda r: (-r.count, r.code),
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "leads": self.leads,
            "disqualified": self.disqualified,
            "disqualified_rate": self.disqualified_rate,
            "reasons": [r.as_dict() for r in self.reasons],
        }


@dataclass
class RejectionReport:
    query: ReportQuery
    rows: list[RejectionRow]
    totals: RejectionRow
    reasons: list[tuple[str, str]]  # (code, label) of every reason that occurs, most used first

    def as_dict(self) -> dict[str, Any]:
        return {"rows": [r.as_dict() for r in self.rows], "totals": self.totals.as_dict()}


def rejection_report(*, query: ReportQuery, leads: QuerySet[Lead] | None = None) -> RejectionReport:
    """Disqualified leads per group and reason: count and share of the group's rejections.

    Grouped by (group, reason) over all the period's leads, so the same query also yields each
    group's lead count (the rows whose reason is NULL are the leads not disqualified).
    """
    column = COLUMNS[query.group_by]
    grouped = list(
        _population(query, leads)
        .values(column, "disqualification_reason")
        .annotate(
            leads=Count("pk"), disqualified=Count("pk", filter=Q(status=Lead.Status.DISQUALIFIED))
        )
        .order_by()
    )
    groups = describe_groups(query.group_by, (g[column] for g in grouped))
    reason_ids = {g["disqualification_reason"] for g in grouped} - {None}
    reasons = {
        pk: (code, label)
        for pk, code, label in DisqualificationReason.objects.filter(pk__in=reason_ids).values_list(
            "pk", "code", "label"
        )
    }
    rows: dict[Any, RejectionRow] = {}
    totals = RejectionRow(key=None, label=_("Total"))
    for g in grouped:
        group = groups[g[column]]
        row = rows.setdefault(g[column], RejectionRow(key=group.key, label=group.label))
        for target in (row, totals):
            target.leads += g["leads"]
            target.disqualified += g["disqualified"]
            if g["disqualification_reason"] is not None and g["disqualified"]:
                code = reasons[g["disqualification_reason"]][0]
                target.counts[code] = target.counts.get(code, 0) + g["disqualified"]
    labels = dict(reasons.values())
    for row in [*rows.values(), totals]:
        row.finish(labels)
    ordered = sorted(rows.values(), key=lambda r: (-r.disqualified, r.label.casefold()))
    return RejectionReport(
        query=query,
        rows=ordered,
        totals=totals,
        reasons=[(r.code, r.label) for r in totals.reasons],
    )


# --- Speed to lead ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bucket:
    code: str
    label: Promise
    below_seconds: float | None  # upper bound (exclusive); None for the last touched bucket


# Response time = first touch - arrival. Lower bounds are inclusive: exactly 5 minutes is
# "5-30 min". "never" holds the leads without any touch (including those still waiting).
BUCKETS = (
    Bucket("under_5m", gettext_lazy("< 5 min"), 5 * 60),
    Bucket("5m_30m", gettext_lazy("5–30 min"), 30 * 60),  # noqa: RUF001 (an en dash for ranges)
    Bucket("30m_1h", gettext_lazy("30–60 min"), 60 * 60),  # noqa: RUF001 (an en dash for ranges)
    Bucket("1h_24h", gettext_lazy("1–24 h"), 24 * 60 * 60),  # noqa: RUF001 (an en dash for ranges)
    Bucket("over_24h", gettext_lazy("> 24 h"), None),
    Bucket("never", gettext_lazy("Never"), None),
)


@dataclass
class SpeedRow:
    bucket: str
    label: str
    leads: int = 0
    deals: int = 0
    won: int = 0

    @property
    def conversion_rate(self) -> float | None:
        return _rate(self.deals, self.leads)

    @property
    def win_rate(self) -> float | None:
        return _rate(self.won, self.leads)

    def as_dict(self) -> dict[str, Any]:
        return {
            "bucket": self.bucket,
            "label": self.label,
            "leads": self.leads,
            "deals": self.deals,
            "won": self.won,
            "conversion_rate": self.conversion_rate,
            "win_rate": self.win_rate,
        }


@dataclass
class SpeedReport:
    query: ReportQuery
    rows: list[SpeedRow]  # every bucket, in order, empty ones included
    totals: SpeedRow

    def as_dict(self) -> dict[str, Any]:
        return {"rows": [r.as_dict() for r in self.rows], "totals": self.totals.as_dict()}


def response_bucket() -> Case:
    """The bucket code of a lead's first response time (needs the ``_seconds`` annotation)."""
    whens = [When(first_touch_at__isnull=True, then=Value("never"))]
    whens += [
        When(_seconds__lt=b.below_seconds, then=Value(b.code))
        for b in BUCKETS
        if b.below_seconds is not None
    ]
    return Case(*whens, default=Value("over_24h"), output_field=CharField())


def speed_to_lead_report(*, query: ReportQuery, leads: QuerySet[Lead] | None = None) -> SpeedReport:
    """Conversion to a deal (and to a won deal) by first-response bucket: the company's own
    evidence for answering within five minutes. One grouped query."""
    grouped = (
        _population(query, leads)
        .annotate(_seconds=ResponseSeconds())
        .annotate(_bucket=response_bucket())
        .values("_bucket")
        .annotate(
            leads=Count("pk"),
            deals=Count("deal"),
            won=Count("deal", filter=Q(deal__status=Deal.Status.WON)),
        )
        .order_by()
    )
    found = {g["_bucket"]: g for g in grouped}
    rows = []
    totals = SpeedRow(bucket="total", label=_("Total"))
    for bucket in BUCKETS:
        g = found.get(bucket.code, {})
        row = SpeedRow(
            bucket=bucket.code,
            label=str(bucket.label),
            leads=g.get("leads", 0),
            deals=g.get("deals", 0),
            won=g.get("won", 0),
        )
        rows.append(row)
        totals.leads += row.leads
        totals.deals += row.deals
        totals.won += row.won
    return SpeedReport(query=query, rows=rows, totals=totals)
