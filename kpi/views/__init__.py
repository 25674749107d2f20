"""Browser pages of the kpi app."""

from kpi.views.campaigns import my_campaigns
from kpi.views.reports import funnel, rejections, sla, speed

__all__ = ["funnel", "my_campaigns", "rejections", "sla", "speed"]
