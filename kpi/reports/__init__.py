"""Closed-loop analytics: funnel, rejection reasons, SLA and speed-to-lead reports.

Reads only, computed in the database with grouped aggregates; see each module's docstring
for the exact definitions of the figures.
"""

from kpi.reports.breakdowns import (
    BUCKETS,
    RejectionReport,
    SpeedReport,
    rejection_report,
    speed_to_lead_report,
)
from kpi.reports.funnel import FunnelReport, FunnelRow, funnel_report
from kpi.reports.query import GROUPINGS, ReportQuery, report_period, report_query

__all__ = [
    "BUCKETS",
    "GROUPINGS",
    "FunnelReport",
    "FunnelRow",
    "RejectionReport",
    "ReportQuery",
    "SpeedReport",
    "funnel_report",
    "rejection_report",
    "report_period",
    "report_query",
    "speed_to_lead_report",
]
