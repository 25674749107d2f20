"""Brief endpoints: sales and management order work from marketing and follow it through."""

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

from feedback import selectors, services
from feedback.api.common import IsMarketing
from feedback.filters import BriefFilter
from feedback.models import Brief, BriefEvent
from org.inputs import StoredDateField, TypedModelSerializer, TypedSerializer
from org.models import User
from org.permissions import IsSalesOrManagement, acting_user


class BriefEventSerializer(TypedModelSerializer):
    # Plain strings: the brief's ``status`` names the choice set once in the schema.
    from_status = serializers.CharField(read_only=True, help_text=_("A brief status, or empty"))
    to_status = serializers.CharField(read_only=True, help_text=_("A brief status"))
    by = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = BriefEvent
        fields = ["from_status", "to_status", "by", "at", "comment"]
        read_only_fields = fields


class BriefSerializer(TypedModelSerializer):
    requester = serializers.PrimaryKeyRelatedField(read_only=True)
    assignee = serializers.PrimaryKeyRelatedField(read_only=True)
    approved_by = serializers.PrimaryKeyRelatedField(read_only=True)
    warned_by = serializers.PrimaryKeyRelatedField(read_only=True)
    response_seconds = serializers.FloatField(
        read_only=True,
        allow_null=True,
        help_text=_("Marketing's response time: from approval to the start of work"),
    )
    overdue = serializers.SerializerMethodField()
    events = BriefEventSerializer(many=True, read_only=True)
    allowed_moves = serializers.SerializerMethodField(
        help_text=_("The statuses the caller may move the brief to now")
    )

    class Meta:
        model = Brief
        fields = [
            "id",
            "title",
            "goal",
            "requirements",
            "due_on",
            "requester",
            "status",
            "overdue",
            "marketing_warning",
            "warned_by",
            "warned_at",
            "risks",
            "approved_by",
            "approved_at",
            "assignee",
            "started_at",
            "delivered_at",
            "accepted_at",
            "response_seconds",
            "created_at",
            "events",
            "allowed_moves",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.BooleanField())
    def get_overdue(self, brief: Brief) -> bool:
        return brief.status in Brief.PENDING and brief.due_on < timezone.localdate()

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_allowed_moves(self, brief: Brief) -> list[str]:
        user = self.context.get("user")
        return services.next_statuses(brief, user) if user is not None else []


class BriefInputSerializer(TypedSerializer):
    title = serializers.CharField(max_length=200)
    goal = serializers.CharField(max_length=5000)
    requirements = serializers.CharField(
        required=False, allow_blank=True, max_length=20000, default=""
    )
    due_on = StoredDateField()


class TransitionInputSerializer(TypedSerializer):
    status = serializers.CharField(
        max_length=20, help_text=_("approved, in_progress, delivered, accepted or returned")
    )
    comment = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=5000,
        default="",
        help_text=_("Required when returning a delivery"),
    )
    risks = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=5000,
        default="",
        help_text=_("Required when approving a brief marketing warned about"),
    )


class WarnInputSerializer(TypedSerializer):
    warning = serializers.CharField(max_length=5000)


def brief_response(user: User, brief: Brief, code: int = status.HTTP_200_OK) -> Response:
    fresh = selectors.brief_detail(user=user).get(pk=brief.pk)
    return Response(BriefSerializer(fresh, context={"user": user}).data, status=code)


class BriefViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Briefs from sales or management to marketing. Marketing and management see all; sales
    the ones they asked for. Moves follow the workflow (a move it does not have is a 400; a
    move the caller may not make is a 403)."""

    serializer_class = BriefSerializer
    filterset_class = BriefFilter

    def get_queryset(self) -> QuerySet[Brief]:
        if getattr(self, "swagger_fake_view", False):
            return Brief.objects.none()
        return selectors.brief_detail(user=acting_user(self.request)).order_by("-created_at", "-pk")

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        if not getattr(self, "swagger_fake_view", False):
            context["user"] = acting_user(self.request)
        return context

    def get_permissions(self):  # type: ignore[no-untyped-def]
        if self.action == "create":
            return [IsAuthenticated(), IsSalesOrManagement()]
        if self.action == "warn":
            return [IsAuthenticated(), IsMarketing()]
        return [IsAuthenticated()]

    @extend_schema(request=BriefInputSerializer, responses={201: BriefSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = BriefInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = acting_user(request)
        brief = services.brief_create(by=user, **data.validated_data)
        return brief_response(user, brief, status.HTTP_201_CREATED)

    @extend_schema(request=TransitionInputSerializer, responses=BriefSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, pk: str | None = None) -> Response:
        brief = self.get_object()
        data = TransitionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = acting_user(request)
        values = data.validated_data
        services.brief_transition(
            brief=brief,
            by=user,
            to=values["status"],
            comment=values["comment"],
            risks=values["risks"],
        )
        return brief_response(user, brief)

    @extend_schema(request=WarnInputSerializer, responses=BriefSerializer)
    @action(detail=True, methods=["post"])
    def warn(self, request: Request, pk: str | None = None) -> Response:
        """Marketing warns about a draft's risks; the approving manager must answer them."""
        brief = self.get_object()
        data = WarnInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = acting_user(request)
        services.brief_warn(brief=brief, by=user, warning=data.validated_data["warning"])
        return brief_response(user, brief)
