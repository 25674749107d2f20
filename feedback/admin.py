"""Feedback in the admin. Workflows (disputes, briefs, ratings) change through the pages and the
API, where the rules and notifications live: here their state is read-only and they are not
added. Reference data (tags, objections, answers) is edited freely by the roles allowed to.
Sales see only their own ratings, disputes and briefs."""

from typing import Any

from django.contrib import admin
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest

from feedback import selectors
from feedback.models import (
    ActionItem,
    Brief,
    BriefEvent,
    Dispute,
    FeedbackTag,
    LeadFeedback,
    Objection,
    ObjectionAnswer,
    ObjectionHeard,
    ReviewMeeting,
)
from org.admin_scope import ReadOnlyInline, Scope, ScopedHistoryAdmin, ScopedModelAdmin
from org.permissions import acting_user


class NoAddMixin:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(FeedbackTag)
class FeedbackTagAdmin(ScopedModelAdmin):
    object_scope = Scope.SHARED

    list_display = ["code", "label", "is_positive", "is_active", "position"]
    list_editable = ["is_active", "position"]
    list_filter = ["is_positive", "is_active"]
    search_fields = ["code", "label"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["code"] if obj is not None else []  # referred to by code in the API


@admin.register(LeadFeedback)
class LeadFeedbackAdmin(NoAddMixin, ScopedModelAdmin):
    object_scope = Scope.SCOPED

    list_display = ["lead", "rating", "author", "campaign", "created_at"]
    list_filter = ["rating", "tags", "lead__channel", "lead__campaign"]
    search_fields = ["lead__name", "lead__company", "comment", "author__username"]
    list_select_related = ["lead", "lead__campaign", "author"]
    readonly_fields = ["lead", "author", "rating", "tags", "created_at", "updated_at"]
    fields = ["lead", "author", "rating", "tags", "comment", "created_at", "updated_at"]
    date_hierarchy = "created_at"

    @admin.display(description="campaign", ordering="lead__campaign__name")
    def campaign(self, obj: LeadFeedback) -> str:
        return obj.lead.campaign.name if obj.lead.campaign else "—"

    def get_queryset(self, request: HttpRequest) -> QuerySet[LeadFeedback]:
        return selectors.feedback_scope(user=acting_user(request)).select_related(
            "lead", "lead__campaign", "author"
        )


@admin.register(Dispute)
class DisputeAdmin(NoAddMixin, ScopedHistoryAdmin):
    object_scope = Scope.SCOPED

    list_display = ["lead", "status", "raised_by", "created_at", "responded_by", "decided_by"]
    list_filter = ["status", "lead__campaign", "lead__channel"]
    search_fields = ["lead__name", "comment", "response_comment", "decision_reason"]
    list_select_related = ["lead", "raised_by", "responded_by", "decided_by"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "lead",
        "raised_by",
        "definition",
        "unmet_criteria",
        "comment",
        "status",
        "created_at",
        "response_comment",
        "responded_by",
        "responded_at",
        "decision_reason",
        "decided_by",
        "decided_at",
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Dispute]:
        return selectors.dispute_scope(user=acting_user(request)).select_related(
            "lead", "raised_by", "responded_by", "decided_by"
        )


# Links to materials are full https addresses (Django 6 makes this the default).
URL_FIELDS: dict[type[models.Field], dict[str, Any]] = {models.URLField: {"assume_scheme": "https"}}


class AnswerInline(admin.StackedInline):
    model = ObjectionAnswer
    formfield_overrides = URL_FIELDS
    extra = 0
    fields = ["text", "link", "file", "author", "is_active"]
    readonly_fields = ["author"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # answers are added on the objection's page (authored, announced)


@admin.register(Objection)
class ObjectionAdmin(ScopedHistoryAdmin):
    object_scope = Scope.SHARED

    list_display = ["text", "category", "is_active", "created_by", "created_at"]
    list_filter = ["category", "is_active"]
    search_fields = ["text"]
    list_select_related = ["created_by"]
    readonly_fields = ["created_by", "created_at"]
    inlines = [AnswerInline]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change:
            obj.created_by = acting_user(request)
        super().save_model(request, obj, form, change)


@admin.register(ObjectionAnswer)
class ObjectionAnswerAdmin(NoAddMixin, ScopedHistoryAdmin):
    object_scope = Scope.SHARED

    formfield_overrides = URL_FIELDS
    list_display = ["objection", "short_text", "author", "created_at", "is_active"]
    list_filter = ["is_active", "objection__category"]
    search_fields = ["text", "objection__text"]
    list_select_related = ["objection", "author"]
    readonly_fields = ["objection", "author", "created_at"]

    @admin.display(description="answer")
    def short_text(self, obj: ObjectionAnswer) -> str:
        return obj.text[:80]


@admin.register(ObjectionHeard)
class ObjectionHeardAdmin(NoAddMixin, ScopedModelAdmin):
    object_scope = Scope.SCOPED

    list_display = ["objection", "lead", "deal", "recorded_by", "heard_at"]
    list_filter = ["objection__category"]
    search_fields = ["objection__text", "lead__name", "deal__title", "note"]
    list_select_related = ["objection", "lead", "deal", "recorded_by"]
    readonly_fields = ["objection", "lead", "touch", "deal", "recorded_by", "heard_at"]
    date_hierarchy = "heard_at"

    def get_queryset(self, request: HttpRequest) -> QuerySet[ObjectionHeard]:
        return selectors.heard_scope(user=acting_user(request)).select_related(
            "objection", "lead", "deal", "recorded_by"
        )


class ActionItemInline(admin.TabularInline):
    model = ActionItem
    extra = 0
    fields = ["text", "owner", "due_on", "done_at"]
    raw_id_fields = ["owner"]


@admin.register(ReviewMeeting)
class ReviewMeetingAdmin(NoAddMixin, ScopedHistoryAdmin):
    object_scope = Scope.SHARED

    list_display = ["held_on", "title", "created_by"]
    search_fields = ["title", "notes"]
    date_hierarchy = "held_on"
    list_select_related = ["created_by"]
    filter_horizontal = ["participants", "objections"]
    raw_id_fields = ["deals"]
    readonly_fields = ["created_by", "created_at"]
    inlines = [ActionItemInline]


@admin.register(ActionItem)
class ActionItemAdmin(NoAddMixin, ScopedHistoryAdmin):
    object_scope = Scope.SHARED

    list_display = ["text", "owner", "due_on", "done_at", "meeting"]
    list_filter = ["done_at", "due_on"]
    search_fields = ["text", "owner__username"]
    list_select_related = ["owner", "meeting"]
    raw_id_fields = ["owner", "meeting"]


class BriefEventInline(ReadOnlyInline):
    model = BriefEvent
    fields = ["from_status", "to_status", "by", "at", "comment"]
    readonly_fields = ["from_status", "to_status", "by", "at", "comment"]


@admin.register(Brief)
class BriefAdmin(NoAddMixin, ScopedHistoryAdmin):
    object_scope = Scope.SCOPED

    list_display = ["title", "requester", "status", "due_on", "assignee", "approved_by"]
    list_filter = ["status", "due_on"]
    search_fields = ["title", "goal", "requirements"]
    list_select_related = ["requester", "assignee", "approved_by"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "requester",
        "status",
        "created_at",
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
    ]
    inlines = [BriefEventInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Brief]:
        return selectors.brief_scope(user=acting_user(request)).select_related(
            "requester", "assignee", "approved_by"
        )
