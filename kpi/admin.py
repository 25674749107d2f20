"""Admin of the joint bonus: management edits periods and their schemes (through the same
service as the API); ratings and statements are read-only here — ratings are given on the
rating page, statements computed and approved on the statement page — and nobody edits or
deletes a statement in the admin (an approved one is locked in the database as well)."""

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from kpi import services
from kpi.models import AttainmentStep, Period, Rating, Statement, StatementLine
from org.admin_scope import ReadOnlyAdmin, ReadOnlyInline, Scope, ScopedModelAdmin
from org.permissions import acting_user


class PeriodForm(forms.ModelForm):
    class Meta:
        model = Period
        fields = [
            "starts_on",
            "ends_on",
            "revenue_goal",
            "pool_percent",
            "marketing_share",
            *Period.WEIGHT_FIELDS,
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        scheme = services.Scheme(
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            revenue_goal=data["revenue_goal"],
            pool_percent=data["pool_percent"],
            marketing_share=data["marketing_share"],
            weights={
                name: data[field]
                for name, field in services.WEIGHT_NAMES.items()
                if data.get(field) is not None
            },
        )
        errors = services.period_errors(scheme, period=self.instance)
        if errors:
            raise ValidationError(errors)
        return data

    def validate_constraints(self) -> None:
        # The service checks overlaps with a sentence; the database still has the last word.
        pass


class StepFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        steps = [
            (form.cleaned_data["attainment"], form.cleaned_data["multiplier"])
            for form in self.forms
            if form.cleaned_data
            and not form.cleaned_data.get("DELETE")
            and form.cleaned_data.get("attainment") is not None
            and form.cleaned_data.get("multiplier") is not None
        ]
        errors = services.steps_errors(steps)
        if errors:
            raise ValidationError(errors)
        self.steps = tuple(steps)


class StepInline(admin.TabularInline):
    model = AttainmentStep
    formset = StepFormSet
    extra = 1
    fields = ["attainment", "multiplier"]


@admin.register(Period)
class PeriodAdmin(ScopedModelAdmin):
    object_scope = Scope.SHARED

    form = PeriodForm
    inlines = [StepInline]
    list_display = ["__str__", "revenue_goal", "pool_percent", "marketing_share", "status"]
    list_filter = ["status"]
    readonly_fields = ["status", "closed_at", "closed_by", "created_at", "created_by"]
    date_hierarchy = "starts_on"

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        pass  # saved with its steps in save_related, through the service

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        steps = next(fs.steps for fs in formsets if isinstance(fs, StepFormSet))
        data = form.cleaned_data
        scheme = services.Scheme(
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            revenue_goal=data["revenue_goal"],
            pool_percent=data["pool_percent"],
            marketing_share=data["marketing_share"],
            steps=steps,
            weights={name: data[field] for name, field in services.WEIGHT_NAMES.items()},
        )
        for formset in formsets:  # saved by the service; the change message lists none
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        if change:
            services.period_update(period=form.instance, scheme=scheme)
        else:
            created = services.period_create(scheme=scheme, by=acting_user(request))
            form.instance.pk = created.pk

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a period's statements are kept for good


@admin.register(Rating)
class RatingAdmin(ReadOnlyAdmin):
    object_scope = Scope.SHARED
    list_display = ["period", "user", "communication", "objections", "rated_by", "rated_at"]
    list_select_related = ["period", "user", "rated_by"]
    list_filter = ["period"]


class LineInline(ReadOnlyInline):
    model = StatementLine
    fields = ("user", "department", "amount", "breakdown")
    readonly_fields = fields


@admin.register(Statement)
class StatementAdmin(ReadOnlyAdmin):
    """Nobody edits or deletes a statement here; approve it on the statement page."""

    object_scope = Scope.SHARED

    inlines = [LineInline]
    list_display = ["period", "version", "status", "pool", "marketing_pool", "sales_pool"]
    list_select_related = ["period"]
    list_filter = ["status", "period"]
