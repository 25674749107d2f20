from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError

from deals.models import Deal, DealStage
from deals.selectors import deals_awaiting_signoff
from leads.models import Campaign, Channel
from org.models import Role


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


class DealFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=Deal.Status.choices)
    stage = django_filters.ModelChoiceFilter(queryset=DealStage.objects.all(), to_field_name="code")
    channel = django_filters.ModelChoiceFilter(queryset=Channel.objects.all(), to_field_name="slug")
    campaign = django_filters.ModelChoiceFilter(
        queryset=Campaign.objects.all(), to_field_name="slug"
    )
    segment = django_filters.CharFilter()
    owner = OwnerFilter()
    awaiting_signoff = django_filters.ChoiceFilter(
        choices=Role.choices,
        method="filter_awaiting_signoff",
        label=_("Open deals waiting for this department's sign-off"),
    )
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = Deal
        fields = ["status", "stage", "channel", "campaign", "segment", "owner"]

    def filter_awaiting_signoff(self, qs: QuerySet[Deal], name: str, value: str) -> QuerySet[Deal]:
        return qs.filter(pk__in=deals_awaiting_signoff(department=value).values("pk"))
