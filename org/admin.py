from typing import Any

from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from knox.models import AuthToken

from org import matrix_services, services
from org.admin_scope import Scope, ScopedAdminMixin, ScopedHistoryAdmin, ScopedModelAdmin
from org.models import (
    ApiKey,
    CompanyDay,
    FunnelStage,
    HandOff,
    Notification,
    ReportingLine,
    Responsibility,
    Role,
    User,
)
from org.permissions import acting_user


@admin.register(User)
class UserAdmin(ScopedAdminMixin, BaseUserAdmin):
    object_scope = Scope.SHARED

    list_display = ["username", "get_full_name", "email", "role", "is_head", "is_active"]
    list_filter = ["role", "is_head", "is_active", "is_superuser"]
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        (_("Department"), {"fields": ("role", "is_head")}),
    )
    add_fieldsets = (
        *(BaseUserAdmin.add_fieldsets or ()),
        (_("Department"), {"fields": ("role", "is_head")}),
    )
    readonly_fields = ["groups"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if obj.role:
            # The role's permission group follows the role column (one code path).
            services.user_set_role(user=obj, role=obj.role, head=obj.is_head)


# The role groups (their permissions follow org.roles): re-registered to declare the scope.
admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(ScopedAdminMixin, BaseGroupAdmin):
    object_scope = Scope.SHARED


@admin.register(Notification)
class NotificationAdmin(ScopedModelAdmin):
    object_scope = Scope.SHARED

    list_display = ["subject", "recipient", "created_at", "read_at", "emailed_at"]
    list_filter = ["read_at", "emailed_at"]
    search_fields = ["subject", "recipient__username"]
    list_select_related = ["recipient"]
    raw_id_fields = ["recipient"]


# --- The responsibility matrix ------------------------------------------------------------
# Every change goes through org.matrix_services: managers only, validated, audited.


class ResponsibilityFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        if any(self.errors) or self.instance.pk is None:
            return
        letters = {
            form.instance.department: form.cleaned_data.get("letter", form.instance.letter)
            for form in self.forms
        }
        try:
            matrix_services.check_stage_letters(self.instance, letters)
        except ValidationError as exc:
            raise ValidationError(exc.messages) from None  # a formset error has no fields


class ResponsibilityInline(admin.TabularInline):
    model = Responsibility
    formset = ResponsibilityFormSet
    fields = ["department", "letter"]
    readonly_fields = ["department"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # one letter per department, created with the stage


class HandOffInline(admin.TabularInline):
    model = HandOff
    fields = ["from_department", "to_department", "what", "approver"]
    readonly_fields = ["from_department", "to_department", "what", "approver"]
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # added on the matrix page or under "Hand-off rules"


@admin.register(FunnelStage)
class FunnelStageAdmin(ScopedHistoryAdmin):
    object_scope = Scope.SHARED

    list_display = ["name", "code", "order"]
    list_editable = ["order"]
    search_fields = ["name", "code"]
    inlines = [ResponsibilityInline, HandOffInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["code"] if obj is not None else []

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        matrix_services.funnel_stage_save(stage=obj, by=acting_user(request))

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        # The admin's change message reads these; the service does the saving.
        formset.new_objects, formset.deleted_objects = [], []
        formset.changed_objects = [
            (f.instance, f.changed_data) for f in formset.forms if f.has_changed()
        ]
        if formset.model is not Responsibility:
            return  # hand-offs are read-only here
        letters = {
            f.instance.department: f.cleaned_data["letter"]
            for f in formset.forms
            if f.has_changed() and "letter" in f.cleaned_data
        }
        if letters:
            matrix_services.matrix_set_letters(
                changes={form.instance.code: letters}, by=acting_user(request)
            )


class HandOffForm(forms.ModelForm):
    class Meta:
        model = HandOff
        fields = ["stage", "from_department", "to_department", "what", "approver"]


@admin.register(HandOff)
class HandOffAdmin(ScopedHistoryAdmin):
    object_scope = Scope.SHARED

    form = HandOffForm
    list_display = ["stage", "from_department", "to_department", "what", "approver"]
    list_filter = ["approver", "from_department", "to_department", "stage"]
    search_fields = ["what", "stage__name"]
    list_select_related = ["stage"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        user = acting_user(request)
        if change:
            matrix_services.handoff_update(
                handoff=obj,
                by=user,
                what=obj.what,
                approver=obj.approver,
                from_department=obj.from_department,
                to_department=obj.to_department,
            )
        else:
            saved = matrix_services.handoff_create(
                stage=obj.stage,
                from_department=obj.from_department,
                to_department=obj.to_department,
                what=obj.what,
                approver=obj.approver,
                by=user,
            )
            obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        matrix_services.handoff_delete(handoff=obj, by=acting_user(request))

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for handoff in queryset:
            matrix_services.handoff_delete(handoff=handoff, by=acting_user(request))


@admin.register(ReportingLine)
class ReportingLineAdmin(ScopedHistoryAdmin):
    object_scope = Scope.SHARED

    list_display = ["department", "reports_to", "subject", "cadence"]
    list_filter = ["department", "reports_to", "cadence"]
    search_fields = ["subject"]


# --- Logins and keys ------------------------------------------------------------------------


@admin.register(ApiKey)
class ApiKeyAdmin(ScopedModelAdmin):
    """Integration keys: created by management, shown once, revoked (never edited)."""

    object_scope = Scope.SHARED

    list_display = ["name", "purpose", "token_key", "created_by", "created_at", "revoked_at"]
    list_filter = ["purpose", "revoked_at"]
    search_fields = ["name", "token_key"]
    list_select_related = ["created_by"]
    fields = ["name", "purpose", "token_key", "created_by", "created_at", "revoked_at"]
    actions = ["revoke"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fixed = ["token_key", "created_by", "created_at", "revoked_at"]
        return [*fixed, "name", "purpose"] if obj is not None else fixed

    def has_add_permission(self, request: HttpRequest) -> bool:
        return acting_user(request).has_role(Role.MANAGEMENT) and super().has_add_permission(
            request
        )

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            return  # nothing about a key changes but its revocation
        saved, key = services.api_key_create(
            by=acting_user(request), name=obj.name, purpose=obj.purpose
        )
        obj.pk = saved.pk
        self.message_user(
            request,
            _("The key, shown this once — copy it now: %(key)s") % {"key": key},
            messages.WARNING,
        )

    @admin.action(description=_("Revoke the selected keys"), permissions=["change"])
    def revoke(self, request: HttpRequest, queryset: Any) -> None:
        for api_key in queryset:
            services.api_key_revoke(api_key=api_key, by=acting_user(request))


@admin.register(CompanyDay)
class CompanyDayAdmin(ScopedHistoryAdmin):
    """The company's days off and worked weekend days; saved through the same service as the
    calendar page (management only, audited)."""

    object_scope = Scope.SHARED

    list_display = ["date", "kind", "note"]
    list_filter = ["kind"]
    date_hierarchy = "date"
    search_fields = ["note"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        user = acting_user(request)
        saved = services.company_day_set(by=user, day=obj.date, kind=obj.kind, note=obj.note)
        if change and saved.pk != obj.pk:  # the date was moved: the old day is no longer set
            services.company_day_delete(by=user, company_day=CompanyDay.objects.get(pk=obj.pk))
        obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        services.company_day_delete(by=acting_user(request), company_day=obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for company_day in queryset:
            self.delete_model(request, company_day)


# Re-registered below with their scope declared; the access logs are switched off.
for _model in (AuthToken, AccessAttempt, AccessLog, AccessFailureLog):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)


@admin.register(AuthToken)
class LoginTokenAdmin(ScopedModelAdmin):
    """Login tokens (digests only): deleting one logs its holder out of the API."""

    object_scope = Scope.SHARED

    list_display = ["token_key", "user", "created", "expiry"]
    search_fields = ["user__username", "token_key"]
    list_select_related = ["user"]
    fields = ["token_key", "user", "created", "expiry"]
    readonly_fields = ["token_key", "user", "created", "expiry"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # tokens come from logging in


@admin.register(AccessAttempt)
class LoginFailuresAdmin(ScopedAdminMixin, AccessAttemptAdmin):
    """Failed logins per username + address (django-axes); deleting a row lifts a lockout."""

    object_scope = Scope.SHARED
