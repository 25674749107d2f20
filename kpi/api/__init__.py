"""The kpi app's API: reports (read-only figures) and the joint bonus (periods, ratings,
statements)."""

from kpi.api.reports import (
    FunnelReportView,
    RejectionReportView,
    ScoringReportView,
    SpeedToLeadReportView,
)

__all__ = ["FunnelReportView", "RejectionReportView", "ScoringReportView", "SpeedToLeadReportView"]
