"""A database outage answered as one: ``503`` with ``Retry-After`` instead of a 500.

While PostgreSQL is unreachable (a restart, a fail-over), every request that needs it fails.
Integrations should retry, so the API says ``503 {"detail": ...}`` with ``Retry-After``; a
browser gets a short translated page that needs neither the database nor the session. Nothing
has to be restarted afterwards: Django drops the broken connection at the end of the request
(and checks its health at the start of the next one, ``CONN_HEALTH_CHECKS``), so the first
request after the outage reconnects.
"""

import psycopg
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

RETRY_AFTER_SECONDS = 5


def database_unavailable(exc: BaseException | None) -> bool:
    """Whether ``exc`` (or what it was raised from) says the database cannot be reached."""
    seen = 0
    while exc is not None and seen < 5:
        if isinstance(exc, OperationalError | InterfaceError | psycopg.OperationalError):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


def outage_response(request: HttpRequest) -> HttpResponse:
    message = _("The service is briefly unavailable. Please try again in a few seconds.")
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message}, status=503)
    else:
        # No request context: the context processors and the session would need the database.
        response = HttpResponse(
            render_to_string("503.html", {"message": message, "retry": RETRY_AFTER_SECONDS}),
            status=503,
        )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response
