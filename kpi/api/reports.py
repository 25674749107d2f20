"""Report endpoints: everyone logged in may read them (docs/api.md, Reports).

Each view validates the query once (``report_query``: 400 for an unknown grouping, a bad date,
``from`` after ``to`` or a range over ``REPORT_MAX_DAYS``) and returns what the report service
computed; the serializers here only describe the shape for the OpenAPI schema.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from kpi.reports import (
    GROUPINGS,
    funnel_report,
    rejection_report,
    report_query,
    speed_to_lead_report,
)
from kpi.reports.scoring import SCORING_GROUPINGS, scoring_group_by, scoring_report
from org.inputs import TypedSerializer

# --- Schema --------------------------------------------------------------------------------------


class FunnelRowSerializer(TypedSerializer):
    key = serializers.JSONField(
        help_text=_(
            "Channel, campaign or web form slug; the segment; the salesperson's user id. "
            "Null for leads without one (and in totals)."
        )
    )
    leads = serializers.IntegerField()
    contacted = serializers.IntegerField()
    qualified = serializers.IntegerField()
    disqualified = serializers.IntegerField()
    deals = serializers.IntegerField()
    won = serializers.IntegerField()
    revenue = serializers.DecimalField(max_digits=16, decimal_places=2)
    lead_to_deal_rate = serializers.FloatField(allow_null=True)
    median_first_response_seconds = serializers.FloatField(allow_null=True)
    sla_met_rate = serializers.FloatField(allow_null=True)
    label = serializers.CharField()  # type: ignore[assignment]
    sla_met = serializers.IntegerField()
    sla_missed = serializers.IntegerField()
    cost = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)
    cost_per_lead = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)
    cost_per_sale = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)
    roi = serializers.FloatField(allow_null=True)


class FunnelSerializer(TypedSerializer):
    rows = FunnelRowSerializer(many=True)
    totals = FunnelRowSerializer()


class ReasonCountSerializer(TypedSerializer):
    code = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    count = serializers.IntegerField()
    share = serializers.FloatField(allow_null=True)


class RejectionRowSerializer(TypedSerializer):
    key = serializers.JSONField()
    label = serializers.CharField()  # type: ignore[assignment]
    leads = serializers.IntegerField()
    disqualified = serializers.IntegerField()
    disqualified_rate = serializers.FloatField(allow_null=True)
    reasons = ReasonCountSerializer(many=True)


class RejectionSerializer(TypedSerializer):
    rows = RejectionRowSerializer(many=True)
    totals = RejectionRowSerializer()


class SpeedRowSerializer(TypedSerializer):
    bucket = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    leads = serializers.IntegerField()
    deals = serializers.IntegerField()
    won = serializers.IntegerField()
    conversion_rate = serializers.FloatField(allow_null=True)
    win_rate = serializers.FloatField(allow_null=True)


class SpeedSerializer(TypedSerializer):
    rows = SpeedRowSerializer(many=True)
    totals = SpeedRowSerializer()


PERIOD_PARAMETERS = [
    OpenApiParameter("channel", OpenApiTypes.STR, description=_("Only this channel (slug).")),
    OpenApiParameter("campaign", OpenApiTypes.STR, description=_("Only this campaign (slug).")),
    OpenApiParameter(
        "from",
        OpenApiTypes.DATE,
        description=_(
            "First day (YYYY-MM-DD, inclusive, in the configured time zone); "
            "default: 29 days before `to`."
        ),
    ),
    OpenApiParameter(
        "to", OpenApiTypes.DATE, description=_("Last day (inclusive); default: today.")
    ),
]
GROUP_BY_PARAMETER = OpenApiParameter(
    "group_by",
    OpenApiTypes.STR,
    enum=list(GROUPINGS),
    description=_("How leads are grouped (default: channel); `owner` is the salesperson."),
)
BAD_QUERY = OpenApiResponse(
    description=_("Unknown grouping, bad date, `from` after `to`, or a range over the maximum")
)


class ScoringTrendSerializer(TypedSerializer):
    week = serializers.DateField(help_text=_("The week's Monday."))
    leads = serializers.IntegerField(help_text=_("Scored leads that arrived that week."))
    mean_score = serializers.FloatField(allow_null=True)


class ScoringRowSerializer(TypedSerializer):
    key = serializers.CharField(
        allow_null=True, help_text=_("Channel, campaign or web form slug; null for none.")
    )
    label = serializers.CharField()  # type: ignore[assignment]
    open_leads = serializers.IntegerField()
    scored_leads = serializers.IntegerField()
    expected_deals = serializers.FloatField(help_text=_("The sum of the open leads' scores."))
    mean_score = serializers.FloatField(allow_null=True)
    trend = ScoringTrendSerializer(many=True)
    flagged = serializers.BooleanField(
        help_text=_("The campaign's new leads score poorly (flagged to its marketer).")
    )


class ScoringModelInfoSerializer(TypedSerializer):
    version = serializers.IntegerField()
    trained_at = serializers.DateTimeField()
    closed_leads = serializers.IntegerField()
    auc = serializers.FloatField(allow_null=True)


class ScoringReportSerializer(TypedSerializer):
    rows = ScoringRowSerializer(many=True)
    model = ScoringModelInfoSerializer(allow_null=True)


# --- Views ---------------------------------------------------------------------------------------


class FunnelReportView(APIView):
    """The closed-loop funnel of the leads created in the period, per group, with totals."""

    @extend_schema(
        parameters=[GROUP_BY_PARAMETER, *PERIOD_PARAMETERS],
        responses={200: FunnelSerializer, 400: BAD_QUERY},
    )
    def get(self, request: Request) -> Response:
        query = report_query(params=request.query_params)
        return Response(funnel_report(query=query).as_dict())


class RejectionReportView(APIView):
    """Disqualification reasons per group: count and share of the group's rejected leads."""

    @extend_schema(
        parameters=[GROUP_BY_PARAMETER, *PERIOD_PARAMETERS],
        responses={200: RejectionSerializer, 400: BAD_QUERY},
    )
    def get(self, request: Request) -> Response:
        query = report_query(params=request.query_params)
        return Response(rejection_report(query=query).as_dict())


class SpeedToLeadReportView(APIView):
    """Conversion to a deal by first-response time bucket (< 5 min … never)."""

    @extend_schema(parameters=PERIOD_PARAMETERS, responses={200: SpeedSerializer, 400: BAD_QUERY})
    def get(self, request: Request) -> Response:
        # The curve has no grouping: only the period and the narrowing apply.
        params = request.query_params.copy()
        params.pop("group_by", None)
        query = report_query(params=params)
        return Response(speed_to_lead_report(query=query).as_dict())


class ScoringReportView(APIView):
    """Lead scores of the open leads per channel, campaign or web form: expected deals (the
    sum of their scores), mean score, the weekly trend; and the model in use (null while none
    is trained)."""

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "group_by",
                OpenApiTypes.STR,
                enum=list(SCORING_GROUPINGS),
                description=_("How open leads are grouped (default: channel)."),
            )
        ],
        responses={200: ScoringReportSerializer, 400: BAD_QUERY},
    )
    def get(self, request: Request) -> Response:
        group_by = scoring_group_by(request.query_params)
        return Response(scoring_report(group_by=group_by).as_dict())
