from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError

from leads.models import Campaign, Channel, Lead


class OwnerFilter(django_filters.CharFilter):
    """``owner=<user id>`` or ``owner=me``."""

    def filter(self, qs: QuerySet[Any], value: str) -> QuerySet[Any]:
        if not value:
            return qs
        if value == "me":
            return qs.filter(owner=self.parent.request.user)
        if not value.isdigit():
            raise ValidationError({"owner": [_("A user id or 'me'.")]})
        return qs.filter(owner_id=int(value))


class LeadFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=Lead.Status.choices)
    channel = django_filters.ModelChoiceFilter(queryset=Channel.objects.all(), to_field_name="slug")
    campaign = django_filters.ModelChoiceFilter(
        queryset=Campaign.objects.all(), to_field_name="slug"
    )
    owner = OwnerFilter()
    sla_breached = django_filters.TypedChoiceFilter(
        choices=[("true", "true"), ("false", "false")],
        coerce=lambda value: value == "true",
    )
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = Lead
        fields = ["status", "channel", "campaign", "owner", "sla_breached"]
