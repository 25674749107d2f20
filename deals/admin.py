from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from deals.models import Deal, DealStage, LostReason, Payment


@admin.register(DealStage)
class DealStageAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "order", "is_active"]
    list_editable = ["order", "is_active"]


@admin.register(LostReason)
class LostReasonAdmin(admin.ModelAdmin):
    list_display = ["code", "label", "is_active"]
    search_fields = ["code", "label"]


class PaymentInline(admin.TabularInline):
    model = Payment
    extra = 0
    readonly_fields = ["amount", "paid_at", "recorded_by"]
    can_delete = False


@admin.register(Deal)
class DealAdmin(SimpleHistoryAdmin):
    list_display = [
        "title",
        "owner",
        "stage",
        "status",
        "amount",
        "channel",
        "campaign",
        "created_at",
    ]
    list_filter = ["status", "stage", "channel"]
    search_fields = ["title", "customer"]
    list_select_related = ["owner", "stage", "channel", "campaign"]
    raw_id_fields = ["lead", "previous_deal", "owner"]
    inlines = [PaymentInline]
