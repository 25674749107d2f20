"""Reference data over the API: channels, campaigns, web forms (everyone reads; marketing and
management create) and the disqualification reasons."""

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from rest_framework import mixins, serializers, viewsets
from rest_framework.permissions import IsAuthenticated

from leads import selectors
from leads.models import Campaign, Channel, DisqualificationReason, WebForm
from org.inputs import TypedModelSerializer
from org.permissions import IsMarketingOrManagement


class ChannelSerializer(TypedModelSerializer):
    class Meta:
        model = Channel
        fields = ["name", "slug", "assignment", "is_active"]
        extra_kwargs = {"assignment": {"required": False}, "is_active": {"required": False}}


class CampaignSerializer(TypedModelSerializer):
    channel = serializers.SlugRelatedField(slug_field="slug", queryset=Channel.objects.all())
    owner = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = Campaign
        fields = ["name", "slug", "channel", "cost", "starts_on", "ends_on", "owner"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        starts, ends = attrs.get("starts_on"), attrs.get("ends_on")
        if starts and ends and ends < starts:
            raise serializers.ValidationError({"ends_on": [_("Ends before it starts.")]})
        if attrs.get("cost") is not None and attrs["cost"] < 0:
            raise serializers.ValidationError({"cost": [_("Cost cannot be negative.")]})
        return attrs


class WebFormSerializer(TypedModelSerializer):
    channel = serializers.SlugRelatedField(slug_field="slug", queryset=Channel.objects.all())
    campaign = serializers.SlugRelatedField(
        slug_field="slug", queryset=Campaign.objects.all(), required=False, allow_null=True
    )

    class Meta:
        model = WebForm
        fields = [
            "name",
            "slug",
            "channel",
            "campaign",
            "require_email",
            "require_phone",
            "require_consent",
            "consent_text",
            "assignment",
            "is_active",
        ]


class ReasonSerializer(TypedModelSerializer):
    class Meta:
        model = DisqualificationReason
        fields = ["code", "label"]


class ReferenceViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Reference data: everyone reads, marketing and management create (by slug)."""

    lookup_field = "slug"

    def get_permissions(self):  # type: ignore[no-untyped-def]
        if self.action == "create":
            return [IsAuthenticated(), IsMarketingOrManagement()]
        return [IsAuthenticated()]

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        if serializer.Meta.model is Campaign:  # type: ignore[attr-defined]
            serializer.save(owner=self.request.user)
        else:
            serializer.save()


class ChannelViewSet(ReferenceViewSet):
    serializer_class = ChannelSerializer

    def get_queryset(self) -> QuerySet[Channel]:
        return selectors.channel_list()


class CampaignViewSet(ReferenceViewSet):
    serializer_class = CampaignSerializer
    filterset_fields = ["channel__slug"]

    def get_queryset(self) -> QuerySet[Campaign]:
        return selectors.campaign_list()


class WebFormViewSet(ReferenceViewSet):
    serializer_class = WebFormSerializer

    def get_queryset(self) -> QuerySet[WebForm]:
        return selectors.webform_list()


class LeadReasonViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = ReasonSerializer

    def get_queryset(self) -> QuerySet[DisqualificationReason]:
        return selectors.reason_list()
