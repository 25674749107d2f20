"""Brief pages: the list with marketing's response time, a new brief, and one brief with the
moves the caller may make."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from feedback import selectors, services
from feedback.forms import BriefFilterForm, BriefForm
from feedback.models import Brief
from org.models import Role
from org.pages import error_text, form_errors, paginate, role_required
from org.permissions import acting_user


@login_required
def brief_list(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    form = BriefFilterForm(request.GET or None)
    briefs = selectors.brief_list(user=user)
    if form.is_bound and form.is_valid():
        if form.cleaned_data.get("status"):
            briefs = briefs.filter(status=form.cleaned_data["status"])
        if form.cleaned_data.get("overdue"):
            briefs = briefs.filter(status__in=Brief.PENDING, due_on__lt=timezone.localdate())
    page, query = paginate(request, briefs.order_by("-created_at", "-pk"))
    return render(
        request,
        "feedback/briefs.html",
        {
            "form": form,
            "page": page,
            "query": query,
            "stats": selectors.brief_response_stats(briefs=selectors.brief_scope(user=user)),
            "may_create": user.has_role(Role.SALES, Role.MANAGEMENT),
            "today": timezone.localdate(),
            "pending": Brief.PENDING,
        },
    )


@role_required(Role.SALES, Role.MANAGEMENT)
def brief_new(request: HttpRequest) -> HttpResponse:
    form = BriefForm(request.POST or None)
    if request.method == "POST":
        try:
            if not form.is_valid():
                raise ValidationError(form_errors(form))
            brief = services.brief_create(by=acting_user(request), **form.cleaned_data)
            messages.success(request, _("Brief drafted; managers are asked to approve it."))
            return redirect("feedback:brief", brief.pk)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
    return render(
        request, "feedback/brief_new.html", {"form": form}, status=400 if form.is_bound else 200
    )


@login_required
def brief_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = acting_user(request)
    brief = get_object_or_404(selectors.brief_detail(user=user), pk=pk)
    moves = services.next_statuses(brief, user)
    return render(
        request,
        "feedback/brief.html",
        {
            "brief": brief,
            "moves": [(to, Brief.Status(to).label) for to in moves],
            "may_warn": brief.status == Brief.Status.DRAFT and user.has_role(Role.MARKETING),
            "overdue": brief.status in Brief.PENDING and brief.due_on < timezone.localdate(),
            "needs_risks": bool(brief.marketing_warning),
        },
    )


@require_POST
@login_required
def brief_move(request: HttpRequest, pk: int) -> HttpResponse:
    user = acting_user(request)
    brief = get_object_or_404(selectors.brief_scope(user=user), pk=pk)
    try:
        services.brief_transition(
            brief=brief,
            by=user,
            to=request.POST.get("status", "")[:20],
            comment=request.POST.get("comment", ""),
            risks=request.POST.get("risks", ""),
        )
        messages.success(request, _("Brief updated; the next person is told."))
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    return redirect("feedback:brief", pk)


@require_POST
@role_required(Role.MARKETING)
def brief_warn(request: HttpRequest, pk: int) -> HttpResponse:
    user = acting_user(request)
    brief = get_object_or_404(selectors.brief_scope(user=user), pk=pk)
    try:
        services.brief_warn(brief=brief, by=user, warning=request.POST.get("warning", ""))
        messages.success(request, _("Warning sent to the managers."))
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    return redirect("feedback:brief", pk)
