import sys

from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, JsonResponse
from django.urls import URLPattern, URLResolver, include, path
from django.utils.translation import gettext as _
from django.views.defaults import bad_request, page_not_found, permission_denied, server_error
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from config.outage import database_unavailable, outage_response
from org.auth import auth_throttled
from org.views import LoginView, PasswordResetConfirmView, PasswordResetView, home

# The API docs page (Swagger UI, served from our static files): the split view loads its start-up
# script as a file (``?script``) instead of inline, so scripts stay 'self' only. Swagger UI's own
# page and widgets need an inline <style> and data: icons; that page alone gets them (it shows
# the schema, never data).
_docs_view = csp_update({"style-src-elem": [UNSAFE_INLINE], "img-src": ["data:"]})(
    SpectacularSwaggerSplitView.as_view(url_name="api:schema")
)

api_v1: list[URLPattern | URLResolver] = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", _docs_view, name="docs"),
    path("", include("org.api_urls")),
    path("", include("leads.api_urls")),
    path("", include("deals.api_urls")),
    path("", include("feedback.api_urls")),
    path("", include("kpi.api_urls")),
    path("", include("ops.api_urls")),
]

urlpatterns = [
    path("", home, name="home"),
    path("accounts/login/", LoginView.as_view(), name="login"),
    path("accounts/password_reset/", PasswordResetView.as_view(), name="password_reset"),
    path(
        "accounts/reset/<uidb64>/<token>/",
        PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/login/", auth_throttled(admin.site.login)),  # the same throttle as every login
    path("admin/", admin.site.urls),
    path("api/v1/", include((api_v1, "api"))),
    path("", include("org.urls")),
    path("leads/", include("leads.urls")),
    path("deals/", include("deals.urls")),
    path("feedback/", include("feedback.urls")),
    path("reports/", include("kpi.urls")),
    path("status/", include("ops.urls")),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)


def handler404(request: HttpRequest, exception: Exception):  # type: ignore[no-untyped-def]
    """API clients get JSON, never an HTML error page."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return page_not_found(request, exception)


def handler400(request: HttpRequest, exception: Exception):  # type: ignore[no-untyped-def]
    """A body over DATA_UPLOAD_MAX_MEMORY_SIZE is a 413; API clients always get JSON."""
    status = 413 if isinstance(exception, RequestDataTooBig) else 400
    if request.path.startswith("/api/"):
        detail = _("Request body too large.") if status == 413 else _("Bad request.")
        return JsonResponse({"detail": str(detail)}, status=status)
    response = bad_request(request, exception)
    response.status_code = status
    return response


def handler403(request: HttpRequest, exception: Exception):  # type: ignore[no-untyped-def]
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": str(exception) or str(_("Forbidden."))}, status=403)
    return permission_denied(request, exception)


def handler500(request: HttpRequest):  # type: ignore[no-untyped-def]
    """A database outage is a 503 with ``Retry-After`` (integrations retry; the next request
    reconnects by itself); anything else a 500. API clients get JSON, browsers a page."""
    if database_unavailable(sys.exc_info()[1]):
        return outage_response(request)
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Server error."}, status=500)
    return server_error(request)
