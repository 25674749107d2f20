"""The feedback inbox, lead-quality roll-ups and the feedback page of one lead or deal."""

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from deals.selectors import deal_scope
from feedback import selectors, services
from feedback.forms import DisputeForm, HeardForm, QualityFilterForm, RatingForm
from feedback.models import Dispute, LeadFeedback, ObjectionHeard
from feedback.rollups import LEAD_CREATED, quality_rollup
from leads.models import Lead
from leads.selectors import lead_scope
from leads.services import active_definition
from org.models import Role
from org.pages import error_text, form_errors, role_required
from org.periods import Period
from org.permissions import acting_user


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    """What waits for the caller across disputes, briefs and review decisions."""
    user = acting_user(request)
    today = timezone.localdate()
    context: dict[str, Any] = {
        "disputes": list(selectors.disputes_awaiting(user=user).order_by("created_at", "pk")[:20]),
        "briefs": list(selectors.briefs_awaiting(user=user).order_by("due_on", "pk")[:20]),
        "items": list(selectors.action_item_list().filter(owner=user, done_at__isnull=True)[:20]),
        "today": today,
        "now": timezone.now(),
    }
    if user.has_role(Role.SALES):
        context["to_rate"] = list(selectors.leads_to_rate(user=user)[:10])
    if user.has_role(Role.MARKETING):
        since = today - timedelta(days=90)
        feedback = LeadFeedback.objects.filter(
            Period(since, None).q(LEAD_CREATED), lead__campaign__owner=user
        )
        context["quality"] = quality_rollup(feedback=feedback, group_by="campaign")
    return render(request, "feedback/inbox.html", context)


@role_required(Role.MARKETING, Role.MANAGEMENT)
def quality(request: HttpRequest) -> HttpResponse:
    """Lead quality as sales rated it, per campaign, web form or channel; a marketer starts
    from their own campaigns."""
    user = acting_user(request)
    data = request.GET.copy()
    if "group_by" not in data and user.has_role(Role.MARKETING):
        data["mine"] = "on"  # first visit: the marketer's own campaigns
    form = QualityFilterForm(data)
    period = Period.from_form(form, "date_from", "date_to") or Period()
    cleaned = form.cleaned_data if form.is_valid() else {}
    feedback = LeadFeedback.objects.filter(period.q(LEAD_CREATED))
    if cleaned.get("mine"):
        feedback = feedback.filter(lead__campaign__owner=user)
    report = quality_rollup(feedback=feedback, group_by=form.group())
    group_label = {
        "campaign": _("Per campaign"),
        "form": _("Per web form"),
        "channel": _("Per channel"),
    }[report.group_by]
    latest = selectors.feedback_list(user=user).filter(pk__in=feedback.values("pk"))[:20]
    tags = {t.code: t for t in selectors.tag_list(active_only=False)}
    return render(
        request,
        "feedback/quality.html",
        {
            "form": form,
            "report": report,
            "group_label": group_label,
            "latest": latest,
            "tags": tags,
            "max_week": max((w.feedbacks for w in report.totals.weeks), default=0),
        },
    )


# --- One lead ------------------------------------------------------------------------------------


def _criteria(lead: Lead) -> list[tuple[str, str]]:
    definition = lead.definition or active_definition()
    return [(c.code, c.label) for c in definition.criteria.all()]


def _touch_choices(lead: Lead) -> list[tuple[int, str]]:
    return [
        (t.pk, f"{t.get_kind_display()} {timezone.localtime(t.at):%d.%m %H:%M}")
        for t in lead.touches.all()
    ]


@login_required
def lead_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Everything said about one lead: quality ratings, the dispute, objections heard. Its
    owner rates it, disputes it and records objections here."""
    user = acting_user(request)
    lead = get_object_or_404(
        lead_scope(user=user).select_related(
            "channel", "campaign", "campaign__owner", "form", "owner", "definition"
        ),
        pk=pk,
    )
    is_owner = lead.owner_id == user.pk and user.has_role(Role.SALES)
    feedback = list(selectors.lead_feedback_of(lead=lead))
    mine = next((f for f in feedback if f.author_id == user.pk), None)
    dispute = Dispute.objects.filter(lead=lead).select_related("raised_by").first()
    context: dict[str, Any] = {
        "lead": lead,
        "is_owner": is_owner,
        "feedback": feedback,
        "dispute": dispute,
        "heard": ObjectionHeard.objects.filter(lead=lead)
        .select_related("objection", "recorded_by", "touch")
        .order_by("-heard_at", "-pk"),
    }
    if is_owner:
        context["rating_form"] = RatingForm(
            initial={
                "rating": mine.rating if mine else None,
                "tags": [t.code for t in mine.tags.all()] if mine else [],
                "comment": mine.comment if mine else "",
            }
        )
        context["mine"] = mine
        may_dispute = (
            dispute is None
            and lead.first_touch_at is not None
            and lead.status != Lead.Status.CONVERTED
        )
        if may_dispute:
            context["dispute_form"] = DisputeForm(criteria=_criteria(lead))
        context["heard_form"] = HeardForm(touches=_touch_choices(lead))
    return render(request, "feedback/lead.html", context)


def _owned_lead(request: HttpRequest, pk: int) -> Lead:
    return get_object_or_404(Lead.objects.filter(owner=acting_user(request)), pk=pk)


@require_POST
@role_required(Role.SALES)
def lead_rate(request: HttpRequest, pk: int) -> HttpResponse:
    lead = _owned_lead(request, pk)
    form = RatingForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
        return redirect("feedback:lead", pk)
    try:
        _feedback, created = services.lead_feedback_give(
            lead=lead, by=acting_user(request), **form.cleaned_data
        )
        messages.success(
            request,
            _("Thank you: marketing sees your rating.") if created else _("Rating updated."),
        )
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    return redirect("feedback:lead", pk)


@require_POST
@role_required(Role.SALES)
def lead_dispute(request: HttpRequest, pk: int) -> HttpResponse:
    lead = _owned_lead(request, pk)
    try:
        form = DisputeForm(request.POST, criteria=_criteria(lead))
        if not form.is_valid():
            raise ValidationError(form_errors(form))
        dispute = services.dispute_raise(lead=lead, by=acting_user(request), **form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return redirect("feedback:lead", pk)
    messages.success(request, _("Dispute raised; marketing has been asked to answer."))
    return redirect("feedback:dispute", dispute.pk)


@transaction.atomic
def _record_heard(request: HttpRequest, form: HeardForm, **where: Any) -> None:
    """A new objection typed in is added to the library only if recording it succeeds."""
    user = acting_user(request)
    objection = form.cleaned_data.get("objection")
    if objection is None:
        objection = services.objection_create(
            by=user,
            text=form.cleaned_data["new_text"],
            category=form.cleaned_data.get("category") or "other",
        )
    services.objection_record_heard(
        objection=objection, by=user, note=form.cleaned_data.get("note", ""), **where
    )
    messages.success(request, _("Objection recorded: “%(text)s”.") % {"text": objection.text})


@require_POST
@role_required(Role.SALES, Role.MANAGEMENT)
def lead_objection(request: HttpRequest, pk: int) -> HttpResponse:
    user = acting_user(request)
    lead = get_object_or_404(
        Lead.objects.all() if user.has_role(Role.MANAGEMENT) else Lead.objects.filter(owner=user),
        pk=pk,
    )
    form = HeardForm(request.POST, touches=_touch_choices(lead))
    try:
        if not form.is_valid():
            raise ValidationError(form_errors(form))
        touch_id = form.cleaned_data.get("touch")
        touch = lead.touches.filter(pk=touch_id).first() if touch_id else None
        _record_heard(request, form, lead=lead, touch=touch)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    return redirect("feedback:lead", pk)


# --- One deal ------------------------------------------------------------------------------------


@login_required
def deal_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Objections heard on a deal and the answers to have ready; its owner records more."""
    user = acting_user(request)
    deal = get_object_or_404(deal_scope(user=user).select_related("lead", "owner", "stage"), pk=pk)
    may_record = user.has_role(Role.MANAGEMENT) or (
        user.has_role(Role.SALES) and deal.owner_id == user.pk
    )
    return render(
        request,
        "feedback/deal.html",
        {
            "deal": deal,
            "may_record": may_record,
            "heard_form": HeardForm() if may_record else None,
            "heard": ObjectionHeard.objects.filter(deal=deal)
            .select_related("objection", "recorded_by")
            .order_by("-heard_at", "-pk"),
        },
    )


@require_POST
@role_required(Role.SALES, Role.MANAGEMENT)
def deal_objection(request: HttpRequest, pk: int) -> HttpResponse:
    deal = get_object_or_404(deal_scope(user=acting_user(request)), pk=pk)
    form = HeardForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form_errors(form))
        _record_heard(request, form, deal=deal)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    return redirect(reverse("feedback:deal", args=[pk]))
