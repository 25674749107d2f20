from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from deals import selectors, services
from deals.models import Deal, DealStage, LostReason, Payment, StageApproval, StageChange
from org.admin_scope import (
    ReadOnlyInline,
    ReadOnlyMixin,
    Scope,
    ScopedHistoryAdmin,
    ScopedModelAdmin,
)
from org.permissions import acting_user


@admin.register(DealStage)
class DealStageAdmin(ScopedHistoryAdmin):
    """The pipeline, edited by managers. A new stage gets its row in the responsibility
    matrix; a stage holding open deals cannot be switched off (see ``DealStage.clean``)."""

    object_scope = Scope.SHARED

    list_display = ["code", "name", "order", "is_active", "allows_moving_back", "funnel_stage"]
    list_editable = ["order", "is_active", "allows_moving_back"]
    list_filter = ["is_active", "allows_moving_back"]
    search_fields = ["code", "name"]
    list_select_related = ["funnel_stage"]
    readonly_fields = ["funnel_stage"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # The code names the stage in the API and links it to its matrix row: fixed once set.
        return ["code", "funnel_stage"] if obj is not None else ["funnel_stage"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        services.deal_stage_save(stage=obj, by=acting_user(request))


@admin.register(LostReason)
class LostReasonAdmin(ScopedModelAdmin):
    object_scope = Scope.SHARED

    list_display = ["code", "label", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "label"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["code"] if obj is not None else []


class PaymentInline(ReadOnlyInline):
    model = Payment
    fields = ["amount", "paid_at", "recorded_by", "voided_at", "void_reason"]
    readonly_fields = ["amount", "paid_at", "recorded_by", "voided_at", "void_reason"]


class StageChangeInline(ReadOnlyInline):
    model = StageChange
    fields = ["from_stage", "to_stage", "by", "at"]
    readonly_fields = ["from_stage", "to_stage", "by", "at"]


class StageApprovalInline(ReadOnlyInline):
    model = StageApproval
    fields = ["stage", "department", "approved_by", "approved_at", "note"]
    readonly_fields = ["stage", "department", "approved_by", "approved_at", "note"]


@admin.register(Deal)
class DealAdmin(ScopedHistoryAdmin):
    """Deals, scoped like everywhere else (sales: their own). Stage, outcome and payments
    change through the deal page and the API (the matrix and the rules apply there), so they
    are read-only here; title, amount, currency and expected close stay editable."""

    object_scope = Scope.SCOPED

    list_display = [
        "title",
        "customer",
        "owner",
        "stage",
        "status",
        "amount",
        "currency",
        "channel",
        "campaign",
        "created_at",
    ]
    list_filter = ["status", "stage", "channel", "campaign", "segment", "lost_reason"]
    search_fields = ["title", "customer"]
    list_select_related = ["owner", "stage", "channel", "campaign"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "lead",
        "previous_deal",
        "customer",
        "owner",
        "stage",
        "status",
        "lost_reason",
        "channel",
        "campaign",
        "form",
        "segment",
        "created_at",
        "stage_changed_at",
        "closed_at",
    ]
    inlines = [PaymentInline, StageChangeInline, StageApprovalInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Deal]:
        return selectors.deal_scope(user=acting_user(request)).select_related(
            "owner", "stage", "channel", "campaign"
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is not None and obj.status != Deal.Status.OPEN:
            return [*self.readonly_fields, "title", "amount", "currency", "expected_close_on"]
        return list(self.readonly_fields)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # deals come from a converted lead or a repeat sale

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        data = form.cleaned_data
        services.deal_update(
            deal=obj,
            by=acting_user(request),
            title=data.get("title"),
            amount=data.get("amount"),
            currency=data.get("currency"),
            expected_close_on=data.get("expected_close_on"),
        )


@admin.register(Payment)
class PaymentAdmin(ReadOnlyMixin, ScopedHistoryAdmin):
    """Money received: recorded and voided on the deal page or through the API. Payments are
    never deleted; a voided one stays here with who voided it, when and why."""

    object_scope = Scope.SCOPED

    list_display = ["deal", "amount", "paid_at", "recorded_by", "voided_at"]
    list_filter = ["deal__channel", "deal__status", ("voided_at", admin.EmptyFieldListFilter)]
    search_fields = ["deal__title", "deal__customer"]
    list_select_related = ["deal", "recorded_by"]
    date_hierarchy = "paid_at"
    readonly_fields = [
        "deal",
        "amount",
        "paid_at",
        "recorded_by",
        "created_at",
        "voided_at",
        "voided_by",
        "void_reason",
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Payment]:
        deals = selectors.deal_scope(user=acting_user(request))
        return Payment.objects.filter(deal__in=deals).select_related("deal", "recorded_by")


@admin.register(StageApproval)
class StageApprovalAdmin(ScopedModelAdmin):
    """Sign-offs given on deals (given on the deal page or through the API)."""

    object_scope = Scope.SCOPED

    list_display = ["deal", "stage", "department", "approved_by", "approved_at"]
    list_filter = ["department", "stage"]
    search_fields = ["deal__title"]
    list_select_related = ["deal", "stage", "approved_by"]
    readonly_fields = ["deal", "stage", "department", "approved_by", "approved_at", "note"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[StageApproval]:
        deals = selectors.deal_scope(user=acting_user(request))
        return StageApproval.objects.filter(deal__in=deals).select_related(
            "deal", "stage", "approved_by"
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
