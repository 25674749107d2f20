"""Reads behind the marketer's view: their campaigns and what became of each of their leads."""

from django.db.models import QuerySet

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
