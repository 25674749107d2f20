"""Weekly review endpoints: meetings, their decisions (action items) and the agenda."""

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from deals.models import Deal
from feedback import selectors, services
from feedback.api.briefs import BriefSerializer
from feedback.api.common import ids_to_objects
from feedback.api.disputes import DisputeSerializer
from feedback.filters import ActionItemFilter
from feedback.models import ActionItem, Objection, ReviewMeeting
from org.inputs import StoredDateField, TypedModelSerializer, TypedSerializer, id_field
from org.models import User
from org.permissions import acting_user


class ActionItemSerializer(TypedModelSerializer):
    owner = serializers.PrimaryKeyRelatedField(read_only=True)
    done = serializers.BooleanField(source="is_done", read_only=True)

    class Meta:
        model = ActionItem
        fields = ["id", "meeting", "text", "owner", "due_on", "done", "done_at", "created_at"]
        read_only_fields = fields


class ReviewMeetingSerializer(TypedModelSerializer):
    participants = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    deals = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    objections = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    action_items = ActionItemSerializer(many=True, read_only=True)
    created_by = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = ReviewMeeting
        fields = [
            "id",
            "held_on",
            "title",
            "notes",
            "participants",
            "deals",
            "objections",
            "action_items",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields


class ActionItemInputSerializer(TypedSerializer):
    text = serializers.CharField(max_length=500)
    owner = id_field(help_text=_("User id"))
    due_on = StoredDateField()


class MeetingInputSerializer(TypedSerializer):
    held_on = StoredDateField()
    title = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    notes = serializers.CharField(required=False, allow_blank=True, max_length=20000, default="")
    participants = serializers.ListField(child=id_field(), max_length=100, help_text=_("User ids"))
    deals = serializers.ListField(child=id_field(), required=False, default=list, max_length=200)
    objections = serializers.ListField(
        child=id_field(), required=False, default=list, max_length=200
    )
    action_items = ActionItemInputSerializer(many=True, required=False, default=list)


class DoneInputSerializer(TypedSerializer):
    done = serializers.BooleanField(required=False, default=True)


def _users(ids: list[int], field: str) -> list[User]:
    return ids_to_objects(User, ids, field=field, queryset=User.objects.filter(is_active=True))


def _meeting_response(meeting: ReviewMeeting, code: int = status.HTTP_200_OK) -> Response:
    fresh = selectors.meeting_detail().get(pk=meeting.pk)
    return Response(ReviewMeetingSerializer(fresh).data, status=code)


class AgendaDealSerializer(TypedModelSerializer):
    stage = serializers.SlugRelatedField(slug_field="code", read_only=True)
    lost_reason = serializers.SlugRelatedField(slug_field="code", read_only=True)
    owner = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = Deal
        fields = ["id", "title", "stage", "owner", "status", "stage_changed_at", "lost_reason"]
        read_only_fields = fields


AgendaSerializer = inline_serializer(
    "ReviewAgenda",
    {
        "stuck_deals": AgendaDealSerializer(many=True),
        "lost_deals": AgendaDealSerializer(many=True),
        "open_disputes": DisputeSerializer(many=True),
        "overdue_briefs": BriefSerializer(many=True),
        "open_items": ActionItemSerializer(many=True),
    },
)


class ReviewMeetingViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Joint review meetings, newest first. Everyone reads them; managers and department
    heads record them."""

    serializer_class = ReviewMeetingSerializer

    def get_queryset(self) -> QuerySet[ReviewMeeting]:
        return selectors.meeting_detail().order_by("-held_on", "-pk")

    def _ensure_may_run(self) -> None:
        if not services.may_run_reviews(acting_user(self.request)):
            raise PermissionDenied(_("Managers and department heads record review meetings."))

    @extend_schema(request=MeetingInputSerializer, responses={201: ReviewMeetingSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        self._ensure_may_run()
        data = MeetingInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        owners = {
            u.pk: u
            for u in _users([item["owner"] for item in values["action_items"]], "action_items")
        }
        meeting = services.review_meeting_create(
            by=acting_user(request),
            held_on=values["held_on"],
            title=values["title"],
            notes=values["notes"],
            participants=_users(values["participants"], "participants"),
            deals=ids_to_objects(Deal, values["deals"], field="deals"),
            objections=ids_to_objects(Objection, values["objections"], field="objections"),
            action_items=[
                {"text": item["text"], "owner": owners[item["owner"]], "due_on": item["due_on"]}
                for item in values["action_items"]
            ],
        )
        return _meeting_response(meeting, status.HTTP_201_CREATED)

    @extend_schema(request=ActionItemInputSerializer, responses={201: ActionItemSerializer})
    @action(detail=True, methods=["post"], url_path="action-items")
    def action_items(self, request: Request, pk: str | None = None) -> Response:
        """Add a decision to a meeting (managers and department heads)."""
        self._ensure_may_run()
        meeting = self.get_object()
        data = ActionItemInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        item = services.action_item_add(
            meeting=meeting,
            by=acting_user(request),
            text=values["text"],
            owner=_users([values["owner"]], "owner")[0],
            due_on=values["due_on"],
        )
        return Response(ActionItemSerializer(item).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=AgendaSerializer)
    @action(detail=False, methods=["get"])
    def agenda(self, request: Request) -> Response:
        """What the next review should cover, proposed from the data: deals stuck longest,
        deals lost in the last 7 days, undecided disputes, overdue briefs, open decisions."""
        agenda = selectors.agenda()
        return Response(
            {
                "stuck_deals": AgendaDealSerializer(agenda.stuck_deals, many=True).data,
                "lost_deals": AgendaDealSerializer(agenda.lost_deals, many=True).data,
                "open_disputes": DisputeSerializer(agenda.open_disputes, many=True).data,
                "overdue_briefs": BriefSerializer(
                    agenda.overdue_briefs, many=True, context={"user": acting_user(request)}
                ).data,
                "open_items": ActionItemSerializer(agenda.open_items, many=True).data,
            }
        )


class ActionItemViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Decisions of review meetings, soonest due first. Their owner (or a manager) marks
    them done."""

    serializer_class = ActionItemSerializer
    filterset_class = ActionItemFilter

    def get_queryset(self) -> QuerySet[ActionItem]:
        return selectors.action_item_list()

    @extend_schema(request=DoneInputSerializer, responses=ActionItemSerializer)
    @action(detail=True, methods=["post"])
    def done(self, request: Request, pk: str | None = None) -> Response:
        item = self.get_object()
        data = DoneInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        item = services.action_item_set_done(
            item=item, by=acting_user(request), done=data.validated_data["done"]
        )
        return Response(ActionItemSerializer(item).data)
