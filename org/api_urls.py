from django.urls import path
from rest_framework.routers import SimpleRouter

from org.api import (
    HandOffViewSet,
    LogoutView,
    MatrixStageViewSet,
    ReportingLineViewSet,
    TokenView,
    UserViewSet,
)

router = SimpleRouter()
router.register("users", UserViewSet, basename="user")
router.register("matrix/stages", MatrixStageViewSet, basename="matrix-stage")
router.register("matrix/handoffs", HandOffViewSet, basename="matrix-handoff")
router.register("matrix/reporting-lines", ReportingLineViewSet, basename="reporting-line")

urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="token"),
    path("auth/logout/", LogoutView.as_view(), name="logout"),
    *router.urls,
]
