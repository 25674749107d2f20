from django.urls import path
from rest_framework.routers import SimpleRouter

from leads.api import definition, intake, lead, reference, sla

router = SimpleRouter()
router.register("channels", reference.ChannelViewSet, basename="channel")
router.register("campaigns", reference.CampaignViewSet, basename="campaign")
router.register("web-forms", reference.WebFormViewSet, basename="webform")
router.register("lead-reasons", reference.LeadReasonViewSet, basename="lead-reason")
router.register("leads", lead.LeadViewSet, basename="lead")
router.register(
    "lead-definition/versions",
    definition.LeadDefinitionVersionViewSet,
    basename="lead-definition-version",
)
router.register("sla-policies", sla.SlaPolicyViewSet, basename="sla-policy")

urlpatterns = [
    path("intake/<slug:form_slug>/", intake.IntakeView.as_view(), name="intake"),
    path("lead-definition/", definition.LeadDefinitionView.as_view(), name="lead-definition"),
    *router.urls,
]
