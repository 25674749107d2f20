"""The report pages: funnel, first-response SLA, rejection reasons and speed to lead."""

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponseBase
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kpi.charts import Bar, Column, bar_chart, column_chart
from kpi.exports import Duration, Percent, csv_response
from kpi.reports import (
    GROUPINGS,
    FunnelReport,
    RejectionReport,
    ReportQuery,
    SpeedReport,
    funnel_report,
    rejection_report,
    speed_to_lead_report,
)
from kpi.templatetags.kpi_format import percent
from kpi.views.common import CHART_GROUPS, csv_filename, report_page
from kpi.views.scoring import SCORING_GROUPINGS, scoring_context
from org.numbers import format_number

SLA_GROUPINGS = ("channel", "owner")
REJECTION_GROUPINGS = ("channel", "campaign", "form", "segment", "owner")


# --- Funnel ------------------------------------------------------------------------------------

FUNNEL_COLUMNS = [
    ("key", gettext_lazy("Key")),
    ("label", gettext_lazy("Group")),
    ("leads", gettext_lazy("Leads")),
    ("contacted", gettext_lazy("Contacted")),
    ("qualified", gettext_lazy("Qualified")),
    ("disqualified", gettext_lazy("Disqualified")),
    ("deals", gettext_lazy("Deals")),
    ("won", gettext_lazy("Won")),
    ("revenue", gettext_lazy("Revenue")),
    ("lead_to_deal_rate", gettext_lazy("Lead to deal rate")),
    ("median_first_response_seconds", gettext_lazy("Median first response")),
    ("sla_met_rate", gettext_lazy("SLA met rate")),
    ("sla_met", gettext_lazy("SLA met")),
    ("sla_missed", gettext_lazy("SLA missed")),
    ("cost", gettext_lazy("Cost")),
    ("cost_per_lead", gettext_lazy("Cost per lead")),
    ("cost_per_sale", gettext_lazy("Cost per sale")),
    ("roi", gettext_lazy("ROI")),
]


def _funnel_csv(
    report: FunnelReport, columns: list[tuple[str, Any]], kind: str
) -> HttpResponseBase:
    names = [name for name, _label in columns]

    def cell(name: str, value: Any) -> Any:
        if name.endswith("_rate") or name == "roi":
            return Percent(value)
        if name.endswith("_seconds"):
            return Duration(value)
        if name in ("revenue", "cost", "cost_per_lead", "cost_per_sale") and value is not None:
            return Decimal(value)  # the API's string; a number in the user's decimal mark here
        return value

    def rows() -> Iterator[list[Any]]:
        for row in [*report.rows, report.totals]:
            data = row.as_dict()
            yield [cell(name, data[name]) for name in names]

    return csv_response(
        csv_filename(kind, report.query), [label for _name, label in columns], rows()
    )


def _stage_chart(report: FunnelReport) -> Any:
    t = report.totals
    stages = [
        (_("Leads"), t.leads),
        (_("Contacted"), t.contacted),
        (_("Qualified"), t.qualified),
        (_("Deals"), t.deals),
        (_("Won"), t.won),
    ]
    return bar_chart(
        [
            Bar(label, n, format_number(n) + (f" · {percent(n / t.leads, 0)}" if t.leads else ""))
            for label, n in stages
        ],
        title=_("The funnel: how far the period's leads got"),
    )


def _groups_chart(report: FunnelReport) -> Any:
    rows = report.rows[:CHART_GROUPS]
    return bar_chart(
        [
            Bar(
                row.label,
                row.leads,
                f"{format_number(row.deals)}/{format_number(row.leads)}"
                f" · {percent(row.lead_to_deal_rate, 0)}",
                inner=row.deals,
            )
            for row in rows
        ],
        title=_("Leads and deals per group"),
        legend=(_("Leads"), _("Deals")),
    )


@login_required
def funnel(request: HttpRequest) -> HttpResponseBase:
    """The funnel per channel / campaign / segment / web form / salesperson."""

    def build(query: ReportQuery) -> dict[str, Any]:
        report = funnel_report(query=query)
        return {
            "report": report,
            "stage_chart": _stage_chart(report),
            "groups_chart": _groups_chart(report) if report.rows else None,
            "show_cost": query.group_by == "campaign",
            **scoring_context(
                query.group_by if query.group_by in SCORING_GROUPINGS else "channel",
                channel=query.channel,
                campaign=query.campaign,
            ),
        }

    return report_page(
        request,
        "kpi/funnel.html",
        groupings=tuple(GROUPINGS),
        build=build,
        export=lambda query: _funnel_csv(funnel_report(query=query), FUNNEL_COLUMNS, "funnel"),
    )


# --- SLA -----------------------------------------------------------------------------------------

SLA_COLUMNS = [
    ("key", gettext_lazy("Key")),
    ("label", gettext_lazy("Group")),
    ("leads", gettext_lazy("Leads")),
    ("contacted", gettext_lazy("Contacted")),
    ("median_first_response_seconds", gettext_lazy("Median first response")),
    ("sla_met", gettext_lazy("SLA met")),
    ("sla_missed", gettext_lazy("SLA missed")),
    ("sla_met_rate", gettext_lazy("SLA met rate")),
]


@login_required
def sla(request: HttpRequest) -> HttpResponseBase:
    """First-response SLA per channel or per salesperson: median response, share within SLA."""

    def build(query: ReportQuery) -> dict[str, Any]:
        report = funnel_report(query=query)
        decided = [row for row in report.rows if row.sla_decided][:CHART_GROUPS]
        chart = bar_chart(
            [Bar(row.label, row.sla_met_rate or 0, percent(row.sla_met_rate)) for row in decided],
            title=_("Share of leads touched within the SLA"),
            scale_max=1.0,
        )
        return {"report": report, "chart": chart if decided else None}

    return report_page(
        request,
        "kpi/sla.html",
        groupings=SLA_GROUPINGS,
        build=build,
        export=lambda query: _funnel_csv(funnel_report(query=query), SLA_COLUMNS, "sla"),
    )


# --- Rejection reasons ---------------------------------------------------------------------------


def _rejections_csv(report: RejectionReport) -> HttpResponseBase:
    header = [
        _("Key"),
        _("Group"),
        _("Leads"),
        _("Disqualified"),
        _("Reason"),
        _("Reason label"),
        _("Count"),
        _("Share of disqualified"),
    ]

    def rows() -> Iterator[list[Any]]:
        for row in [*report.rows, report.totals]:
            for reason in row.reasons:
                yield [
                    row.key,
                    row.label,
                    row.leads,
                    row.disqualified,
                    reason.code,
                    reason.label,
                    reason.count,
                    Percent(reason.share),
                ]

    return csv_response(csv_filename("rejections", report.query), header, rows())


@login_required
def rejections(request: HttpRequest) -> HttpResponseBase:
    """Why leads were rejected, per channel / campaign / ...: count and share per reason."""

    def build(query: ReportQuery) -> dict[str, Any]:
        report = rejection_report(query=query)
        chart = bar_chart(
            [
                Bar(r.label, r.count, f"{format_number(r.count)} · {percent(r.share, 0)}")
                for r in report.totals.reasons
            ],
            title=_("Rejection reasons, all groups"),
        )
        # A matrix: one row per group, one column per reason (in overall order).
        matrix = [
            (
                row,
                [
                    next((r for r in row.reasons if r.code == code), None)
                    for code, _l in report.reasons
                ],
            )
            for row in report.rows
        ]
        return {
            "report": report,
            "chart": chart if report.totals.reasons else None,
            "matrix": matrix,
        }

    return report_page(
        request,
        "kpi/rejections.html",
        groupings=REJECTION_GROUPINGS,
        build=build,
        export=lambda query: _rejections_csv(rejection_report(query=query)),
    )


# --- Speed to lead -------------------------------------------------------------------------------


def _speed_csv(report: SpeedReport) -> HttpResponseBase:
    header = [
        _("Bucket"),
        _("Label"),
        _("Leads"),
        _("Deals"),
        _("Won"),
        _("Conversion to deal"),
        _("Conversion to won deal"),
    ]
    rows = (
        [
            r.bucket,
            r.label,
            r.leads,
            r.deals,
            r.won,
            Percent(r.conversion_rate),
            Percent(r.win_rate),
        ]
        for r in [*report.rows, report.totals]
    )
    return csv_response(
        f"speed-to-lead-{report.query.period.start}-{report.query.period.end}.csv", header, rows
    )


@login_required
def speed(request: HttpRequest) -> HttpResponseBase:
    """Conversion by first-response time: the company's own evidence for the 5-minute rule."""

    def build(query: ReportQuery) -> dict[str, Any]:
        report = speed_to_lead_report(query=query)
        rates = [r.conversion_rate for r in report.rows if r.conversion_rate is not None]
        top = max([*rates, 0.0])
        chart = column_chart(
            [
                Column(
                    r.label,
                    r.conversion_rate,
                    percent(r.conversion_rate),
                    note=_("%(n)s leads") % {"n": format_number(r.leads)},
                )
                for r in report.rows
            ],
            title=_("Conversion to a deal by first-response time"),
            # Round the axis up to the next 10% so small rates stay readable.
            scale_max=min(1.0, max(0.1, -(-top * 10 // 1) / 10)),
        )
        return {"report": report, "chart": chart}

    return report_page(
        request,
        "kpi/speed.html",
        groupings=("channel",),
        build=build,
        export=lambda query: _speed_csv(speed_to_lead_report(query=query)),
    )
