from django.urls import path
from rest_framework.routers import SimpleRouter

from deals import api

router = SimpleRouter()
router.register("deals", api.DealViewSet, basename="deal")

urlpatterns = [
    path("leads/<int:pk>/convert/", api.LeadConvertView.as_view(), name="lead-convert"),
    *router.urls,
]
