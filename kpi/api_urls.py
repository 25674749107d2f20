from django.urls import path
from rest_framework.routers import SimpleRouter

from kpi import api
from kpi.api import bonus

router = SimpleRouter()
router.register("kpi/periods", bonus.PeriodViewSet, basename="kpi-period")
router.register("kpi/statements", bonus.StatementViewSet, basename="kpi-statement")

urlpatterns = [
    path("reports/funnel/", api.FunnelReportView.as_view(), name="report-funnel"),
    path("reports/rejections/", api.RejectionReportView.as_view(), name="report-rejections"),
    path(
        "reports/speed-to-lead/", api.SpeedToLeadReportView.as_view(), name="report-speed-to-lead"
    ),
    path("reports/scoring/", api.ScoringReportView.as_view(), name="report-scoring"),
    *router.urls,
]
