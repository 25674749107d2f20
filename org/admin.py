from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from org import services
from org.models import Notification, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
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


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["subject", "recipient", "created_at", "read_at", "emailed_at"]
    list_filter = ["read_at", "emailed_at"]
    search_fields = ["subject", "recipient__username"]
    list_select_related = ["recipient"]
    raw_id_fields = ["recipient"]
