"""Object scope in the admin: the same rows as the pages and the API, on every admin view.

Every registered model admin says which kind of rows it shows (``object_scope``):

- ``Scope.SHARED``: reference data and settings (channels, stages, the matrix, ...). The role's
  model permissions decide what it may do; every row is visible to whoever may view the model.
- ``Scope.SCOPED``: somebody's work (leads, deals, disputes, briefs, ...). ``get_queryset``
  narrows the rows through the domain's scope selector, so the change list, the change and
  delete pages and the history pages all see exactly those rows.

An object outside the scope is answered with 404, as in the API (its existence is not
revealed), on the change, delete and history pages alike. History pages are read-only:
reverting would rewrite state (status, owner, stage) past the services that guard it.
``tests/test_admin_scope.py`` walks ``admin.site._registry`` and fails for an admin that has not
declared its scope.
"""

from enum import StrEnum
from typing import Any, ClassVar

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from simple_history.admin import SimpleHistoryAdmin


class Scope(StrEnum):
    SHARED = "shared"
    SCOPED = "scoped"


class ScopedAdminMixin:
    """404 for an object outside ``get_queryset`` (Django's admin redirects to the index)."""

    object_scope: ClassVar[Scope | None] = None

    def _get_obj_does_not_exist_redirect(
        self, request: HttpRequest, opts: Any, object_id: str
    ) -> HttpResponse:
        raise Http404


class ScopedModelAdmin(ScopedAdminMixin, admin.ModelAdmin):
    pass


class ReadOnlyMixin:
    """Rows the application writes (a payment, a training, a flag, an import, a rating) and
    nobody adds, edits or deletes by hand: the admin shows them, whatever the role's
    permissions or a superuser's.

    ``obj`` is optional so that one mixin fits both signatures: ``ModelAdmin`` asks
    ``has_add_permission(request)``, an inline ``has_add_permission(request, obj)``."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyAdmin(ReadOnlyMixin, ScopedModelAdmin):
    pass


class ReadOnlyInline(ReadOnlyMixin, admin.TabularInline):
    """The same rows shown under their parent's change page (a deal's payments, a statement's
    lines): no empty extra forms, no delete boxes, every field read-only."""

    extra = 0
    can_delete = False


class ScopedHistoryAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    """django-simple-history's pages behind the change page's permission and object scope."""

    def _check_history_access(self, request: HttpRequest, object_id: str) -> None:
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        if self.get_object(request, unquote(object_id)) is None:
            raise Http404

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        self._check_history_access(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(
        self,
        request: HttpRequest,
        object_id: str,
        version_id: str,
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):
            raise PermissionDenied  # reverting is switched off for everyone
        self._check_history_access(request, object_id)
        return super().history_form_view(request, object_id, version_id, extra_context)

    def revert_disabled(self, request: HttpRequest, obj: Any = None) -> bool:
        return True
