from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.rest import AuthThrottle
from org import selectors, services
from org.models import Role
from org.permissions import acting_user


class LoginView(auth_views.LoginView):
    """Session login with the same per-address throttle as the token endpoint."""

    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        throttle = AuthThrottle()
        if not throttle.allow_request(request, self):
            wait = int(throttle.wait() or 60)
            response = render(
                request,
                "registration/login.html",
                {"form": self.get_form(), "throttled": True, "wait": wait},
                status=429,
            )
            response["Retry-After"] = str(wait)
            return response
        return super().post(request, *args, **kwargs)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send each department to the page it works from."""
    role = request.user.effective_role  # type: ignore[union-attr]
    if role == Role.SALES:
        return redirect("leads:queue")
    if role == Role.MARKETING:
        return redirect("leads:list")
    return redirect("leads:list")


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    items = selectors.notification_list(user=acting_user(request))[:100]
    return render(request, "org/notifications.html", {"notifications": items})


@login_required
@require_POST
def notifications_read(request: HttpRequest) -> HttpResponse:
    count = services.notifications_mark_read(user=acting_user(request))
    messages.success(request, _("%(count)d notifications marked as read.") % {"count": count})
    return redirect(reverse("org:notifications"))
