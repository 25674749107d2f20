"""Dispute endpoints: sales raise one on a lead, marketing answers, a manager decides."""

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from feedback import selectors, services
from feedback.api.common import IsMarketing, own_lead
from feedback.filters import DisputeFilter
from feedback.models import Dispute
from feedback.services.disputes import DECISIONS, RESPONSES
from org.inputs import TypedModelSerializer, TypedSerializer
from org.permissions import IsManagement, IsSales, acting_user


class DisputeSerializer(TypedModelSerializer):
    lead = serializers.PrimaryKeyRelatedField(read_only=True)
    campaign = serializers.SlugRelatedField(
        source="lead.campaign", slug_field="slug", read_only=True
    )
    channel = serializers.SlugRelatedField(source="lead.channel", slug_field="slug", read_only=True)
    definition_version = serializers.IntegerField(source="definition.version", read_only=True)
    unmet_criteria = serializers.ListField(child=serializers.CharField(), read_only=True)
    raised_by = serializers.PrimaryKeyRelatedField(read_only=True)
    responded_by = serializers.PrimaryKeyRelatedField(read_only=True)
    decided_by = serializers.PrimaryKeyRelatedField(read_only=True)
    age_seconds = serializers.SerializerMethodField(
        help_text=_("How long an undecided dispute has waited; null once decided")
    )

    class Meta:
        model = Dispute
        fields = [
            "id",
            "lead",
            "campaign",
            "channel",
            "status",
            "definition_version",
            "unmet_criteria",
            "comment",
            "raised_by",
            "created_at",
            "age_seconds",
            "response_comment",
            "responded_by",
            "responded_at",
            "decision_reason",
            "decided_by",
            "decided_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_age_seconds(self, dispute: Dispute) -> int | None:
        if dispute.is_decided:
            return None
        return int((timezone.now() - dispute.created_at).total_seconds())


class DisputeRaiseSerializer(TypedSerializer):
    unmet_criteria = serializers.ListField(
        child=serializers.CharField(max_length=50),
        max_length=50,
        help_text=_("Codes of the lead definition's criteria the lead does not meet"),
    )
    comment = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")


class DisputeRespondSerializer(TypedSerializer):
    answer = serializers.ChoiceField(choices=list(RESPONSES))
    comment = serializers.CharField(max_length=5000)


class DisputeDecideSerializer(TypedSerializer):
    decision = serializers.ChoiceField(choices=list(DECISIONS))
    reason = serializers.CharField(max_length=5000)


def dispute_response(user: Any, dispute: Dispute, code: int = status.HTTP_200_OK) -> Response:
    fresh = selectors.dispute_list(user=user).get(pk=dispute.pk)
    return Response(DisputeSerializer(fresh).data, status=code)


class LeadDisputeView(APIView):
    """``POST /api/v1/leads/<id>/dispute/``: the lead's owner says it is not a lead by the
    agreed definition, naming the unmet criteria. Once per lead."""

    permission_classes = [IsAuthenticated, IsSales]

    @extend_schema(
        request=DisputeRaiseSerializer, responses={201: DisputeSerializer}, tags=["feedback"]
    )
    def post(self, request: Request, pk: int) -> Response:
        user = acting_user(request)
        lead = own_lead(user, pk)
        data = DisputeRaiseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        dispute = services.dispute_raise(lead=lead, by=user, **data.validated_data)
        return dispute_response(user, dispute, status.HTTP_201_CREATED)


class DisputeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Disputes, oldest first. Marketing and management see all; sales the ones they raised.
    The campaign's marketer (or a head of marketing) answers; a manager decides."""

    serializer_class = DisputeSerializer
    filterset_class = DisputeFilter

    def get_queryset(self) -> QuerySet[Dispute]:
        if getattr(self, "swagger_fake_view", False):
            return Dispute.objects.none()
        return selectors.dispute_list(user=acting_user(self.request)).order_by("created_at", "pk")

    def get_permissions(self):  # type: ignore[no-untyped-def]
        if self.action == "respond":
            return [IsAuthenticated(), IsMarketing()]
        if self.action == "decide":
            return [IsAuthenticated(), IsManagement()]
        return [IsAuthenticated()]

    @extend_schema(request=DisputeRespondSerializer, responses=DisputeSerializer)
    @action(detail=True, methods=["post"])
    def respond(self, request: Request, pk: str | None = None) -> Response:
        dispute = self.get_object()
        data = DisputeRespondSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = acting_user(request)
        services.dispute_respond(dispute=dispute, by=user, **data.validated_data)
        return dispute_response(user, dispute)

    @extend_schema(request=DisputeDecideSerializer, responses=DisputeSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request: Request, pk: str | None = None) -> Response:
        dispute = self.get_object()
        data = DisputeDecideSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = acting_user(request)
        services.dispute_decide(dispute=dispute, by=user, **data.validated_data)
        return dispute_response(user, dispute)
