"""Weekly review pages: the meetings, a new meeting with its self-proposed agenda, and one
meeting with its decisions."""

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from deals.models import Deal
from feedback import selectors, services
from feedback.forms import ITEM_ROWS, ActionItemForm, MeetingForm
from feedback.models import ActionItem, Objection, ReviewMeeting
from org.pages import back, error_text, form_errors, paginate
from org.permissions import acting_user


@login_required
def meeting_list(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    page, query = paginate(request, selectors.meeting_list(), per_page=20)
    return render(
        request,
        "feedback/reviews.html",
        {
            "page": page,
            "query": query,
            "items": list(
                selectors.action_item_list().filter(owner=user, done_at__isnull=True)[:50]
            ),
            "may_run": services.may_run_reviews(user),
            "today": timezone.localdate(),
        },
    )


def _deal_label(deal: Deal) -> str:
    return f"{deal.title} · {deal.stage.name} · {deal.owner}"


def _item_forms(data: Any = None) -> list[ActionItemForm]:
    return [ActionItemForm(data, prefix=f"item{i}") for i in range(ITEM_ROWS)]


@login_required
def meeting_new(request: HttpRequest) -> HttpResponse:
    """The agenda proposes itself: deals stuck longest and lost this week come pre-ticked,
    with the objections heard most lately; undecided disputes and overdue briefs are listed."""
    user = acting_user(request)
    if not services.may_run_reviews(user):
        raise PermissionDenied
    agenda = selectors.agenda()
    proposed = [*agenda.stuck_deals, *[d for d in agenda.lost_deals if d not in agenda.stuck_deals]]
    form = MeetingForm(
        request.POST or None,
        deal_choices=[(d.pk, _deal_label(d)) for d in proposed],
        initial={
            "held_on": timezone.localdate(),
            "title": _("Weekly review"),
            "deals": [d.pk for d in proposed],
            "participants": [user.pk],
        },
    )
    # The objections heard most in the last two weeks are offered, the top five ticked.
    recent = list(
        Objection.objects.filter(is_active=True)
        .annotate(
            recent=Count(
                "occurrences",
                filter=Q(occurrences__heard_at__gte=timezone.now() - timedelta(days=14)),
            )
        )
        .order_by("-recent", "text")
        .values_list("pk", "recent")[:12]
    )
    form.fields["objections"].queryset = Objection.objects.filter(  # type: ignore[attr-defined]
        pk__in=[pk for pk, _n in recent]
    )
    if not form.is_bound:
        form.initial["objections"] = [pk for pk, n in recent[:5] if n]
    items = _item_forms(request.POST or None)
    if request.method == "POST":
        filled = [f for f in items if any(f.data.get(f"{f.prefix}-{n}") for n in f.fields)]
        try:
            if not form.is_valid():
                raise ValidationError(form_errors(form))
            for item in filled:
                if not item.is_valid():
                    raise ValidationError(form_errors(item))
            data = form.cleaned_data
            meeting = services.review_meeting_create(
                by=user,
                held_on=data["held_on"],
                title=data["title"],
                notes=data["notes"],
                participants=list(data["participants"]),
                deals=list(Deal.objects.filter(pk__in=[int(pk) for pk in data["deals"]])),
                objections=list(data["objections"]),
                action_items=[
                    {
                        "text": f.cleaned_data["text"],
                        "owner": f.cleaned_data["owner"],
                        "due_on": f.cleaned_data["due_on"],
                    }
                    for f in filled
                ],
            )
            messages.success(request, _("Meeting recorded; owners of decisions are told."))
            return redirect("feedback:review", meeting.pk)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
    return render(
        request,
        "feedback/review_new.html",
        {"form": form, "items": items, "agenda": agenda},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = acting_user(request)
    meeting = get_object_or_404(selectors.meeting_detail(), pk=pk)
    may_run = services.may_run_reviews(user)
    return render(
        request,
        "feedback/review.html",
        {
            "meeting": meeting,
            "may_run": may_run,
            "item_form": ActionItemForm(initial={"due_on": timezone.localdate()})
            if may_run
            else None,
            "today": timezone.localdate(),
            "user_id": user.pk,
            "is_manager": user.is_manager,
        },
    )


@require_POST
@login_required
def action_item_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = acting_user(request)
    if not services.may_run_reviews(user):
        raise PermissionDenied
    meeting = get_object_or_404(ReviewMeeting, pk=pk)
    form = ActionItemForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form_errors(form))
        services.action_item_add(meeting=meeting, by=user, **form.cleaned_data)
        messages.success(request, _("Decision added; its owner is told."))
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    return redirect("feedback:review", pk)


@require_POST
@login_required
def action_item_done(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(ActionItem, pk=pk)
    done = request.POST.get("done", "1") != "0"
    services.action_item_set_done(item=item, by=acting_user(request), done=done)
    messages.success(request, _("Marked done.") if done else _("Reopened."))
    return back(request, reverse("feedback:review", args=[item.meeting_id]))
