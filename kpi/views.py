"""Report pages: charts (server-rendered SVG), tables and CSV export of the same figures.

Every page validates its query with ``report_query`` — the API's code path — and calls the
same report service; bad input re-renders the filters with the message and status 400.
``?export=csv`` on a page downloads its table.
"""

from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kpi import selectors
from kpi.charts import Bar, Column, bar_chart, column_chart
from kpi.exports import csv_response
from kpi.reports import (
    GROUPINGS,
    FunnelReport,
    RejectionReport,
    ReportQuery,
    SpeedReport,
    funnel_report,
    rejection_report,
    report_query,
    speed_to_lead_report,
)
from kpi.templatetags.kpi_format import percent
from leads.models import Campaign, Channel, Lead
from org.models import Role
from org.permissions import acting_user

CHART_GROUPS = 12  # charts show the largest groups; the table below shows all of them
SLA_GROUPINGS = ("channel", "owner")
REJECTION_GROUPINGS = ("channel", "campaign", "form", "segment", "owner")


class ReportFilterForm(forms.Form):
    """Only renders the filters; ``report_query`` validates them (one path with the API).

    The fields carry the API's parameter names, ``from`` and ``to`` included.
    """

    group_by = forms.ChoiceField(label=gettext_lazy("Group by"), required=False)
    channel = forms.ModelChoiceField(
        queryset=Channel.objects.order_by("name"),
        to_field_name="slug",
        required=False,
        empty_label=gettext_lazy("All channels"),
        label=gettext_lazy("Channel"),
    )
    campaign = forms.ModelChoiceField(
        queryset=Campaign.objects.order_by("name"),
        to_field_name="slug",
        required=False,
        empty_label=gettext_lazy("All campaigns"),
        label=gettext_lazy("Campaign"),
    )

    def __init__(
        self, *args: Any, groupings: tuple[str, ...], campaigns: Any = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if len(groupings) > 1:
            self.fields["group_by"].choices = [(g, GROUPINGS[g]) for g in groupings]  # type: ignore[attr-defined]
        else:
            del self.fields["group_by"]
        if campaigns is not None:
            self.fields["campaign"].queryset = campaigns  # type: ignore[attr-defined]
            del self.fields["channel"]
        for name, label in (("from", gettext_lazy("From")), ("to", gettext_lazy("To"))):
            self.fields[name] = forms.DateField(
                label=label, required=False, widget=forms.DateInput(attrs={"type": "date"})
            )


def _filter_form(
    request: HttpRequest, query: ReportQuery | None, **kwargs: Any
) -> ReportFilterForm:
    """The filters as asked, showing the dates the report used when they were left empty."""
    initial: dict[str, Any] = {name: request.GET.get(name) for name in request.GET}
    if query is not None:
        initial.update(
            group_by=query.group_by, **{"from": query.period.start, "to": query.period.end}
        )
    return ReportFilterForm(initial=initial, **kwargs)


def _params(request: HttpRequest, groupings: tuple[str, ...]) -> dict[str, str]:
    params = {k: request.GET.get(k, "") for k in ("group_by", "from", "to", "channel", "campaign")}
    if not params["group_by"]:
        params["group_by"] = groupings[0]
    return params


def _page(
    request: HttpRequest,
    template: str,
    *,
    groupings: tuple[str, ...],
    build: Callable[[ReportQuery], dict[str, Any]],
    export: Callable[[ReportQuery, dict[str, Any]], HttpResponseBase] | None,
    form_kwargs: dict[str, Any] | None = None,
) -> HttpResponseBase:
    """Validate the query, build the context, or answer with the CSV / the errors."""
    form_kwargs = form_kwargs or {}
    try:
        query = report_query(params=_params(request, groupings), groupings=groupings)
    except ValidationError as exc:
        context = {
            "form": _filter_form(request, None, groupings=groupings, **form_kwargs),
            "errors": [
                f"{field}: {message}"
                for field, messages in exc.message_dict.items()
                for message in messages
            ],
        }
        return render(request, template, context, status=400)
    context = build(query)
    if export is not None and request.GET.get("export") == "csv":
        return export(query, context)
    query_string = request.GET.copy()
    query_string.pop("export", None)
    query_string.pop("page", None)
    context.update(
        form=_filter_form(request, query, groupings=groupings, **form_kwargs),
        query=query,
        query_string=query_string.urlencode(),
        grouping_label=GROUPINGS[query.group_by],
    )
    return render(request, template, context)


def _filename(kind: str, query: ReportQuery) -> str:
    return f"{kind}-{query.group_by}-{query.period.start}-{query.period.end}.csv"


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
    ("median_first_response_seconds", gettext_lazy("Median first response (s)")),
    ("sla_met_rate", gettext_lazy("SLA met rate")),
    ("sla_met", gettext_lazy("SLA met")),
    ("sla_missed", gettext_lazy("SLA missed")),
    ("cost", gettext_lazy("Cost")),
    ("cost_per_lead", gettext_lazy("Cost per lead")),
    ("cost_per_sale", gettext_lazy("Cost per sale")),
    ("roi", gettext_lazy("ROI")),
]


def _funnel_csv(report: FunnelReport, columns: list[tuple[str, Any]], kind: str) -> HttpResponse:
    names = [name for name, _label in columns]

    def rows() -> Iterator[list[Any]]:
        for row in [*report.rows, report.totals]:
            data = row.as_dict()
            yield [data[name] for name in names]

    return csv_response(_filename(kind, report.query), [label for _name, label in columns], rows())  # type: ignore[return-value]


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
            Bar(label, n, f"{n:,}" + (f" · {percent(n / t.leads, 0)}" if t.leads else ""))
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
                f"{row.deals:,}/{row.leads:,} · {percent(row.lead_to_deal_rate, 0)}",
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
        }

    return _page(
        request,
        "kpi/funnel.html",
        groupings=tuple(GROUPINGS),
        build=build,
        export=lambda query, ctx: _funnel_csv(ctx["report"], FUNNEL_COLUMNS, "funnel"),
    )


# --- SLA -----------------------------------------------------------------------------------------

SLA_COLUMNS = [
    ("key", gettext_lazy("Key")),
    ("label", gettext_lazy("Group")),
    ("leads", gettext_lazy("Leads")),
    ("contacted", gettext_lazy("Contacted")),
    ("median_first_response_seconds", gettext_lazy("Median first response (s)")),
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

    return _page(
        request,
        "kpi/sla.html",
        groupings=SLA_GROUPINGS,
        build=build,
        export=lambda query, ctx: _funnel_csv(ctx["report"], SLA_COLUMNS, "sla"),
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
                    reason.share,
                ]

    return csv_response(_filename("rejections", report.query), header, rows())


@login_required
def rejections(request: HttpRequest) -> HttpResponseBase:
    """Why leads were rejected, per channel / campaign / ...: count and share per reason."""

    def build(query: ReportQuery) -> dict[str, Any]:
        report = rejection_report(query=query)
        chart = bar_chart(
            [
                Bar(r.label, r.count, f"{r.count:,} · {percent(r.share, 0)}")
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

    return _page(
        request,
        "kpi/rejections.html",
        groupings=REJECTION_GROUPINGS,
        build=build,
        export=lambda query, ctx: _rejections_csv(ctx["report"]),
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
        [r.bucket, r.label, r.leads, r.deals, r.won, r.conversion_rate, r.win_rate]
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
                    note=_("%(n)s leads") % {"n": f"{r.leads:,}"},
                )
                for r in report.rows
            ],
            title=_("Conversion to a deal by first-response time"),
            # Round the axis up to the next 10% so small rates stay readable.
            scale_max=min(1.0, max(0.1, -(-top * 10 // 1) / 10)),
        )
        return {"report": report, "chart": chart}

    return _page(
        request,
        "kpi/speed.html",
        groupings=("channel",),
        build=build,
        export=lambda query, ctx: _speed_csv(ctx["report"]),
    )


# --- My campaigns --------------------------------------------------------------------------------

LEAD_HEADER = [
    gettext_lazy("Lead id"),
    gettext_lazy("Name"),
    gettext_lazy("Company"),
    gettext_lazy("Channel"),
    gettext_lazy("Campaign"),
    gettext_lazy("Web form"),
    gettext_lazy("Segment"),
    gettext_lazy("Created"),
    gettext_lazy("Status"),
    gettext_lazy("Disqualification reason"),
    gettext_lazy("Owner"),
    gettext_lazy("First touch"),
    gettext_lazy("First response (s)"),
    gettext_lazy("SLA breached"),
    gettext_lazy("Deal"),
    gettext_lazy("Deal status"),
    gettext_lazy("Paid"),
]


def _cents(amount: Decimal | None) -> Decimal:
    return (amount or Decimal(0)).quantize(Decimal("0.01"))


def _campaign_leads_csv(leads: Any, query: ReportQuery) -> HttpResponseBase:
    rows = (
        [
            lead.pk,
            lead.name,
            lead.company,
            lead.channel.slug,
            lead.campaign.slug if lead.campaign else "",
            lead.form.slug if lead.form else "",
            lead.segment,
            lead.created_at.isoformat(),
            lead.status,
            lead.disqualification_reason.code if lead.disqualification_reason else "",
            lead.owner.username if lead.owner else "",
            lead.first_touch_at.isoformat() if lead.first_touch_at else "",
            lead.response_seconds,
            lead.sla_breached,
            getattr(lead, "deal", None) and lead.deal.pk,
            getattr(lead, "deal", None) and lead.deal.status,
            _cents(lead.paid) if getattr(lead, "deal", None) else None,
        ]
        # Streamed in chunks: an export of every lead never sits in memory at once.
        for lead in leads.iterator(chunk_size=2000)
    )
    return csv_response(
        f"my-campaigns-leads-{query.period.start}-{query.period.end}.csv", LEAD_HEADER, rows
    )


@login_required
def my_campaigns(request: HttpRequest) -> HttpResponseBase:
    """A marketer's campaigns: their funnel, then every lead with its fate, each one a link to
    the lead's whole trail. Management sees every campaign."""
    user = acting_user(request)
    if not user.has_role(Role.MARKETING, Role.MANAGEMENT):
        raise PermissionDenied
    campaigns = selectors.campaigns_of(user=user)
    status = request.GET.get("status", "")
    if status not in Lead.Status.values:
        status = ""

    def build(query: ReportQuery) -> dict[str, Any]:
        mine = Lead.objects.filter(campaign__in=campaigns)
        report = funnel_report(query=query, leads=mine)
        leads = selectors.campaign_leads(user=user, query=query, status=status)
        if request.GET.get("export") == "csv":
            return {"leads": leads}
        page = Paginator(leads, 50).get_page(request.GET.get("page"))
        return {
            "report": report,
            "page": page,
            "status": status,
            "statuses": Lead.Status.choices,
            "show_cost": True,
            "now": timezone.now(),
        }

    return _page(
        request,
        "kpi/my_campaigns.html",
        groupings=("campaign",),
        build=build,
        export=lambda query, ctx: _campaign_leads_csv(ctx["leads"], query),
        form_kwargs={"campaigns": campaigns},
    )
