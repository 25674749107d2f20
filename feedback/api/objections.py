"""Objection library endpoints: objections, where they were heard, answers and votes."""

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from config.parsers import BoundedJSONParser
from feedback import selectors, services
from feedback.api.common import AnyDepartment, own_deal, own_lead, own_touch
from feedback.filters import ObjectionFilter
from feedback.models import Objection, ObjectionAnswer, ObjectionHeard
from org.inputs import TimestampField, TypedModelSerializer, TypedSerializer, id_field
from org.permissions import IsMarketingOrManagement, IsSales, IsSalesOrManagement, acting_user


class AnswerSerializer(TypedModelSerializer):
    author = serializers.PrimaryKeyRelatedField(read_only=True)
    file = serializers.FileField(read_only=True, use_url=True)
    helpful = serializers.IntegerField(read_only=True, help_text=_("Votes from sales"))

    class Meta:
        model = ObjectionAnswer
        fields = ["id", "objection", "text", "link", "file", "author", "created_at", "helpful"]
        read_only_fields = fields


class ObjectionSerializer(TypedModelSerializer):
    created_by = serializers.PrimaryKeyRelatedField(read_only=True)
    heard = serializers.IntegerField(read_only=True, help_text=_("Times heard, all time"))
    heard_recently = serializers.IntegerField(
        read_only=True, help_text=_("Times heard in the last 30 days")
    )
    answer_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Objection
        fields = [
            "id",
            "text",
            "category",
            "heard",
            "heard_recently",
            "answer_count",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields


class ObjectionDetailSerializer(ObjectionSerializer):
    answers = serializers.SerializerMethodField(help_text=_("Best first"))
    frequency = serializers.SerializerMethodField(help_text=_("Times heard per week, 12 weeks"))

    class Meta(ObjectionSerializer.Meta):
        fields = [*ObjectionSerializer.Meta.fields, "answers", "frequency"]
        read_only_fields = fields

    @extend_schema_field(AnswerSerializer(many=True))
    def get_answers(self, objection: Objection) -> list[dict[str, Any]]:
        answers = getattr(objection, "ranked_answers", [])
        return AnswerSerializer(answers, many=True, context=self.context).data  # type: ignore[return-value]

    @extend_schema_field(
        inline_serializer(
            "ObjectionWeek",
            {"week": serializers.DateField(), "count": serializers.IntegerField()},
            many=True,
        )
    )
    def get_frequency(self, objection: Objection) -> list[dict[str, Any]]:
        weeks = selectors.weekly_frequency(objection_ids=[objection.pk], weeks=12)
        return [{"week": start.isoformat(), "count": n} for start, n in weeks[objection.pk]]


class ObjectionInputSerializer(TypedSerializer):
    text = serializers.CharField(max_length=300)
    category = serializers.ChoiceField(choices=Objection.Category.choices)


class HeardInputSerializer(TypedSerializer):
    lead = id_field(required=False, help_text=_("Lead id"))
    touch = id_field(required=False, help_text=_("Touch id (names its lead)"))
    deal = id_field(required=False, help_text=_("Deal id"))
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")
    heard_at = TimestampField(required=False, help_text=_("Default: now"))

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not any(attrs.get(name) for name in ("lead", "touch", "deal")):
            raise serializers.ValidationError(
                {"non_field_errors": [_("Say where it was heard: a lead, a touch or a deal.")]}
            )
        return attrs


class HeardSerializer(TypedModelSerializer):
    recorded_by = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = ObjectionHeard
        fields = ["id", "objection", "lead", "touch", "deal", "note", "heard_at", "recorded_by"]
        read_only_fields = fields


class AnswerInputSerializer(TypedSerializer):
    text = serializers.CharField(max_length=5000)
    link = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")
    file = serializers.FileField(required=False, allow_null=True, default=None)


class ObjectionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """The objection library, most heard lately first. Everyone reads and adds objections;
    sales record where they heard one; marketing attaches answers."""

    filterset_class = ObjectionFilter

    def get_queryset(self) -> QuerySet[Objection]:
        if self.action == "retrieve":
            return selectors.objection_detail()
        return selectors.objection_list()

    def get_serializer_class(self):  # type: ignore[no-untyped-def]
        return ObjectionDetailSerializer if self.action == "retrieve" else ObjectionSerializer

    def get_permissions(self):  # type: ignore[no-untyped-def]
        if self.action == "create":
            return [IsAuthenticated(), AnyDepartment()]
        if self.action == "heard":
            return [IsAuthenticated(), IsSalesOrManagement()]
        if self.action == "answers":
            return [IsAuthenticated(), IsMarketingOrManagement()]
        return [IsAuthenticated()]

    @extend_schema(request=ObjectionInputSerializer, responses={201: ObjectionSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = ObjectionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        objection = services.objection_create(by=acting_user(request), **data.validated_data)
        fresh = selectors.objection_list().get(pk=objection.pk)
        return Response(ObjectionSerializer(fresh).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=HeardInputSerializer, responses={201: HeardSerializer})
    @action(detail=True, methods=["post"])
    def heard(self, request: Request, pk: str | None = None) -> Response:
        """A customer raised this objection: on a lead (at a touch) or a deal of the caller."""
        objection = self.get_object()
        data = HeardInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = acting_user(request)
        values = data.validated_data
        heard = services.objection_record_heard(
            objection=objection,
            by=user,
            lead=own_lead(user, values["lead"]) if values.get("lead") else None,
            touch=own_touch(user, values["touch"]) if values.get("touch") else None,
            deal=own_deal(user, values["deal"]) if values.get("deal") else None,
            note=values["note"],
            heard_at=values.get("heard_at"),
        )
        return Response(HeardSerializer(heard).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request={
            "application/json": AnswerInputSerializer,
            "multipart/form-data": AnswerInputSerializer,
        },
        responses={201: AnswerSerializer},
    )
    # A file comes as multipart; everything else in the API is JSON (typed, org.inputs).
    @action(
        detail=True,
        methods=["post"],
        parser_classes=[BoundedJSONParser, MultiPartParser, FormParser],
    )
    def answers(self, request: Request, pk: str | None = None) -> Response:
        """Marketing's answer: a text, optionally a link or a file (multipart)."""
        objection = self.get_object()
        data = AnswerInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        answer = services.answer_add(
            objection=objection,
            by=acting_user(request),
            text=values["text"],
            link_url=values["link"],
            file=values["file"],
        )
        fresh = selectors.answers_ranked().get(pk=answer.pk)
        return Response(
            AnswerSerializer(fresh, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )


class AnswerViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Answers to objections; sales vote for the ones that worked."""

    serializer_class = AnswerSerializer

    def get_queryset(self) -> QuerySet[ObjectionAnswer]:
        return selectors.answers_ranked()

    def get_permissions(self):  # type: ignore[no-untyped-def]
        if self.action == "vote":
            return [IsAuthenticated(), IsSales()]
        return [IsAuthenticated()]

    @extend_schema(
        request=None,
        responses={
            201: AnswerSerializer,
            200: AnswerSerializer,
        },
        description=_("201 for a new vote; 200 when the caller had already voted."),
    )
    @action(detail=True, methods=["post"])
    def vote(self, request: Request, pk: str | None = None) -> Response:
        answer = self.get_object()
        created = services.answer_vote(answer=answer, by=acting_user(request))
        fresh = self.get_queryset().get(pk=answer.pk)
        return Response(
            AnswerSerializer(fresh, context={"request": request}).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )
