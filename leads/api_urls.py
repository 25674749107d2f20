from django.urls import path
from rest_framework.routers import SimpleRouter

from leads import api

router = SimpleRouter()
router.register("channels", api.ChannelViewSet, basename="channel")
router.register("campaigns", api.CampaignViewSet, basename="campaign")
router.register("web-forms", api.WebFormViewSet, basename="webform")
router.register("lead-reasons", api.LeadReasonViewSet, basename="lead-reason")
router.register("leads", api.LeadViewSet, basename="lead")
router.register(
    "lead-definition/versions", api.LeadDefinitionVersionViewSet, basename="lead-definition-version"
)
router.register("sla-policies", api.SlaPolicyViewSet, basename="sla-policy")

urlpatterns = [
    path("intake/<slug:form_slug>/", api.IntakeView.as_view(), name="intake"),
    path("lead-definition/", api.LeadDefinitionView.as_view(), name="lead-definition"),
    *router.urls,
]
