"""SLA policies over the API (management), checked by the same rules as the admin."""

from typing import Any

from django.db.models import QuerySet
from rest_framework import serializers, viewsets
from rest_framework.permissions import IsAuthenticated

from leads import selectors
from leads.models import Channel, SlaPolicy
from leads.services.policies import POLICY_FIELDS, validate_policy
from org.inputs import TypedModelSerializer
from org.permissions import IsManagement


class SlaPolicySerializer(TypedModelSerializer):
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
        fields = ["id", *POLICY_FIELDS]
        # Scope uniqueness is checked by validate_policy (DRF's generated validator would
        # wrongly make "channel" required because of the conditional constraint).
        validators: list[Any] = []

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
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
