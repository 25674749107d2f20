"""The kpi app's API: reports (read-only figures) and the joint bonus (periods, ratings,
statements)."""

from kpi.api.reports import FunnelReportView, RejectionReportView, SpeedToLeadReportView

__all__ = ["FunnelReportView", "RejectionReportView", "SpeedToLeadReportView"]
