import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from deals.models import Deal, DealStage
from deals.selectors import deals_awaiting_signoff
from leads.models import Campaign, Channel
from org.inputs import TimestampFilter, UserRefFilter
from org.models import Role


class DealFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=Deal.Status.choices)
    stage = django_filters.ModelChoiceFilter(queryset=DealStage.objects.all(), to_field_name="code")
    channel = django_filters.ModelChoiceFilter(queryset=Channel.objects.all(), to_field_name="slug")
    campaign = django_filters.ModelChoiceFilter(
        queryset=Campaign.objects.all(), to_field_name="slug"
    )
    segment = django_filters.CharFilter()
    owner = UserRefFilter(field_name="owner")
    awaiting_signoff = django_filters.ChoiceFilter(
        choices=Role.choices,
        method="filter_awaiting_signoff",
        label=_("Open deals waiting for this department's sign-off"),
    )
    created_after = TimestampFilter(field_name="created_at", lookup_expr="gte")
    created_before = TimestampFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = Deal
        fields = ["status", "stage", "channel", "campaign", "segment", "owner"]

    def filter_awaiting_signoff(self, qs: QuerySet[Deal], name: str, value: str) -> QuerySet[Deal]:
        return qs.filter(pk__in=deals_awaiting_signoff(department=value).values("pk"))
