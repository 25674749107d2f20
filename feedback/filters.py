"""django-filter FilterSets for the feedback API; reference data by slug/code, people by id."""

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from feedback.models import (
    RATING_MAX,
    RATING_MIN,
    ActionItem,
    Brief,
    Dispute,
    FeedbackTag,
    LeadFeedback,
    Objection,
)
from leads.models import Campaign, Channel, WebForm
from org.inputs import IdFilter, TimestampFilter, TrueFalseFilter, UserRefFilter


class _BoundedIntFilter(django_filters.NumberFilter):
    """A whole number within bounds (a rating); anything else is a 400."""

    field_class = forms.IntegerField


class LeadFeedbackFilter(django_filters.FilterSet):
    lead = IdFilter(field_name="lead_id")
    campaign = django_filters.ModelChoiceFilter(
        field_name="lead__campaign", queryset=Campaign.objects.all(), to_field_name="slug"
    )
    channel = django_filters.ModelChoiceFilter(
        field_name="lead__channel", queryset=Channel.objects.all(), to_field_name="slug"
    )
    form = django_filters.ModelChoiceFilter(
        field_name="lead__form", queryset=WebForm.objects.all(), to_field_name="slug"
    )
    rating = _BoundedIntFilter(min_value=RATING_MIN, max_value=RATING_MAX)
    tag = django_filters.ModelChoiceFilter(
        field_name="tags", queryset=FeedbackTag.objects.all(), to_field_name="code"
    )
    author = UserRefFilter(field_name="author")
    created_after = TimestampFilter(field_name="created_at", lookup_expr="gte")
    created_before = TimestampFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = LeadFeedback
        fields = ["lead", "campaign", "channel", "form", "rating", "tag", "author"]


class DisputeFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=Dispute.Status.choices)
    undecided = TrueFalseFilter(method="filter_undecided")
    lead = IdFilter(field_name="lead_id")
    campaign = django_filters.ModelChoiceFilter(
        field_name="lead__campaign", queryset=Campaign.objects.all(), to_field_name="slug"
    )
    raised_by = UserRefFilter(field_name="raised_by")

    class Meta:
        model = Dispute
        fields = ["status", "lead", "campaign", "raised_by"]

    def filter_undecided(self, qs: QuerySet[Dispute], name: str, value: bool) -> QuerySet[Dispute]:
        if value:
            return qs.filter(status__in=Dispute.UNDECIDED)
        return qs.filter(status__in=Dispute.DECIDED)


class ObjectionFilter(django_filters.FilterSet):
    category = django_filters.ChoiceFilter(choices=Objection.Category.choices)
    q = django_filters.CharFilter(field_name="text", lookup_expr="icontains")
    lead = IdFilter(method="filter_lead", label=_("heard on this lead"))
    deal = IdFilter(method="filter_deal", label=_("heard on this deal"))

    class Meta:
        model = Objection
        fields = ["category"]

    def filter_lead(self, qs: QuerySet[Objection], name: str, value: int) -> QuerySet[Objection]:
        return qs.filter(pk__in=Objection.objects.filter(occurrences__lead_id=value).values("pk"))

    def filter_deal(self, qs: QuerySet[Objection], name: str, value: int) -> QuerySet[Objection]:
        return qs.filter(pk__in=Objection.objects.filter(occurrences__deal_id=value).values("pk"))


class ActionItemFilter(django_filters.FilterSet):
    owner = UserRefFilter(field_name="owner")
    meeting = IdFilter(field_name="meeting_id")
    done = TrueFalseFilter(method="filter_done")
    overdue = TrueFalseFilter(method="filter_overdue")

    class Meta:
        model = ActionItem
        fields = ["owner", "meeting"]

    def filter_done(self, qs: QuerySet[ActionItem], name: str, value: bool) -> QuerySet[ActionItem]:
        return qs.filter(done_at__isnull=not value)

    def filter_overdue(
        self, qs: QuerySet[ActionItem], name: str, value: bool
    ) -> QuerySet[ActionItem]:
        overdue = {"done_at__isnull": True, "due_on__lt": timezone.localdate()}
        return qs.filter(**overdue) if value else qs.exclude(**overdue)


class BriefFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=Brief.Status.choices)
    requester = UserRefFilter(field_name="requester")
    assignee = UserRefFilter(field_name="assignee")
    overdue = TrueFalseFilter(method="filter_overdue")

    class Meta:
        model = Brief
        fields = ["status", "requester", "assignee"]

    def filter_overdue(self, qs: QuerySet[Brief], name: str, value: bool) -> QuerySet[Brief]:
        overdue = {"status__in": Brief.PENDING, "due_on__lt": timezone.localdate()}
        return qs.filter(**overdue) if value else qs.exclude(**overdue)
