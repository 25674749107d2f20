from decimal import Decimal

from django.db.models import DecimalField, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.generics import get_object_or_404
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from deals import services
from deals.models import Deal
from leads.models import Lead
from org.models import Role
from org.permissions import acting_user, role_permission


def deal_queryset() -> QuerySet[Deal]:
    return Deal.objects.select_related("stage", "channel", "campaign", "lost_reason").annotate(
        paid_total=Coalesce(
            Sum("payments__amount"),
            Value(Decimal("0")),
            output_field=DecimalField(max_digits=14, decimal_places=2),
        )
    )


class DealSerializer(serializers.ModelSerializer):
    stage = serializers.SlugRelatedField(slug_field="code", read_only=True)
    channel = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    campaign = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    lost_reason = serializers.SlugRelatedField(slug_field="code", read_only=True)
    owner = serializers.PrimaryKeyRelatedField(read_only=True)
    lead = serializers.PrimaryKeyRelatedField(read_only=True)
    paid_total = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)

    class Meta:
        model = Deal
        fields = [
            "id",
            "lead",
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
            "segment",
            "created_at",
        ]
        read_only_fields = fields


class ConvertInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=Decimal("0"))


class LeadConvertView(APIView):
    """``POST /leads/<id>/convert/``: the lead's owner turns a qualified lead into a deal."""

    permission_classes = [IsAuthenticated, role_permission(Role.SALES, Role.MANAGEMENT)]

    @extend_schema(request=ConvertInputSerializer, responses={201: DealSerializer})
    def post(self, request: Request, pk: int) -> Response:
        lead = get_object_or_404(Lead.objects.filter(owner=acting_user(request)), pk=pk)
        data = ConvertInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        deal = services.deal_create_from_lead(
            lead=lead,
            by=acting_user(request),
            **data.validated_data,  # type: ignore[arg-type]
        )
        return Response(
            DealSerializer(deal_queryset().get(pk=deal.pk)).data, status=status.HTTP_201_CREATED
        )


class DealViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = DealSerializer

    def get_queryset(self) -> QuerySet[Deal]:
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Deal.objects.none()
        user = acting_user(self.request)
        deals = deal_queryset()
        if user.effective_role == Role.SALES:  # type: ignore[union-attr]
            return deals.filter(owner=user)
        return deals
