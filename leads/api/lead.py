"""Leads over the API: the list and detail scoped per role, intake one at a time or in a batch,
the claim, assignment and the owner's actions (touch, qualify, disqualify), erasure."""

from functools import cache
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from config.rest import LargeTablePagination
from leads import selectors, services
from leads.api.intake import (
    LeadBatchInputSerializer,
    LeadBatchResponseSerializer,
    LeadBatchSchemaSerializer,
    lead_batch_results,
)
from leads.filters import LeadFilter
from leads.inputs import LeadInputSerializer, lead_input
from leads.models import Escalation, Lead, Touch
from leads.scoring.words import factor_rows
from leads.services.privacy import ERASE_REASON_MAX
from org.inputs import OwnerField, TypedModelSerializer, TypedSerializer
from org.permissions import IsManagement, IsMarketingOrManagement, IsSales, acting_user


class EscalationSerializer(TypedModelSerializer):
    class Meta:
        model = Escalation
        fields = ["level", "at", "action"]


class ScoreFactorSerializer(TypedSerializer):
    factor = serializers.CharField(help_text=_("In words, e.g. “channel Exhibitions”."))
    effect = serializers.FloatField(
        help_text=_("Its effect on the score's log-odds: positive raises it, negative lowers it.")
    )


class LeadSerializer(TypedModelSerializer):
    channel = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    campaign = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    form = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    owner = serializers.PrimaryKeyRelatedField(read_only=True)
    disqualification_reason = serializers.SlugRelatedField(slug_field="code", read_only=True)
    escalations = EscalationSerializer(many=True, read_only=True)
    qualification = serializers.DictField(child=serializers.BooleanField(), read_only=True)
    definition_version = serializers.IntegerField(
        source="definition.version", read_only=True, default=None
    )
    deal = serializers.SerializerMethodField()
    score = serializers.SerializerMethodField()
    score_factors = serializers.SerializerMethodField()

    class Meta:
        model = Lead
        fields = [
            "id",
            "name",
            "email",
            "phone",
            "company",
            "need",
            "segment",
            "region",
            "channel",
            "campaign",
            "form",
            "utm_source",
            "utm_medium",
            "utm_campaign",
            "utm_term",
            "utm_content",
            "status",
            "owner",
            "created_at",
            "assigned_at",
            "first_touch_at",
            "sla_deadline",
            "sla_breached",
            "escalations",
            "disqualification_reason",
            "qualification",
            "definition_version",
            "deal",
            "duplicate_requests",
            "score",
            "score_factors",
        ]
        read_only_fields = fields

    def to_representation(self, lead: Lead) -> dict[str, Any]:
        """The fields above, read straight off the lead: DRF's generic path (a ``get_attribute``
        and a ``to_representation`` per field, a nested serializer per escalation) cost 10 ms
        of a 50-row page, this ~1 ms. Each value is converted as its declared field converts
        it (the datetimes by the declared field itself); ``tests/leads/test_lead_serializer.py``
        compares this with DRF's path for leads in every state. A new field in ``Meta.fields``
        must be added here too: the test fails until it is."""
        when = self._when
        met_value = self.fields["qualification"].child.to_representation  # type: ignore[attr-defined]
        escalations = lead.escalations.all()
        channel, campaign, form = lead.channel, lead.campaign, lead.form
        reason, definition = lead.disqualification_reason, lead.definition
        return {
            "id": lead.pk,
            "name": lead.name,
            "email": lead.email,
            "phone": lead.phone,
            "company": lead.company,
            "need": lead.need,
            "segment": lead.segment,
            "region": lead.region,
            "channel": channel.slug if channel is not None else None,
            "campaign": campaign.slug if campaign is not None else None,
            "form": form.slug if form is not None else None,
            "utm_source": lead.utm_source,
            "utm_medium": lead.utm_medium,
            "utm_campaign": lead.utm_campaign,
            "utm_term": lead.utm_term,
            "utm_content": lead.utm_content,
            "status": lead.status,
            "owner": lead.owner_id,
            "created_at": when(lead.created_at),
            "assigned_at": when(lead.assigned_at),
            "first_touch_at": when(lead.first_touch_at),
            "sla_deadline": when(lead.sla_deadline),
            "sla_breached": bool(lead.sla_breached),
            "escalations": [
                {"level": e.level, "at": when(e.at), "action": e.action} for e in escalations
            ],
            "disqualification_reason": reason.code if reason is not None else None,
            "qualification": {
                str(key): None if met is None else met_value(met)
                for key, met in (lead.qualification or {}).items()
            },
            "definition_version": definition.version if definition is not None else None,
            "deal": self.get_deal(lead),
            "duplicate_requests": lead.duplicate_requests,
            "score": self.get_score(lead),
            "score_factors": self.get_score_factors(lead),
        }

    @property
    def _when(self) -> Any:
        """The declared ``created_at`` field's conversion (ISO 8601 in the current time zone,
        None for None), for every datetime of the lead."""
        field = self.fields["created_at"]
        return lambda value: None if value is None else field.to_representation(value)

    @extend_schema_field(
        serializers.FloatField(
            allow_null=True,
            help_text=_(
                "The estimated chance (0..1) that the lead reaches a deal, from the model "
                "trained on the company's closed leads; null while no model is trained."
            ),
        )
    )
    def get_score(self, lead: Lead) -> float | None:
        return float(lead.score) if lead.score is not None else None

    @extend_schema_field(ScoreFactorSerializer(many=True))
    def get_score_factors(self, lead: Lead) -> list[dict[str, Any]]:
        return factor_rows(lead)

    @extend_schema_field(OpenApiTypes.INT)
    def get_deal(self, lead: Lead) -> int | None:
        # The deals app owns the reverse one-to-one; the selectors join it.
        deal = getattr(lead, "deal", None)
        return deal.pk if deal is not None else None


class IntakeResponseSerializer(LeadSerializer):
    duplicate = serializers.BooleanField()

    class Meta(LeadSerializer.Meta):
        fields = [*LeadSerializer.Meta.fields, "duplicate"]
        read_only_fields = fields


@cache
def _lead_representation() -> LeadSerializer:
    """One ``LeadSerializer`` per process for the intake response. A ModelSerializer builds its
    fields per instance (copying the declared ones and introspecting the model for the
    rest), which cost a single POST more than writing the lead; ``to_representation`` keeps
    no state between calls, so the fields are built once."""
    return LeadSerializer()


def intake_response(result: services.IntakeResult) -> Response:
    data = _lead_representation().to_representation(result.lead)
    data["duplicate"] = result.duplicate
    return Response(
        data, status=status.HTTP_200_OK if result.duplicate else status.HTTP_201_CREATED
    )


class AssignInputSerializer(TypedSerializer):
    owner = OwnerField()


class TouchInputSerializer(TypedSerializer):
    kind = serializers.ChoiceField(choices=Touch.Kind.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")


class TouchSerializer(TypedModelSerializer):
    by = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = Touch
        fields = ["id", "kind", "note", "by", "at"]


class QualifyInputSerializer(TypedSerializer):
    criteria = serializers.DictField(child=serializers.BooleanField(), allow_empty=True)


class DisqualifyInputSerializer(TypedSerializer):
    reason = serializers.CharField(max_length=50)
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")


class EraseInputSerializer(TypedSerializer):
    reason = serializers.CharField(max_length=ERASE_REASON_MAX)


class LeadViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Leads, scoped per role: management and marketing see all, sales the queue and their own.
    Acting on a lead (touch, qualify, disqualify) is for its owner; others get 404."""

    serializer_class = LeadSerializer
    filterset_class = LeadFilter
    pagination_class = LargeTablePagination  # a million leads: no COUNT(*), ids first

    def get_queryset(self) -> QuerySet[Lead]:
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Lead.objects.none()
        user = acting_user(self.request)
        if self.action == "retrieve":
            return selectors.lead_detail(user=user)  # type: ignore[arg-type]
        if self.action in ("touches", "qualify", "disqualify"):
            # Only the owner acts on a lead; anyone else is told it does not exist.
            return selectors.lead_scope(user=user).filter(owner=user)  # type: ignore[arg-type,misc]
        return selectors.lead_list(user=user)  # type: ignore[arg-type]

    def get_permissions(self):  # type: ignore[no-untyped-def]
        if self.action in ("create", "batch"):
            return [IsAuthenticated(), IsMarketingOrManagement()]
        if self.action == "claim":
            return [IsAuthenticated(), IsSales()]
        if self.action in ("erase", "personal_data"):
            return [IsAuthenticated(), IsManagement()]
        return [IsAuthenticated()]

    @extend_schema(
        request=LeadInputSerializer,
        responses={
            201: IntakeResponseSerializer,
            200: OpenApiResponse(
                IntakeResponseSerializer,
                _("An open lead for this contact exists; the request was recorded on it"),
            ),
        },
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        result = services.lead_intake(
            data=lead_input(request.data),
            source=services.Source.API,
            by=acting_user(request),
        )
        return intake_response(result)

    @extend_schema(
        request=LeadBatchSchemaSerializer,
        responses={200: LeadBatchResponseSerializer},
        description=_(
            "Up to 1000 leads in one request, each judged as POST /leads/ would judge it alone, "
            "in order; one result per item."
        ),
    )
    @action(detail=False, methods=["post"], url_path="batch")
    def batch(self, request: Request) -> Response:
        body = LeadBatchInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        results = lead_batch_results(
            body.validated_data["leads"], source=services.Source.API, by=acting_user(request)
        )
        return Response({"results": results})

    @extend_schema(
        request=None,
        responses={200: LeadSerializer, 204: OpenApiResponse(description=_("The queue is empty"))},
    )
    @action(detail=False, methods=["post"])
    def claim(self, request: Request) -> Response:
        try:
            lead = services.lead_claim_next(user=acting_user(request))
        except services.CapacityReached as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        if lead is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        lead = selectors.lead_list(user=acting_user(request)).get(pk=lead.pk)
        return Response(LeadSerializer(lead).data)

    @extend_schema(
        request=AssignInputSerializer,
        responses={200: LeadSerializer},
        description=_(
            "A head of sales or management gives the lead to an active salesperson (status "
            "assigned; a new SLA clock only if it was waiting in the queue)."
        ),
    )
    @action(detail=True, methods=["post"])
    def assign(self, request: Request, pk: str | None = None) -> Response:
        user = acting_user(request)
        if not (user.is_manager or user.is_sales_head):
            raise PermissionDenied(_("Only a head of sales or management assigns leads."))
        lead = self.get_object()
        data = AssignInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        owner = data.validated_data["owner"]
        lead = services.lead_assign(lead=lead, owner=owner, by=user)
        return Response(LeadSerializer(selectors.lead_list(user=user).get(pk=lead.pk)).data)

    @extend_schema(request=TouchInputSerializer, responses={201: TouchSerializer})
    @action(detail=True, methods=["post"])
    def touches(self, request: Request, pk: str | None = None) -> Response:
        lead = self.get_object()
        data = TouchInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        touch = services.lead_touch(lead=lead, by=acting_user(request), **data.validated_data)
        return Response(TouchSerializer(touch).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=QualifyInputSerializer,
        responses={
            200: LeadSerializer,
            400: OpenApiResponse(description=_('{"unmet": ["<criterion code>", ...]}')),
        },
    )
    @action(detail=True, methods=["post"])
    def qualify(self, request: Request, pk: str | None = None) -> Response:
        lead = self.get_object()
        data = QualifyInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            lead = services.lead_qualify(
                lead=lead,
                by=acting_user(request),
                criteria=data.validated_data["criteria"],  # type: ignore[arg-type]
            )
        except services.UnmetCriteria as exc:
            return Response(
                {"unmet": exc.unmet, "detail": exc.messages[0]}, status=status.HTTP_400_BAD_REQUEST
            )
        return self._lead_response(lead)

    @extend_schema(request=DisqualifyInputSerializer, responses={200: LeadSerializer})
    @action(detail=True, methods=["post"])
    def disqualify(self, request: Request, pk: str | None = None) -> Response:
        lead = self.get_object()
        data = DisqualifyInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        lead = services.lead_disqualify(lead=lead, by=acting_user(request), **data.validated_data)
        return self._lead_response(lead)

    @extend_schema(
        request=EraseInputSerializer,
        responses={200: LeadSerializer},
        description=_(
            "Erase the person's data for good (152-FZ, GDPR): contact fields, touch notes, "
            "feedback comments and the same fields in the history; statuses, dates, "
            "attribution, the deal and money stay. Audited without the data."
        ),
    )
    @action(detail=True, methods=["post"])
    def erase(self, request: Request, pk: str | None = None) -> Response:
        lead = self.get_object()
        data = EraseInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.lead_erase(lead=lead, by=acting_user(request), **data.validated_data)
        return self._lead_response(lead)

    @extend_schema(
        responses={200: OpenApiTypes.OBJECT},
        description=_("Everything held about the lead's person, for a subject-access request."),
    )
    @action(detail=True, methods=["get"], url_path="personal-data")
    def personal_data(self, request: Request, pk: str | None = None) -> Response:
        lead = self.get_object()
        return Response(services.lead_personal_data(lead=lead))

    def _lead_response(self, lead: Lead) -> Response:
        fresh = selectors.lead_detail(user=acting_user(self.request)).get(pk=lead.pk)
        return Response(LeadSerializer(fresh).data)
