from django.urls import path
from rest_framework.routers import SimpleRouter

from deals import api

router = SimpleRouter()
router.register("deals", api.DealViewSet, basename="deal")
router.register("deal-stages", api.DealStageViewSet, basename="deal-stage")
router.register("lost-reasons", api.LostReasonViewSet, basename="lost-reason")

urlpatterns = [
    path("leads/<int:pk>/convert/", api.LeadConvertView.as_view(), name="lead-convert"),
    *router.urls,
]
