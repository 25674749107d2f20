"""The joint bonus API (API.md, "KPI and the joint bonus").

Everyone logged in reads periods and scorecards; management creates periods, computes and
approves statements; a sales head or management rates salespeople. Statements are scoped:
management sees every statement and line, anyone else approved statements only, with their
own line alone (a draft is 404 to them). Every write goes through ``kpi.services``.
"""

from decimal import Decimal
from typing import Any

import django_filters
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from kpi import selectors, services
from kpi.models import AttainmentStep, Period, Statement, StatementLine
from kpi.scorecard import scorecard
from org.inputs import TypedModelSerializer, TypedSerializer
from org.models import User
from org.permissions import IsManagement, acting_user

# --- Serializers -------------------------------------------------------------------------------


class StepSerializer(TypedModelSerializer):
    attainment = serializers.DecimalField(max_digits=9, decimal_places=4)
    multiplier = serializers.DecimalField(max_digits=9, decimal_places=4)

    class Meta:
        model = AttainmentStep
        fields = ["attainment", "multiplier"]


class WeightsSerializer(TypedSerializer):
    """How each department's pool is divided (README, "Joint KPIs and the bonus")."""

    revenue = serializers.DecimalField(
        max_digits=5, decimal_places=2, required=False, source="weight_revenue"
    )
    sla = serializers.DecimalField(
        max_digits=5, decimal_places=2, required=False, source="weight_sla"
    )
    hygiene = serializers.DecimalField(
        max_digits=5, decimal_places=2, required=False, source="weight_hygiene"
    )
    communication = serializers.DecimalField(
        max_digits=5, decimal_places=2, required=False, source="weight_communication"
    )
    objections = serializers.DecimalField(
        max_digits=5, decimal_places=2, required=False, source="weight_objections"
    )
    marketing_team = serializers.DecimalField(
        max_digits=5, decimal_places=2, required=False, source="weight_team"
    )
    marketing_deals = serializers.DecimalField(
        max_digits=5, decimal_places=2, required=False, source="weight_deals"
    )


class PeriodInputSerializer(TypedSerializer):
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    revenue_goal = serializers.DecimalField(max_digits=14, decimal_places=2)
    pool_percent = serializers.DecimalField(max_digits=5, decimal_places=2)
    marketing_share = serializers.DecimalField(max_digits=5, decimal_places=2)
    steps = StepSerializer(many=True, required=False)
    weights = WeightsSerializer(required=False)


class PeriodSerializer(TypedModelSerializer):
    steps = StepSerializer(many=True, read_only=True)
    weights = serializers.SerializerMethodField()
    revenue = serializers.SerializerMethodField()
    attainment = serializers.SerializerMethodField()

    class Meta:
        model = Period
        fields = [
            "id",
            "starts_on",
            "ends_on",
            "revenue_goal",
            "pool_percent",
            "marketing_share",
            "steps",
            "weights",
            "status",
            "revenue",
            "attainment",
            "closed_at",
        ]

    def _revenue(self, period: Period) -> Decimal:
        revenues = self.context.get("revenues")
        if revenues is None or period.pk not in revenues:
            revenues = selectors.period_revenues([period])
            self.context["revenues"] = {**(self.context.get("revenues") or {}), **revenues}
        return revenues[period.pk]

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_weights(self, period: Period) -> dict[str, str]:
        return {name: str(getattr(period, f)) for name, f in services.WEIGHT_NAMES.items()}

    def get_revenue(self, period: Period) -> str:
        return f"{self._revenue(period):.2f}"

    def get_attainment(self, period: Period) -> str | None:
        from kpi.bonus import attainment_of

        value = attainment_of(revenue=self._revenue(period), goal=period.revenue_goal)
        return None if value is None else str(value)


class MarketingKpiSerializer(TypedSerializer):
    leads = serializers.IntegerField()
    upheld_disputes = serializers.IntegerField()
    counted_leads = serializers.IntegerField()
    deals = serializers.IntegerField()
    lead_to_deal_rate = serializers.CharField(allow_null=True)


class SalesRowSerializer(TypedSerializer):
    user = serializers.IntegerField()
    revenue = serializers.CharField()
    sla_met_rate = serializers.CharField(allow_null=True)
    crm_hygiene = serializers.CharField(allow_null=True)
    communication = serializers.IntegerField(allow_null=True)
    objections = serializers.IntegerField(allow_null=True)


class ScorecardSerializer(TypedSerializer):
    marketing = MarketingKpiSerializer()
    sales = SalesRowSerializer(many=True)


class RatingInputSerializer(TypedSerializer):
    communication = serializers.IntegerField(min_value=0, max_value=100)
    objections = serializers.IntegerField(min_value=0, max_value=100)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class RatingSerializer(TypedSerializer):
    period = serializers.IntegerField(source="period_id")
    user = serializers.IntegerField(source="user_id")
    communication = serializers.IntegerField()
    objections = serializers.IntegerField()
    comment = serializers.CharField()
    rated_by = serializers.IntegerField(source="rated_by_id")
    rated_at = serializers.DateTimeField()


@extend_schema_field({"type": "string", "pattern": "^(marketing|sales)$"})
class BonusDepartmentField(serializers.CharField):
    """The department of a statement line: "marketing" or "sales". Described by a pattern,
    not an enum: an enum named "department" with other choices exists elsewhere."""


class LineSerializer(TypedModelSerializer):
    user = serializers.PrimaryKeyRelatedField(read_only=True)
    department = BonusDepartmentField(read_only=True)
    breakdown = serializers.JSONField()

    class Meta:
        model = StatementLine
        fields = ["user", "department", "amount", "breakdown"]


class StatementSerializer(TypedModelSerializer):
    period = serializers.PrimaryKeyRelatedField(read_only=True)
    lines = LineSerializer(many=True, read_only=True)
    attainment = serializers.DecimalField(max_digits=9, decimal_places=4, allow_null=True)

    class Meta:
        model = Statement
        fields = [
            "id",
            "period",
            "version",
            "status",
            "revenue",
            "attainment",
            "multiplier",
            "pool",
            "marketing_pool",
            "sales_pool",
            "created_at",
            "approved_at",
            "lines",
        ]


# --- Views -------------------------------------------------------------------------------------

CONFLICT = OpenApiResponse(description=_("The record's state forbids this"))


class PeriodViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """KPI periods: dates, the joint revenue goal and the bonus scheme; with revenue so far."""

    serializer_class = PeriodSerializer
    queryset = Period.objects.none()
    lookup_value_regex = "[0-9]{1,18}"

    def get_queryset(self) -> QuerySet[Period]:
        return selectors.period_list()

    def get_permissions(self):  # type: ignore[no-untyped-def]
        if self.action in ("create", "statements", "close"):
            return [IsAuthenticated(), IsManagement()]
        return [IsAuthenticated()]

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        periods = list(page) if page is not None else list(self.get_queryset())
        context = {**self.get_serializer_context(), "revenues": selectors.period_revenues(periods)}
        data = PeriodSerializer(periods, many=True, context=context).data
        return self.get_paginated_response(data)

    @extend_schema(
        request=PeriodInputSerializer,
        responses={201: PeriodSerializer, 400: OpenApiResponse(description=_("Bad scheme"))},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = PeriodInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        steps = values.get("steps")
        weights = {
            name: values["weights"][field]
            for name, field in services.WEIGHT_NAMES.items()
            if field in values.get("weights", {})
        }
        scheme = services.Scheme(
            starts_on=values["starts_on"],
            ends_on=values["ends_on"],
            revenue_goal=values["revenue_goal"],
            pool_percent=values["pool_percent"],
            marketing_share=values["marketing_share"],
            steps=tuple((s["attainment"], s["multiplier"]) for s in steps)
            if steps is not None
            else services.DEFAULT_STEPS,
            weights=weights,
        )
        period = services.period_create(scheme=scheme, by=acting_user(request))
        period = selectors.period_list().get(pk=period.pk)
        return Response(self.get_serializer(period).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: ScorecardSerializer})
    @action(detail=True, methods=["get"])
    def scorecard(self, request: Request, pk: str | None = None) -> Response:
        period = self.get_object()
        card = scorecard(period=period)
        return Response(card.as_dict())

    @extend_schema(
        request=RatingInputSerializer,
        responses={200: RatingSerializer, 400: OpenApiResponse(description=_("Bad rating"))},
    )
    @action(
        detail=True,
        methods=["put"],
        url_path=r"ratings/(?P<user_id>[0-9]{1,18})",
        url_name="rating",
    )
    def rating(
        self, request: Request, pk: str | None = None, user_id: str | None = None
    ) -> Response:
        by = acting_user(request)
        if not services.may_rate(by):
            raise PermissionDenied(_("Only a head of sales or management rates salespeople."))
        period = self.get_object()
        data = RatingInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rated = User.objects.filter(pk=int(user_id or 0)).first()
        rating = services.rating_set(
            period=period,
            user=rated,
            communication=data.validated_data["communication"],
            objections=data.validated_data["objections"],
            comment=data.validated_data.get("comment", ""),
            by=by,
        )
        return Response(RatingSerializer(rating).data)

    @extend_schema(
        request=None,
        responses={201: StatementSerializer, 400: OpenApiResponse(description=_("No members"))},
    )
    @action(detail=True, methods=["post"])
    def statements(self, request: Request, pk: str | None = None) -> Response:
        period = self.get_object()
        statement = services.statement_create(period=period, by=acting_user(request))
        statement = selectors.statement_list(user=acting_user(request)).get(pk=statement.pk)
        return Response(StatementSerializer(statement).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: PeriodSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str | None = None) -> Response:
        period = self.get_object()
        try:
            period = services.period_close(period=period, by=acting_user(request))
        except services.Conflict as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        return Response(self.get_serializer(selectors.period_list().get(pk=period.pk)).data)


class StatementFilter(django_filters.FilterSet):
    period = django_filters.NumberFilter(field_name="period_id")

    class Meta:
        model = Statement
        fields = ["period"]


class StatementViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Bonus statements. Management: every statement and line. Anyone else: approved
    statements only, with their own line alone."""

    serializer_class = StatementSerializer
    filterset_class = StatementFilter
    queryset = Statement.objects.none()
    lookup_value_regex = "[0-9]{1,18}"

    def get_queryset(self) -> QuerySet[Statement]:
        if getattr(self, "swagger_fake_view", False):
            return Statement.objects.none()
        return selectors.statement_list(user=acting_user(self.request))

    def get_permissions(self):  # type: ignore[no-untyped-def]
        if self.action == "approve":
            return [IsAuthenticated(), IsManagement()]
        return [IsAuthenticated()]

    @extend_schema(request=None, responses={200: StatementSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        statement = get_object_or_404(self.get_queryset(), pk=pk)
        try:
            services.statement_approve(statement=statement, by=acting_user(request))
        except services.Conflict as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        statement = self.get_queryset().get(pk=statement.pk)
        return Response(self.get_serializer(statement).data)
