"""Login protection, the same on every way in (docs/api.md, General).

- The token endpoint, ``/accounts/login/``, ``/admin/login/`` and the password-reset pages are
  throttled per client address (``THROTTLE_AUTH``, :class:`config.rest.AuthThrottle`).
- django-axes counts failed logins per username + client address (the address read exactly as
  the throttles read it: :func:`config.rest.client_address`). After ``LOGIN_FAILURE_LIMIT``
  failures that username is locked from that address for ``LOGIN_COOLOFF_MINUTES``: even the
  right password is refused with 429 and a message (JSON on the API, a page in the browser).
- A password reset for a username locked from the asking address is refused the same way.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from config.rest import AuthThrottle


def _cooloff_seconds() -> int:
    return int(settings.LOGIN_COOLOFF_MINUTES) * 60


def lockout_message() -> str:
    minutes = int(settings.LOGIN_COOLOFF_MINUTES)
    return ngettext(
        "Too many failed logins for this account from your address. "
        "Try again in %(minutes)d minute.",
        "Too many failed logins for this account from your address. "
        "Try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


def refusal(request: HttpRequest, message: str, wait: int) -> HttpResponse:
    """429 with ``Retry-After``: JSON for the API, a readable page in the browser."""
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message}, status=429)
    else:
        response = render(request, "registration/refused.html", {"message": message}, status=429)
    response["Retry-After"] = str(wait)
    return response


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """``AXES_LOCKOUT_CALLABLE``: what a locked-out login attempt gets back."""
    return refusal(request, lockout_message(), _cooloff_seconds())


def is_locked(request: HttpRequest, username: str) -> bool:
    return not AxesProxyHandler.is_allowed(request, {"username": username})


def auth_throttled(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Apply the per-address login throttle to a page's POSTs."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method == "POST":
            throttle = AuthThrottle()
            if not throttle.allow_request(request, None):
                wait = int(throttle.wait() or 60)
                message = _("Too many attempts. Try again in %(wait)d seconds.") % {"wait": wait}
                return refusal(request, message, wait)
        return view(request, *args, **kwargs)

    return wrapped
