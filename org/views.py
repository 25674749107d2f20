from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from org import matrix_services, selectors, services
from org.auth import auth_throttled, is_locked, lockout_response
from org.calendar import public_holidays
from org.matrix import matrix_changes, matrix_rows, reporting_lines, rules_of
from org.models import ApiKey, CompanyDay, FunnelStage, HandOff, Raci, Role, User
from org.pages import error_text, role_required
from org.permissions import acting_user


@method_decorator(auth_throttled, name="dispatch")
class LoginView(auth_views.LoginView):
    """Session login: throttled per address; a locked-out username is refused (org/auth.py)."""

    redirect_authenticated_user = True


@method_decorator(auth_throttled, name="dispatch")
class PasswordResetView(auth_views.PasswordResetView):
    """Throttled per address, and refused for an account locked out from this address."""

    def form_valid(self, form: Any) -> HttpResponse:
        usernames = User.objects.filter(
            email__iexact=form.cleaned_data["email"], is_active=True
        ).values_list("username", flat=True)
        if any(is_locked(self.request, username) for username in usernames):
            return lockout_response(self.request)
        return super().form_valid(form)


@method_decorator(auth_throttled, name="dispatch")
class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    pass


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


# --- The responsibility matrix ------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def matrix(request: HttpRequest) -> HttpResponse:
    """The whole matrix for everyone; managers change letters in the same grid."""
    user = acting_user(request)
    rows = list(matrix_rows())
    if request.method == "POST":
        changes: dict[str, dict[str, str]] = {}
        for row in rows:
            for department in Role.values:
                value = request.POST.get(f"cell-{row.code}-{department}")
                if value is not None:
                    changes.setdefault(row.code, {})[department] = value
        try:
            count = matrix_services.matrix_set_letters(changes=changes, by=user)
            messages.success(
                request, _("Responsibility matrix saved: %(count)d changes.") % {"count": count}
            )
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        return redirect("org:matrix")
    grid = []
    for row in rows:
        rules = rules_of(row)
        grid.append(
            {
                "stage": row,
                "cells": [(d, rules.letters.get(d, "")) for d in Role.values],
                "owners": [Role(d).label for d in rules.owners],
            }
        )
    return render(
        request,
        "org/matrix.html",
        {
            "grid": grid,
            "departments": Role.choices,
            "letters": Raci.choices,
            "handoffs": [h for row in rows for h in row.handoffs.all()],
            "stages": rows,
            "reporting": list(reporting_lines()),
            "changes": matrix_changes(limit=25),
            "is_manager": user.is_manager,
        },
    )


@login_required
@require_POST
def matrix_handoff_add(request: HttpRequest) -> HttpResponse:
    stage = FunnelStage.objects.filter(code=request.POST.get("stage", "")).first()
    try:
        if stage is None:
            raise ValidationError(_("Choose a stage."))
        matrix_services.handoff_create(
            stage=stage,
            from_department=request.POST.get("from_department", ""),
            to_department=request.POST.get("to_department", ""),
            what=request.POST.get("what", "")[:300],
            approver=request.POST.get("approver", ""),
            by=acting_user(request),
        )
        messages.success(request, _("Hand-off rule added."))
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    return redirect(reverse("org:matrix") + "#handoffs")


@login_required
@require_POST
def matrix_handoff_update(request: HttpRequest, pk: int) -> HttpResponse:
    handoff = get_object_or_404(HandOff, pk=pk)
    try:
        matrix_services.handoff_update(
            handoff=handoff,
            what=request.POST.get("what", handoff.what)[:300],
            approver=request.POST.get("approver", handoff.approver),
            by=acting_user(request),
        )
        messages.success(request, _("Hand-off rule saved."))
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    return redirect(reverse("org:matrix") + "#handoffs")


@login_required
@require_POST
def matrix_handoff_delete(request: HttpRequest, pk: int) -> HttpResponse:
    handoff = get_object_or_404(HandOff, pk=pk)
    matrix_services.handoff_delete(handoff=handoff, by=acting_user(request))
    messages.success(request, _("Hand-off rule removed."))
    return redirect(reverse("org:matrix") + "#handoffs")


# --- Integration API keys (management) ------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
@role_required(Role.MANAGEMENT)
def api_keys(request: HttpRequest) -> HttpResponse:
    """Keys for integrations: created here for one purpose, shown once, revoked here."""
    user = acting_user(request)
    new_key = None
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            _, new_key = services.api_key_create(
                by=user,
                name=request.POST.get("name", ""),
                purpose=request.POST.get("purpose", ""),
            )
        except ValidationError as exc:
            errors = exc.message_dict
    return render(
        request,
        "org/api_keys.html",
        {
            "keys": selectors.api_key_list(),
            "purposes": ApiKey.Purpose.choices,
            "new_key": new_key,
            "errors": errors,
        },
        status=400 if errors else 200,
    )


@login_required
@require_POST
@role_required(Role.MANAGEMENT)
def api_key_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    user = acting_user(request)
    api_key = get_object_or_404(selectors.api_key_list(), pk=pk)
    services.api_key_revoke(api_key=api_key, by=user)
    messages.success(request, _("The key %(name)s no longer works.") % {"name": api_key.name})
    return redirect(reverse("org:api_keys"))


# --- The company calendar (management) ---------------------------------------------------------


class CompanyDayForm(forms.Form):
    date = forms.DateField(
        label=gettext_lazy("Date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=CompanyDay.Kind.choices)
    note = forms.CharField(label=gettext_lazy("Note"), max_length=200, required=False)


@login_required
@require_http_methods(["GET", "POST"])
@role_required(Role.MANAGEMENT)
def calendar(request: HttpRequest) -> HttpResponse:
    """The company calendar: the country's public holidays (read-only, from the holidays
    package) and the company's own days off and worked weekend days, which management edits."""
    user = acting_user(request)
    form = CompanyDayForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            day = services.company_day_set(
                by=user,
                day=form.cleaned_data["date"],
                kind=form.cleaned_data["kind"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            messages.success(request, _("Saved: %(day)s.") % {"day": day})
            return redirect(reverse("org:calendar"))
    year = timezone.localdate().year
    language = request.LANGUAGE_CODE
    holidays = [
        (day, name)
        for y in (year, year + 1)
        for day, name in sorted(public_holidays(y, language=language).items())
    ]
    return render(
        request,
        "org/calendar.html",
        {
            "form": form,
            "company_days": CompanyDay.objects.filter(date__gte=f"{year - 1}-01-01"),
            "holidays": holidays,
            "country": settings.HOLIDAYS_COUNTRY,
            "years": (year, year + 1),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
@role_required(Role.MANAGEMENT)
def calendar_day_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user = acting_user(request)
    company_day = get_object_or_404(CompanyDay, pk=pk)
    services.company_day_delete(by=user, company_day=company_day)
    messages.success(request, _("Removed: %(day)s.") % {"day": company_day})
    return redirect(reverse("org:calendar"))
