import django_filters

from leads.models import Campaign, Channel, Lead
from org.inputs import TimestampFilter, TrueFalseFilter, UserRefFilter


class LeadFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=Lead.Status.choices)
    channel = django_filters.ModelChoiceFilter(queryset=Channel.objects.all(), to_field_name="slug")
    campaign = django_filters.ModelChoiceFilter(
        queryset=Campaign.objects.all(), to_field_name="slug"
    )
    owner = UserRefFilter(field_name="owner")
    sla_breached = TrueFalseFilter()
    created_after = TimestampFilter(field_name="created_at", lookup_expr="gte")
    created_before = TimestampFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = Lead
        fields = ["status", "channel", "campaign", "owner", "sla_breached"]
