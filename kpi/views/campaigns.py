"""A marketer's campaigns: their funnel, then every lead with its fate, each a link to the
lead's whole trail (the lead page). Management sees every campaign."""

from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseBase
from django.utils import timezone
from django.utils.translation import gettext_lazy

from kpi import selectors
from kpi.exports import Duration, csv_response
from kpi.reports import ReportQuery, funnel_report
from kpi.views.common import report_page
from kpi.views.scoring import scoring_context
from leads.labels import segment_label
from leads.models import Lead
from org.models import Role
from org.pages import paginate, role_required
from org.permissions import acting_user

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
    gettext_lazy("First response"),
    gettext_lazy("SLA breached"),
    gettext_lazy("Deal"),
    gettext_lazy("Deal status"),
    gettext_lazy("Paid"),
]


def _lead_row(lead: Any) -> list[Any]:
    deal = getattr(lead, "deal", None)  # the reverse one-to-one, joined by the selector
    return [
        lead.pk,
        lead.name,
        lead.company,
        lead.channel.slug,
        lead.campaign.slug if lead.campaign else "",
        lead.form.slug if lead.form else "",
        segment_label(lead.segment),
        lead.created_at.isoformat(),
        lead.get_status_display(),
        lead.disqualification_reason.label if lead.disqualification_reason else "",
        lead.owner.username if lead.owner else "",
        lead.first_touch_at.isoformat() if lead.first_touch_at else "",
        Duration(lead.response_seconds),
        lead.sla_breached,
        deal.pk if deal else None,
        deal.get_status_display() if deal else None,
        (lead.paid or Decimal(0)).quantize(Decimal("0.01")) if deal else None,
    ]


def _campaign_leads_csv(leads: QuerySet[Any], query: ReportQuery) -> HttpResponseBase:
    # Streamed in chunks: an export of every lead never sits in memory at once.
    rows = (_lead_row(lead) for lead in leads.iterator(chunk_size=2000))
    return csv_response(
        f"my-campaigns-leads-{query.period.start}-{query.period.end}.csv", LEAD_HEADER, rows
    )


@role_required(Role.MARKETING, Role.MANAGEMENT)
def my_campaigns(request: HttpRequest) -> HttpResponseBase:
    """Marketing and management only; a salesperson has no campaigns (403)."""
    user = acting_user(request)
    campaigns = selectors.campaigns_of(user=user)
    status = request.GET.get("status", "")
    if status not in Lead.Status.values:
        status = ""

    def build(query: ReportQuery) -> dict[str, Any]:
        leads = selectors.campaign_leads(user=user, query=query, status=status)
        return {
            "report": funnel_report(query=query, leads=Lead.objects.filter(campaign__in=campaigns)),
            "page": paginate(request, leads)[0],
            "status": status,
            "statuses": Lead.Status.choices,
            "show_cost": True,
            "now": timezone.now(),
            **scoring_context("campaign", leads=Lead.objects.filter(campaign__in=campaigns)),
        }

    def export(query: ReportQuery) -> HttpResponseBase:
        leads = selectors.campaign_leads(user=user, query=query, status=status)
        return _campaign_leads_csv(leads, query)

    return report_page(
        request,
        "kpi/my_campaigns.html",
        groupings=("campaign",),
        build=build,
        export=export,
        form_kwargs={"campaigns": campaigns},
    )
