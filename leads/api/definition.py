"""The agreed lead definition over the API: the active version, proposals and approvals."""

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from leads import selectors, services
from leads.models import LeadDefinition
from org.inputs import TypedModelSerializer, TypedSerializer
from org.permissions import IsDepartmentHead, acting_user


class CriterionSerializer(TypedSerializer):
    code = serializers.SlugField(max_length=50)
    label = serializers.CharField(max_length=200)  # type: ignore[assignment]
    required = serializers.BooleanField(default=True)  # type: ignore[assignment]


class DefinitionSerializer(TypedModelSerializer):
    criteria = CriterionSerializer(many=True, read_only=True)
    approved_by = serializers.SerializerMethodField()

    class Meta:
        model = LeadDefinition
        fields = ["version", "status", "criteria", "approved_by", "created_at", "activated_at"]

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_approved_by(self, definition: LeadDefinition) -> list[int]:
        return [a.user_id for a in definition.approvals.all()]


class DefinitionProposeSerializer(TypedSerializer):
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
