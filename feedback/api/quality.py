"""Lead-quality feedback endpoints: give feedback on a lead, read it, its tags and roll-ups."""

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from feedback import selectors, services
from feedback.api.common import own_lead
from feedback.filters import LeadFeedbackFilter
from feedback.models import RATING_MAX, RATING_MIN, FeedbackTag, LeadFeedback
from feedback.rollups import GROUPS, LEAD_CREATED, QualityRow, quality_rollup
from org.inputs import TypedModelSerializer, TypedSerializer
from org.periods import Period
from org.permissions import IsManagement, IsMarketingOrManagement, IsSales, acting_user


class FeedbackTagSerializer(TypedModelSerializer):
    class Meta:
        model = FeedbackTag
        fields = ["code", "label", "is_positive"]


class FeedbackTagInputSerializer(TypedSerializer):
    code = serializers.SlugField(max_length=50)
    label = serializers.CharField(max_length=200)  # type: ignore[assignment]
    is_positive = serializers.BooleanField(required=False, default=False)


class LeadFeedbackSerializer(TypedModelSerializer):
    author = serializers.PrimaryKeyRelatedField(read_only=True)
    lead = serializers.PrimaryKeyRelatedField(read_only=True)
    tags = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    campaign = serializers.SlugRelatedField(
        source="lead.campaign", slug_field="slug", read_only=True
    )
    channel = serializers.SlugRelatedField(source="lead.channel", slug_field="slug", read_only=True)
    form = serializers.SlugRelatedField(source="lead.form", slug_field="slug", read_only=True)

    class Meta:
        model = LeadFeedback
        fields = [
            "id",
            "lead",
            "author",
            "rating",
            "tags",
            "comment",
            "campaign",
            "channel",
            "form",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class FeedbackInputSerializer(TypedSerializer):
    rating = serializers.IntegerField(
        min_value=RATING_MIN, max_value=RATING_MAX, help_text=_("1 (junk) to 5 (excellent)")
    )
    tags = serializers.ListField(
        child=serializers.CharField(max_length=50),
        required=False,
        default=list,
        max_length=30,
        help_text=_("Feedback tag codes (GET /api/v1/feedback-tags/)"),
    )
    comment = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")


class LeadFeedbackCreateView(APIView):
    """``POST /api/v1/leads/<id>/feedback/``: the lead's owner (sales) rates its quality.
    Always 201 with the feedback as it now stands: one opinion per lead and person, so a
    repeat from the same person replaces their earlier one (roll-ups never count it twice)."""

    permission_classes = [IsAuthenticated, IsSales]

    @extend_schema(
        request=FeedbackInputSerializer,
        responses={201: LeadFeedbackSerializer},
        tags=["feedback"],
    )
    def post(self, request: Request, pk: int) -> Response:
        user = acting_user(request)
        lead = own_lead(user, pk)  # someone else's lead is not found
        data = FeedbackInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        feedback, _created = services.lead_feedback_give(lead=lead, by=user, **data.validated_data)
        fresh = selectors.feedback_list(user=user).get(pk=feedback.pk)
        return Response(LeadFeedbackSerializer(fresh).data, status=status.HTTP_201_CREATED)


class LeadFeedbackViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Lead-quality feedback: marketing and management read all; sales what they gave."""

    serializer_class = LeadFeedbackSerializer
    filterset_class = LeadFeedbackFilter

    def get_queryset(self) -> QuerySet[LeadFeedback]:
        if getattr(self, "swagger_fake_view", False):
            return LeadFeedback.objects.none()
        return selectors.feedback_list(user=acting_user(self.request))


class FeedbackTagViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """The controlled list of reason tags: everyone reads, managers add."""

    serializer_class = FeedbackTagSerializer
    lookup_field = "code"

    def get_queryset(self) -> QuerySet[FeedbackTag]:
        return selectors.tag_list()

    def get_permissions(self):  # type: ignore[no-untyped-def]
        if self.action == "create":
            return [IsAuthenticated(), IsManagement()]
        return [IsAuthenticated()]

    @extend_schema(request=FeedbackTagInputSerializer, responses={201: FeedbackTagSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = FeedbackTagInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        tag = services.feedback_tag_create(by=acting_user(request), **data.validated_data)
        return Response(FeedbackTagSerializer(tag).data, status=status.HTTP_201_CREATED)


# --- Roll-ups ------------------------------------------------------------------------------------


class QualityWeekSerializer(TypedSerializer):
    week = serializers.DateField(help_text=_("Monday of the week the leads came in"))
    feedbacks = serializers.IntegerField()
    average_rating = serializers.FloatField(allow_null=True)


class QualityRowSerializer(TypedSerializer):
    key = serializers.CharField(help_text=_("slug; empty for leads without one"))
    label = serializers.CharField()  # type: ignore[assignment]
    feedbacks = serializers.IntegerField()
    leads = serializers.IntegerField()
    average_rating = serializers.FloatField(allow_null=True)
    ratings = serializers.DictField(
        child=serializers.IntegerField(), help_text=_('{"1": n, ..., "5": n}')
    )
    tags = serializers.DictField(child=serializers.IntegerField(), help_text=_("{code: n}"))
    weeks = QualityWeekSerializer(many=True)


class QualityRollupSerializer(TypedSerializer):
    group_by = serializers.CharField()
    rows = QualityRowSerializer(many=True)
    totals = QualityRowSerializer()


def _number(value: Any) -> float | None:
    return float(value) if value is not None else None


def row_data(row: QualityRow) -> dict[str, Any]:
    return {
        "key": row.key,
        "label": row.label,
        "feedbacks": row.feedbacks,
        "leads": row.leads,
        "average_rating": _number(row.average_rating),
        "ratings": {str(r): n for r, n in row.ratings.items()},
        "tags": dict(row.tag_list),
        "weeks": [
            {
                "week": week.start.isoformat(),
                "feedbacks": week.feedbacks,
                "average_rating": _number(week.average_rating),
            }
            for week in row.weeks
        ],
    }


class QualityRollupView(APIView):
    """Lead quality as sales rated it, per campaign, web form or channel: average rating,
    ratings spread, reason tags and the weekly trend. Marketing and management."""

    permission_classes = [IsAuthenticated, IsMarketingOrManagement]

    @extend_schema(
        parameters=[
            OpenApiParameter("group_by", str, enum=list(GROUPS), description="default campaign"),
            OpenApiParameter("from", OpenApiTypes.DATE, description=_("leads created from")),
            OpenApiParameter("to", OpenApiTypes.DATE, description=_("leads created up to")),
            OpenApiParameter(
                "mine", bool, description=_("only the campaigns the caller owns (marketers)")
            ),
            OpenApiParameter("campaign", str, description=_("one campaign's slug")),
        ],
        responses=QualityRollupSerializer,
        tags=["feedback"],
    )
    def get(self, request: Request) -> Response:
        user = acting_user(request)
        params = request.query_params
        period = Period.parse(params)
        feedback = LeadFeedback.objects.filter(period.q(LEAD_CREATED))
        if params.get("mine") in ("1", "true"):
            feedback = feedback.filter(lead__campaign__owner=user)
        elif params.get("mine") not in (None, "", "0", "false"):
            raise serializers.ValidationError({"mine": [_("true or false.")]})
        if params.get("campaign"):
            feedback = feedback.filter(lead__campaign__slug=params["campaign"])
        report = quality_rollup(feedback=feedback, group_by=params.get("group_by") or "campaign")
        return Response(
            {
                "group_by": report.group_by,
                "rows": [row_data(row) for row in report.rows],
                "totals": row_data(report.totals),
            }
        )
