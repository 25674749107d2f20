from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import APIView

from config.parsers import BoundedJSONParser
from config.rest import IntakeThrottle, LargeTablePagination
from leads import selectors, services
from leads.filters import LeadFilter
from leads.inputs import LeadInputSerializer
from leads.models import (
    Campaign,
    Channel,
    DisqualificationReason,
    Escalation,
    Lead,
    LeadDefinition,
    SlaPolicy,
    Touch,
    WebForm,
)
from leads.services.privacy import ERASE_REASON_MAX
from org.models import Role, User
from org.permissions import (
    IsDepartmentHead,
    IsManagement,
    IsMarketingOrManagement,
    IsSales,
    acting_user,
    role_permission,
)

# --- Reference data -------------------------------------------------------------------------


class ChannelSerializer(serializers.ModelSerializer):
    class Meta:
        model = Channel
        fields = ["name", "slug", "assignment", "is_active"]
        extra_kwargs = {"assignment": {"required": False}, "is_active": {"required": False}}


class CampaignSerializer(serializers.ModelSerializer):
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


class WebFormSerializer(serializers.ModelSerializer):
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


class ReasonSerializer(serializers.ModelSerializer):
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


# --- Leads -------------------------------------------------------------------------------------


class EscalationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Escalation
        fields = ["level", "at", "action"]


class LeadSerializer(serializers.ModelSerializer):
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
        ]
        read_only_fields = fields

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


def intake_response(result: services.IntakeResult) -> Response:
    data = LeadSerializer(result.lead).data
    data["duplicate"] = result.duplicate
    return Response(
        data, status=status.HTTP_200_OK if result.duplicate else status.HTTP_201_CREATED
    )


class AssignInputSerializer(serializers.Serializer):
    owner = serializers.IntegerField(min_value=1, max_value=2**31 - 1)


class TouchInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Touch.Kind.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")


class TouchSerializer(serializers.ModelSerializer):
    by = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = Touch
        fields = ["id", "kind", "note", "by", "at"]


class QualifyInputSerializer(serializers.Serializer):
    criteria = serializers.DictField(child=serializers.BooleanField(), allow_empty=True)


class DisqualifyInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=50)
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")


class EraseInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=ERASE_REASON_MAX)


class LeadBatchInputSerializer(serializers.Serializer):
    """The batch body: ``{"leads": [...]}``, 1 to 1000 items. Each item is checked on its own
    by ``LeadInputSerializer``; a bad item is reported, not a reason to refuse the batch."""

    leads = serializers.ListField(
        child=serializers.JSONField(allow_null=True), min_length=1, max_length=services.BATCH_SIZE
    )


class LeadBatchSchemaSerializer(serializers.Serializer):
    """The same body as the OpenAPI schema shows it (items shaped like ``POST /leads/``)."""

    leads = LeadInputSerializer(many=True)


class LeadBatchResultSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    status = serializers.ChoiceField(choices=["created", "duplicate", "invalid"])
    id = serializers.IntegerField(allow_null=True)
    errors = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()), allow_null=True
    )


class LeadBatchResponseSerializer(serializers.Serializer):
    results = LeadBatchResultSerializer(many=True)


def lead_batch_results(items: list[Any], *, source: str, by: Any) -> list[dict[str, Any]]:
    """Judge a batch's items: validate each alone, then take the valid ones through the bulk
    intake in one transaction; one result per item, in order."""
    context = {  # one query each for the whole batch, not one per item
        "channels": {c.slug: c for c in Channel.objects.filter(is_active=True)},
        "campaigns": {c.slug: c for c in Campaign.objects.all()},
    }
    # One serializer checks every item, as DRF's ListSerializer does with its child: its
    # fields are built once, not once per item (that deep copy was most of the validation).
    validator = LeadInputSerializer(context=context)
    results: list[dict[str, Any]] = []
    valid: list[tuple[int, services.LeadInput]] = []
    for index, item in enumerate(items):
        try:
            attrs = validator.run_validation(item)
        except serializers.ValidationError as exc:
            detail = as_serializer_error(exc)
            errors = {k: [str(m) for m in v] for k, v in detail.items()}
            results.append({"index": index, "status": "invalid", "id": None, "errors": errors})
            continue
        valid.append((index, services.LeadInput(**attrs)))
        results.append({"index": index, "status": "created", "id": None, "errors": None})
    if valid:
        outcomes = services.lead_intake_many(
            items=[data for _, data in valid], source=source, by=by
        )
        for (index, _data), outcome in zip(valid, outcomes, strict=True):
            results[index]["id"] = outcome.lead.pk
            results[index]["status"] = "duplicate" if outcome.duplicate else "created"
    return results


IsSalesOrOwnerRoles = role_permission(Role.SALES, Role.MANAGEMENT, Role.MARKETING)


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
        data = LeadInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = services.lead_intake(
            data=data.to_lead_input(),
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
        owner = User.objects.filter(pk=data.validated_data["owner"]).first()
        if owner is None:
            raise serializers.ValidationError({"owner": [_("Choose an active salesperson.")]})
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


class IntakeView(APIView):
    """Public web-to-lead endpoint: no login, no CSRF token; throttled per client address.

    The reply reveals nothing about existing leads: a new contact, a repeat of a known one
    (recorded on the open lead as through the API) and a honeypot hit (a filled-in
    ``website``: nothing stored) all answer ``201 {"received": true}``.
    """

    authentication_classes: list[type] = []
    permission_classes = [AllowAny]
    throttle_classes = [IntakeThrottle]
    # A plain HTML form on the company's site posts form-encoded data straight here.
    parser_classes = [BoundedJSONParser, FormParser, MultiPartParser]

    @extend_schema(
        request=LeadInputSerializer,
        responses={
            201: inline_serializer("IntakeReceived", {"received": serializers.BooleanField()})
        },
        auth=[],
    )
    def post(self, request: Request, form_slug: str) -> Response:
        form = get_object_or_404(
            WebForm.objects.select_related("channel", "campaign"), slug=form_slug, is_active=True
        )
        if not isinstance(request.data, dict):
            return Response(
                {"non_field_errors": [_("Expected a JSON object.")]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        if not str(request.data.get("website", "")).strip():  # else a bot: store nothing
            data = LeadInputSerializer(data=request.data, context={"form": form})
            data.is_valid(raise_exception=True)
            services.lead_intake(data=data.to_lead_input(), source=services.Source.FORM)
        return Response({"received": True}, status=status.HTTP_201_CREATED)


# --- Lead definition ------------------------------------------------------------------------


class CriterionSerializer(serializers.Serializer):
    code = serializers.SlugField(max_length=50)
    label = serializers.CharField(max_length=200)  # type: ignore[assignment]
    required = serializers.BooleanField(default=True)  # type: ignore[assignment]


class DefinitionSerializer(serializers.ModelSerializer):
    criteria = CriterionSerializer(many=True, read_only=True)
    approved_by = serializers.SerializerMethodField()

    class Meta:
        model = LeadDefinition
        fields = ["version", "status", "criteria", "approved_by", "created_at", "activated_at"]

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_approved_by(self, definition: LeadDefinition) -> list[int]:
        return [a.user_id for a in definition.approvals.all()]


class DefinitionProposeSerializer(serializers.Serializer):
    criteria = CriterionSerializer(many=True, allow_empty=False)


class LeadDefinitionView(APIView):
    @extend_schema(responses=DefinitionSerializer)
    def get(self, request: Request) -> Response:
        active = selectors.definition_list().filter(status=LeadDefinition.Status.ACTIVE).first()
        if active is None:
            return Response({"detail": _("No lead definition is active.")}, status=404)
        return Response(DefinitionSerializer(active).data)


class LeadDefinitionVersionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = DefinitionSerializer
    lookup_field = "version"
    lookup_value_regex = r"\d+"

    def get_queryset(self) -> QuerySet[LeadDefinition]:
        return selectors.definition_list()

    def get_permissions(self):  # type: ignore[no-untyped-def]
        if self.action in ("create", "approve"):
            return [IsAuthenticated(), IsDepartmentHead()]
        return [IsAuthenticated()]

    @extend_schema(request=DefinitionProposeSerializer, responses={201: DefinitionSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = DefinitionProposeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        definition = services.definition_propose(
            by=acting_user(request),
            criteria=data.validated_data["criteria"],  # type: ignore[arg-type]
        )
        fresh = self.get_queryset().get(pk=definition.pk)
        return Response(DefinitionSerializer(fresh).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=DefinitionSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, version: str | None = None) -> Response:
        definition = self.get_object()
        services.definition_approve(definition=definition, by=acting_user(request))
        fresh = self.get_queryset().get(pk=definition.pk)
        return Response(DefinitionSerializer(fresh).data)


# --- SLA policies --------------------------------------------------------------------------------


class SlaPolicySerializer(serializers.ModelSerializer):
    channel = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Channel.objects.all(),
        required=False,
        allow_null=True,
        default=None,
    )
    first_response_minutes = serializers.IntegerField(min_value=1, max_value=60 * 24 * 30)
    working_days = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=7), required=False
    )

    class Meta:
        model = SlaPolicy
        fields = [
            "id",
            "name",
            "first_response_minutes",
            "channel",
            "segment",
            "business_hours_start",
            "business_hours_end",
            "working_days",
            "timezone",
        ]
        # Scope uniqueness is checked by validate_policy (DRF's generated validator would
        # wrongly make "channel" required because of the conditional constraint).
        validators: list[Any] = []

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        from leads.services.policies import validate_policy

        merged = {**({} if self.instance is None else self._current()), **attrs}
        merged["id"] = getattr(self.instance, "pk", None)
        validate_policy(merged)
        return attrs

    def _current(self) -> dict[str, Any]:
        return {f: getattr(self.instance, f) for f in self.Meta.fields if f != "id"}


class SlaPolicyViewSet(viewsets.ModelViewSet):
    serializer_class = SlaPolicySerializer
    permission_classes = [IsAuthenticated, IsManagement]

    def get_queryset(self) -> QuerySet[SlaPolicy]:
        return selectors.sla_policy_list()
