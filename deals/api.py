"""Deals API: the pipeline to the money. Sales act only on their own deals (others are 404);
moves follow the responsibility matrix (a refused move is a 400 naming what is missing)."""

from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import get_object_or_404
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from deals import rules, selectors, services
from deals.filters import DealFilter
from deals.models import Deal, DealStage, LostReason, Payment, StageApproval, StageChange
from leads.models import Lead
from org.api import department_field
from org.inputs import (
    OwnerField,
    StoredDateField,
    TimestampField,
    TypedModelSerializer,
    TypedSerializer,
)
from org.models import Role, User
from org.permissions import IsSalesOrManagement, acting_user, role_permission

# --- Output ------------------------------------------------------------------------------------


class DealSerializer(TypedModelSerializer):
    stage = serializers.SlugRelatedField(slug_field="code", read_only=True)
    channel = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    campaign = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    form = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    lost_reason = serializers.SlugRelatedField(slug_field="code", read_only=True)
    owner = serializers.PrimaryKeyRelatedField(read_only=True)
    lead = serializers.PrimaryKeyRelatedField(read_only=True)
    previous_deal = serializers.PrimaryKeyRelatedField(read_only=True)
    paid_total = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)

    class Meta:
        model = Deal
        fields = [
            "id",
            "lead",
            "previous_deal",
            "customer",
            "title",
            "amount",
            "currency",
            "stage",
            "owner",
            "status",
            "lost_reason",
            "paid_total",
            "channel",
            "campaign",
            "form",
            "segment",
            "expected_close_on",
            "created_at",
            "stage_changed_at",
            "closed_at",
        ]
        read_only_fields = fields


class PaymentSerializer(TypedModelSerializer):
    recorded_by = serializers.PrimaryKeyRelatedField(read_only=True)
    voided_by = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = Payment
        fields = [
            "id",
            "deal",
            "amount",
            "paid_at",
            "recorded_by",
            "voided_at",
            "voided_by",
            "void_reason",
        ]
        read_only_fields = fields


class PaymentRecordedSerializer(PaymentSerializer):
    over_amount = serializers.SerializerMethodField(
        help_text=_("The deal's paid total now exceeds its amount")
    )

    class Meta(PaymentSerializer.Meta):
        fields = [*PaymentSerializer.Meta.fields, "over_amount"]
        read_only_fields = fields

    def get_over_amount(self, payment: Payment) -> bool:
        return bool(self.context["over_amount"])


class StageChangeSerializer(TypedModelSerializer):
    from_stage = serializers.SlugRelatedField(slug_field="code", read_only=True)
    to_stage = serializers.SlugRelatedField(slug_field="code", read_only=True)
    by = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = StageChange
        fields = ["from_stage", "to_stage", "by", "at"]
        read_only_fields = fields


class SignOffSerializer(TypedModelSerializer):
    stage = serializers.SlugRelatedField(slug_field="code", read_only=True)
    department = department_field("department", read_only=True)
    approved_by = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = StageApproval
        fields = ["id", "deal", "stage", "department", "approved_by", "approved_at", "note"]
        read_only_fields = fields


class MoveOptionSerializer(TypedSerializer):
    """Whether the caller may move the deal to ``stage`` now, and if not, what is missing."""

    stage = serializers.CharField(source="stage.code")
    allowed = serializers.BooleanField()
    forward = serializers.BooleanField()
    problems = serializers.ListField(child=serializers.CharField())
    allowed_departments = serializers.ListField(
        child=serializers.CharField(), allow_null=True, help_text=_("Set when the matrix limits")
    )
    missing_approvals = serializers.SerializerMethodField()

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_missing_approvals(self, check: rules.MoveCheck) -> list[str]:
        return [m.code for m in check.missing]


class DealDetailSerializer(DealSerializer):
    payments = PaymentSerializer(many=True, read_only=True)
    stage_history = StageChangeSerializer(source="stage_changes", many=True, read_only=True)
    sign_offs = SignOffSerializer(source="approvals", many=True, read_only=True)
    repeat_deals = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    moves = serializers.SerializerMethodField()

    class Meta(DealSerializer.Meta):
        fields = [
            *DealSerializer.Meta.fields,
            "payments",
            "stage_history",
            "sign_offs",
            "repeat_deals",
            "moves",
        ]
        read_only_fields = fields

    @extend_schema_field(MoveOptionSerializer(many=True))
    def get_moves(self, deal: Deal) -> list[dict[str, Any]]:
        user = self.context["user"]
        checks = rules.move_options(deal=deal, by=user, stages=self.context["stages"])
        return MoveOptionSerializer(checks, many=True).data  # type: ignore[return-value]


def detail_response(user: User, deal: Deal, code: int = status.HTTP_200_OK) -> Response:
    fresh = selectors.deal_detail(user=user).get(pk=deal.pk)
    context = {"user": user, "stages": selectors.pipeline()}
    return Response(DealDetailSerializer(fresh, context=context).data, status=code)


# --- Input -------------------------------------------------------------------------------------


class MoneyInput(TypedSerializer):
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=Decimal("0"))
    currency = serializers.RegexField(r"^[A-Z]{3}$", required=False, help_text="e.g. RUB")
    expected_close_on = StoredDateField(required=False, allow_null=True)


class ConvertInputSerializer(MoneyInput):
    title = serializers.CharField(max_length=200)


class RepeatSaleInputSerializer(MoneyInput):
    previous_deal = serializers.IntegerField(help_text=_("The won deal this sale follows"))
    title = serializers.CharField(max_length=200)
    owner = serializers.IntegerField(
        required=False, help_text=_("Management only; default: the earlier deal's owner")
    )


class DealUpdateInputSerializer(TypedSerializer):
    title = serializers.CharField(max_length=200, required=False)
    amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=Decimal("0"), required=False
    )
    currency = serializers.RegexField(r"^[A-Z]{3}$", required=False)
    expected_close_on = StoredDateField(required=False, allow_null=True)


class MoveInputSerializer(TypedSerializer):
    stage = serializers.CharField(max_length=50, help_text=_("A deal stage code"))


class CloseInputSerializer(TypedSerializer):
    outcome = serializers.ChoiceField(choices=[Deal.Status.WON, Deal.Status.LOST])
    reason = serializers.CharField(
        max_length=50, required=False, allow_null=True, allow_blank=True, default=None
    )


class PaymentInputSerializer(TypedSerializer):
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    paid_at = TimestampField(required=False)


class ReassignInputSerializer(TypedSerializer):
    owner = OwnerField()


class PaymentVoidInputSerializer(TypedSerializer):
    reason = serializers.CharField(max_length=2000)


class SignOffInputSerializer(TypedSerializer):
    stage = serializers.CharField(max_length=50)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class SignOffRequestInputSerializer(TypedSerializer):
    stage = serializers.CharField(
        max_length=50, required=False, help_text=_("Default: the deal's current stage")
    )


class SignOffRequestOutputSerializer(TypedSerializer):
    stage = serializers.CharField()
    asked = serializers.ListField(child=serializers.CharField())


REFUSED_MOVE = OpenApiResponse(
    description=_(
        'Refused: {"stage": [why], "allowed_departments"?: [department], '
        '"missing_approvals"?: ["<stage>:<department>"]}'
    )
)


# --- Views -------------------------------------------------------------------------------------


class LeadConvertView(APIView):
    """``POST /leads/<id>/convert/``: the lead's owner turns a qualified lead into a deal."""

    permission_classes = [IsAuthenticated, role_permission(Role.SALES, Role.MANAGEMENT)]

    @extend_schema(request=ConvertInputSerializer, responses={201: DealSerializer})
    def post(self, request: Request, pk: int) -> Response:
        user = acting_user(request)
        lead = get_object_or_404(Lead.objects.filter(owner=user), pk=pk)
        data = ConvertInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        deal = services.deal_create_from_lead(
            lead=lead,
            by=user,
            **data.validated_data,  # type: ignore[arg-type]
        )
        return Response(
            DealSerializer(selectors.deal_list(user=user).get(pk=deal.pk)).data,
            status=status.HTTP_201_CREATED,
        )


class DealViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Deals, scoped per role: sales see and act on their own; marketing and management see
    every deal. Money, edits and outcomes are for the owner and management; moves and
    sign-offs are for whoever the responsibility matrix names."""

    serializer_class = DealSerializer
    filterset_class = DealFilter

    def get_queryset(self) -> QuerySet[Deal]:
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Deal.objects.none()
        user = acting_user(self.request)
        if self.action == "retrieve":
            return selectors.deal_detail(user=user)
        if self.action not in ("list", "reassign") and user.effective_role == Role.SALES:
            # Sales act only on their own deals; a head's view of the team's is read-only.
            return selectors.deal_list(user=user).filter(owner=user)
        return selectors.deal_list(user=user)

    def get_permissions(self):  # type: ignore[no-untyped-def]
        if self.action in (
            "create",
            "partial_update",
            "close",
            "payments",
            "payment_void",
            "sign_off_requests",
        ):
            return [IsAuthenticated(), IsSalesOrManagement()]
        return [IsAuthenticated()]

    @extend_schema(responses=DealDetailSerializer)
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user = acting_user(request)
        context = {"user": user, "stages": selectors.pipeline()}
        return Response(DealDetailSerializer(self.get_object(), context=context).data)

    @extend_schema(
        request=RepeatSaleInputSerializer,
        responses={201: DealDetailSerializer},
        description=_(
            "A repeat sale to an existing customer: a new deal following a won deal, keeping "
            "its attribution (sales: their own customers; management: any)."
        ),
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user = acting_user(request)
        data = RepeatSaleInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)  # type: ignore[arg-type]
        previous = selectors.deal_scope(user=user).filter(pk=values.pop("previous_deal")).first()
        if previous is None:
            raise serializers.ValidationError({"previous_deal": [_("Unknown deal.")]})
        owner = None
        if "owner" in values:
            owner = User.objects.filter(pk=values.pop("owner"), is_active=True).first()
            if owner is None:
                raise serializers.ValidationError({"owner": [_("Unknown user.")]})
        deal = services.deal_create_repeat(previous=previous, by=user, owner=owner, **values)
        return detail_response(user, deal, status.HTTP_201_CREATED)

    @extend_schema(request=DealUpdateInputSerializer, responses={200: DealDetailSerializer})
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        deal = self.get_object()
        data = DealUpdateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = acting_user(request)
        deal = services.deal_update(deal=deal, by=user, **data.validated_data)  # type: ignore[arg-type]
        return detail_response(user, deal)

    @extend_schema(
        request=MoveInputSerializer, responses={200: DealDetailSerializer, 400: REFUSED_MOVE}
    )
    @action(detail=True, methods=["post"])
    def move(self, request: Request, pk: str | None = None) -> Response:
        deal = self.get_object()
        data = MoveInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = acting_user(request)
        deal = services.deal_move(deal=deal, stage=data.validated_data["stage"], by=user)  # type: ignore[index]
        return detail_response(user, deal)

    @extend_schema(request=CloseInputSerializer, responses={200: DealDetailSerializer})
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str | None = None) -> Response:
        deal = self.get_object()
        data = CloseInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = acting_user(request)
        deal = services.deal_close(deal=deal, by=user, **data.validated_data)  # type: ignore[arg-type]
        return detail_response(user, deal)

    @extend_schema(
        request=ReassignInputSerializer,
        responses={200: DealDetailSerializer},
        description=_("A head of sales or management hands an open deal to a salesperson."),
    )
    @action(detail=True, methods=["post"])
    def reassign(self, request: Request, pk: str | None = None) -> Response:
        user = acting_user(request)
        if not (user.is_manager or user.is_sales_head):
            raise PermissionDenied(_("Only a head of sales or management reassigns deals."))
        deal = self.get_object()
        data = ReassignInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        owner = data.validated_data["owner"]
        deal = services.deal_reassign(deal=deal, owner=owner, by=user)
        return detail_response(user, deal)

    @extend_schema(request=PaymentInputSerializer, responses={201: PaymentRecordedSerializer})
    @action(detail=True, methods=["post"])
    def payments(self, request: Request, pk: str | None = None) -> Response:
        """Record a payment. One that takes the paid total above the deal's amount is accepted
        and flagged ``over_amount`` (the deal page asks for a confirmation first)."""
        deal = self.get_object()
        data = PaymentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        payment = services.payment_record(
            deal=deal,
            by=acting_user(request),
            **data.validated_data,  # type: ignore[arg-type]
        )
        over = services.paid_total_of(deal) > deal.amount
        body = PaymentRecordedSerializer(payment, context={"over_amount": over}).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=PaymentVoidInputSerializer,
        responses={200: PaymentSerializer},
        description=_(
            "Void a payment entered by mistake (the deal's owner, management): it stays on "
            "record with who, when and why, and no longer counts in the paid total, revenue "
            "or KPIs. Voiding twice -> 409."
        ),
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"payments/(?P<payment_id>[0-9]{1,18})/void",
        url_name="payment-void",
    )
    def payment_void(
        self, request: Request, pk: str | None = None, payment_id: str | None = None
    ) -> Response:
        deal = self.get_object()
        payment = get_object_or_404(Payment.objects.filter(deal=deal), pk=payment_id)
        data = PaymentVoidInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            payment = services.payment_void(
                payment=payment, by=acting_user(request), reason=data.validated_data["reason"]
            )
        except services.PaymentAlreadyVoided as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        return Response(PaymentSerializer(payment).data)

    @extend_schema(request=SignOffInputSerializer, responses={201: SignOffSerializer})
    @action(detail=True, methods=["post"], url_path="sign-offs")
    def sign_offs(self, request: Request, pk: str | None = None) -> Response:
        """The caller's department signs off a stage of this deal, as a hand-off rule of the
        responsibility matrix requires."""
        deal = self.get_object()
        data = SignOffInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        approval = services.deal_sign_off(
            deal=deal,
            by=acting_user(request),
            **data.validated_data,  # type: ignore[arg-type]
        )
        return Response(SignOffSerializer(approval).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=SignOffRequestInputSerializer, responses={200: SignOffRequestOutputSerializer}
    )
    @action(detail=True, methods=["post"], url_path="sign-off-requests")
    def sign_off_requests(self, request: Request, pk: str | None = None) -> Response:
        """Ask the departments whose sign-off is missing (their heads are notified)."""
        deal = self.get_object()
        data = SignOffRequestInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        stage = data.validated_data.get("stage")  # type: ignore[union-attr]
        asked = services.deal_request_sign_off(deal=deal, by=acting_user(request), stage=stage)
        return Response({"stage": stage or deal.stage.code, "asked": asked})


class DealStageSerializer(TypedModelSerializer):
    funnel_stage = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = DealStage
        fields = ["code", "name", "order", "allows_moving_back", "funnel_stage"]


class DealStageViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The pipeline's active stages in order; everyone reads them, managers edit them in the
    admin."""

    serializer_class = DealStageSerializer

    def get_queryset(self) -> QuerySet[DealStage]:
        return selectors.stage_list().select_related("funnel_stage")


class LostReasonSerializer(TypedModelSerializer):
    class Meta:
        model = LostReason
        fields = ["code", "label"]


class LostReasonViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = LostReasonSerializer

    def get_queryset(self) -> QuerySet[LostReason]:
        return selectors.lost_reason_list()
