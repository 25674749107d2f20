"""The lead scores table shared by the funnel report and "My campaigns"."""

from typing import Any

from django.db.models import QuerySet

from kpi.reports.query import GROUPINGS
from kpi.reports.scoring import SCORING_GROUPINGS, scoring_report
from leads.models import Campaign, Channel, Lead

__all__ = ["SCORING_GROUPINGS", "scoring_context"]


def scoring_context(
    group_by: str,
    *,
    leads: QuerySet[Lead] | None = None,
    channel: Channel | None = None,
    campaign: Campaign | None = None,
) -> dict[str, Any]:
    from leads.scoring.training import history_check

    if leads is None:
        leads = Lead.objects.all()
    if channel is not None:
        leads = leads.filter(channel=channel)
    if campaign is not None:
        leads = leads.filter(campaign=campaign)
    report = scoring_report(group_by=group_by, leads=leads)
    return {
        "scoring": report,
        "scoring_label": GROUPINGS[group_by],
        "scoring_reason": history_check() if report.model is None else "",
    }
