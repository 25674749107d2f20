from django.urls import path

from kpi import api

urlpatterns = [
    path("reports/funnel/", api.FunnelReportView.as_view(), name="report-funnel"),
    path("reports/rejections/", api.RejectionReportView.as_view(), name="report-rejections"),
    path(
        "reports/speed-to-lead/", api.SpeedToLeadReportView.as_view(), name="report-speed-to-lead"
    ),
]
