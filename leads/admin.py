import zoneinfo
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _

from leads import selectors
from leads.csv_import import leads_import_upload
from leads.models import (
    Campaign,
    Channel,
    DisqualificationReason,
    Escalation,
    ImportJob,
    Lead,
    LeadCriterion,
    LeadDefinition,
    SalesProfile,
    ScoringFlag,
    ScoringModel,
    SlaPolicy,
    Touch,
    WebForm,
)
from leads.services.policies import POLICY_FIELDS, validate_policy
from org.admin_scope import (
    ReadOnlyAdmin,
    ReadOnlyInline,
    Scope,
    ScopedHistoryAdmin,
    ScopedModelAdmin,
)
from org.models import Role
from org.permissions import acting_user


@admin.register(Channel)
class ChannelAdmin(ScopedHistoryAdmin):
    object_scope = Scope.SHARED

    list_display = ["name", "slug", "assignment", "is_active"]
    list_filter = ["assignment", "is_active"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Campaign)
class CampaignAdmin(ScopedHistoryAdmin):
    object_scope = Scope.SHARED

    list_display = ["name", "slug", "channel", "cost", "starts_on", "ends_on", "owner"]
    list_filter = ["channel"]
    search_fields = ["name", "slug"]
    list_select_related = ["channel", "owner"]
    prepopulated_fields = {"slug": ("name",)}
    raw_id_fields = ["owner"]


@admin.register(WebForm)
class WebFormAdmin(ScopedHistoryAdmin):
    object_scope = Scope.SHARED

    list_display = [
        "name",
        "slug",
        "channel",
        "campaign",
        "require_email",
        "require_phone",
        "require_consent",
        "assignment",
        "is_active",
    ]
    list_filter = ["channel", "is_active", "assignment", "require_consent"]
    search_fields = ["name", "slug"]
    list_select_related = ["channel", "campaign"]


@admin.register(DisqualificationReason)
class DisqualificationReasonAdmin(ScopedModelAdmin):
    object_scope = Scope.SHARED

    list_display = ["code", "label", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "label"]


class CriterionInline(ReadOnlyInline):
    """Versions change only through proposal and approval."""

    model = LeadCriterion


@admin.register(LeadDefinition)
class LeadDefinitionAdmin(ScopedHistoryAdmin):
    """Read-only: a version is proposed and approved by the department heads (on the
    definition page or the API), never edited in place."""

    object_scope = Scope.SHARED

    list_display = ["version", "status", "proposed_by", "created_at", "activated_at"]
    list_filter = ["status"]
    inlines = [CriterionInline]
    readonly_fields = [
        "version",
        "status",
        "proposed_by",
        "created_at",
        "activated_at",
        "retired_at",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


ISO_WEEKDAYS = [(day, WEEKDAYS[day - 1]) for day in range(1, 8)]


def _time_zones() -> list[tuple[str, Any]]:
    return [("", _("The company's time zone (TIME_ZONE)"))] + [
        (name, name) for name in sorted(zoneinfo.available_timezones())
    ]


class SlaPolicyForm(forms.ModelForm):
    """The admin checks a policy with the same rules as the API (``validate_policy``).
    Working days are checkboxes (Monday to Sunday) and the time zone a list to choose from,
    not a JSON box and free text."""

    working_days = forms.TypedMultipleChoiceField(
        label=_("working days"),
        choices=ISO_WEEKDAYS,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Days counted as working when the policy has business hours."),
    )
    timezone = forms.ChoiceField(label=_("time zone"), choices=_time_zones, required=False)

    class Meta:
        model = SlaPolicy
        fields = POLICY_FIELDS

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        values = {
            f.name: cleaned.get(f.name, getattr(self.instance, f.name))
            for f in SlaPolicy._meta.concrete_fields
            if f.name != "channel"
        }
        channel = cleaned.get("channel", self.instance.channel)
        validate_policy(values | {"channel": channel, "id": self.instance.pk})
        return cleaned


@admin.register(SlaPolicy)
class SlaPolicyAdmin(ScopedHistoryAdmin):
    object_scope = Scope.SHARED
    form = SlaPolicyForm

    list_display = [f for f in POLICY_FIELDS if f != "working_days"]
    list_filter = ["channel"]
    search_fields = ["name", "segment"]


@admin.register(SalesProfile)
class SalesProfileAdmin(ScopedModelAdmin):
    object_scope = Scope.SHARED

    list_display = [
        "user",
        "auto_assign",
        "max_open_leads",
        "segments",
        "regions",
        "last_assigned_at",
    ]
    list_filter = ["auto_assign"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]


class TouchInline(admin.TabularInline):
    model = Touch
    extra = 0
    readonly_fields = ["kind", "note", "by", "at"]
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class EscalationInline(admin.TabularInline):
    model = Escalation
    extra = 0
    readonly_fields = ["queue_entry", "level", "action", "owner", "at"]
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


ATTRIBUTION_FIELDS = [
    "channel",
    "campaign",
    "form",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
]


@admin.register(Lead)
class LeadAdmin(ScopedHistoryAdmin):
    """Leads in the admin, scoped like everywhere else (sales: the queue and their own).
    Status and owner change through the services, so they are read-only here."""

    object_scope = Scope.SCOPED

    list_display = [
        "name",
        "email",
        "phone",
        "channel",
        "campaign",
        "status",
        "owner",
        "sla_breached",
        "created_at",
    ]
    list_filter = ["status", "channel", "campaign", "sla_breached", "segment", "source"]
    search_fields = ["name", "email", "phone", "company"]
    list_select_related = ["channel", "campaign", "owner"]
    date_hierarchy = "created_at"
    raw_id_fields = ["owner", "campaign", "form", "created_by"]
    readonly_fields = [
        "status",
        "owner",
        "created_at",
        "assigned_at",
        "first_touch_at",
        "queue_entry",
        "queue_entered_at",
        "sla_deadline",
        "sla_minutes",
        "sla_breached",
        "sla_next_check_at",
        "definition",
        "qualification",
        "qualified_at",
        "disqualification_reason",
        "disqualification_note",
        "closed_at",
        "duplicate_requests",
        "source",
        "created_by",
        "consent_at",
        "consent_text",
        "erased_at",
        "erased_by",
        "erasure_reason",
    ]
    inlines = [TouchInline, EscalationInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Lead]:
        return selectors.lead_scope(user=acting_user(request)).select_related(
            "channel", "campaign", "owner"
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        """Attribution (channel, campaign, form, UTM) is marketing's record of where a lead
        came from: read-only to sales, whose reports and bonus it would otherwise move."""
        fields = list(super().get_readonly_fields(request, obj))
        if not acting_user(request).has_role(Role.MARKETING, Role.MANAGEMENT):
            fields += [name for name in ATTRIBUTION_FIELDS if name not in fields]
        return fields

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """Sales change the leads they work (their own; a head, the team's); a lead still in
        the queue is theirs to claim, not to edit: they only view it."""
        if not super().has_change_permission(request, obj):
            return False
        user = acting_user(request)
        if obj is not None and user.effective_role == Role.SALES:
            return obj.owner_id is not None
        return True

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # intake goes through the API, web forms or CSV import (dedup, SLA)

    def get_urls(self) -> list[Any]:
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="leads_lead_import",
            ),
            *super().get_urls(),
        ]

    def import_view(self, request: HttpRequest) -> HttpResponse:
        """CSV import from the admin: the same service as the page and the command."""
        if not request.user.has_role(Role.MARKETING, Role.MANAGEMENT):  # type: ignore[union-attr]
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        report = None
        upload = request.FILES.get("file")
        if request.method == "POST" and upload is not None:
            result = leads_import_upload(file=upload, by=acting_user(request))
            if isinstance(result, ImportJob):
                return redirect("leads:import_job", pk=result.pk)  # a large file: its progress
            report = result
            if report.ok:
                self.message_user(
                    request,
                    _("Imported %(created)d leads (%(dups)d repeats).")
                    % {"created": report.created, "dups": report.duplicates},
                    messages.SUCCESS,
                )
        context = {
            **self.admin_site.each_context(request),
            "report": report,
            "title": _("Import leads from CSV"),
            "opts": self.model._meta,
        }
        status = 400 if report is not None and not report.ok else 200
        return render(request, "admin/leads/lead/import.html", context, status=status)


@admin.register(ScoringModel)
class ScoringModelAdmin(ReadOnlyAdmin):
    """The trained lead scoring versions (``manage.py train_scoring`` and the nightly task
    make them; the newest is in use). Everyone who sees scores may see what they are made of."""

    object_scope = Scope.SHARED

    list_display = [
        "version",
        "trained_at",
        "closed_leads",
        "converted_leads",
        "base_rate",
        "auc",
        "holdout_leads",
        "feature_values",
        "seconds",
    ]
    fields = [
        "version",
        "trained_at",
        "closed_leads",
        "converted_leads",
        "base_rate",
        "auc",
        "holdout_leads",
        "seconds",
        "intercept",
        "calibration_a",
        "calibration_b",
        "calibration_table",
        "weights",
    ]
    readonly_fields = list(fields)  # type: ignore[arg-type]
    date_hierarchy = "trained_at"

    @admin.display(description=_("feature values"))
    def feature_values(self, obj: ScoringModel) -> int:
        return len(obj.weights)


@admin.register(ScoringFlag)
class ScoringFlagAdmin(ReadOnlyAdmin):
    """Campaigns flagged to their marketers because their new leads score poorly."""

    object_scope = Scope.SHARED

    list_display = ["campaign", "week", "mean_score", "overall_mean", "leads", "marketer", "model"]
    list_filter = ["week"]
    search_fields = ["campaign__name", "campaign__slug"]
    list_select_related = ["campaign", "marketer", "model"]
    fields = [
        "campaign",
        "week",
        "mean_score",
        "overall_mean",
        "leads",
        "marketer",
        "model",
        "created_at",
    ]
    readonly_fields = list(fields)  # type: ignore[arg-type]


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyAdmin):
    """CSV imports and what became of them (the file's contents are not shown: they are
    personal data, and emptied once imported)."""

    object_scope = Scope.SHARED

    list_display = [
        "__str__",
        "status",
        "total",
        "checked",
        "created",
        "duplicates",
        "created_by",
        "created_at",
        "finished_at",
    ]
    list_filter = ["status"]
    list_select_related = ["created_by"]
    fields = [
        "filename",
        "status",
        "created_by",
        "total",
        "checked",
        "created",
        "duplicates",
        "errors",
        "created_at",
        "started_at",
        "finished_at",
    ]
    readonly_fields = list(fields)  # type: ignore[arg-type]
