"""Dispute pages: the list with ages and one dispute with the next actor's form."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from feedback import selectors, services
from feedback.forms import DecideForm, DisputeFilterForm, RespondForm
from feedback.models import Dispute
from feedback.services.common import may_answer_for_marketing
from feedback.services.disputes import DECISIONS, RESPONSES
from leads.models import LeadCriterion
from org.history import with_reason_text
from org.models import Role
from org.pages import error_text, form_errors, paginate, role_required
from org.permissions import acting_user


@login_required
def dispute_list(request: HttpRequest) -> HttpResponse:
    """Disputes, oldest first; undecided ones by default, with how long each has waited."""
    user = acting_user(request)
    form = DisputeFilterForm(request.GET or None)
    cleaned = form.cleaned_data if form.is_bound and form.is_valid() else {}
    disputes = (
        selectors.disputes_awaiting(user=user)
        if cleaned.get("awaiting")
        else selectors.dispute_list(user=user)
    )
    status = cleaned.get("status", "")
    if status == "":
        disputes = disputes.filter(status__in=Dispute.UNDECIDED)
    elif status != "all":
        disputes = disputes.filter(status=status)
    page, query = paginate(request, disputes.order_by("created_at", "pk"))
    page.object_list = list(page.object_list)  # the rows the template shows, labelled
    _label_unmet(page.object_list)
    return render(
        request,
        "feedback/disputes.html",
        {
            "form": form,
            "page": page,
            "query": query,
            "now": timezone.now(),
            "counts": selectors.dispute_counts(),
        },
    )


def _label_unmet(disputes: list[Dispute]) -> None:
    """Each dispute's unmet criteria by label (``unmet_labels``), in one query for the page."""
    labels = {
        (definition, code): label
        for definition, code, label in LeadCriterion.objects.filter(
            definition_id__in={d.definition_id for d in disputes}
        ).values_list("definition_id", "code", "label")
    }
    for dispute in disputes:
        dispute.unmet_labels = [  # type: ignore[attr-defined]
            labels.get((dispute.definition_id, code), code) for code in dispute.unmet_criteria
        ]


@login_required
def dispute_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = acting_user(request)
    dispute = get_object_or_404(selectors.dispute_list(user=user), pk=pk)
    criteria = {c.code: c.label for c in dispute.definition.criteria.all()}
    may_respond = dispute.status == Dispute.Status.OPEN and may_answer_for_marketing(
        user, dispute.lead
    )
    may_decide = dispute.status in Dispute.ANSWERED and user.has_role(Role.MANAGEMENT)
    history = with_reason_text(
        dispute.history.select_related("history_user").order_by("history_date"),
        # an answer or a decision is named by the status it led to
        names={code: str(status.label) for code, status in {**RESPONSES, **DECISIONS}.items()},
    )
    return render(
        request,
        "feedback/dispute.html",
        {
            "dispute": dispute,
            "unmet": [(code, criteria.get(code, code)) for code in dispute.unmet_criteria],
            "respond_form": RespondForm() if may_respond else None,
            "decide_form": DecideForm() if may_decide else None,
            "now": timezone.now(),
            "history": history,
            # Marketing's answer as it was given, not relabelled by the later decision.
            "answer_label": next(
                (Dispute.Status(h.status).label for h in history if h.status in Dispute.ANSWERED),
                dispute.get_status_display(),
            ),
        },
    )


@require_POST
@role_required(Role.MARKETING)
def dispute_respond(request: HttpRequest, pk: int) -> HttpResponse:
    user = acting_user(request)
    dispute = get_object_or_404(selectors.dispute_list(user=user), pk=pk)
    form = RespondForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form_errors(form))
        services.dispute_respond(dispute=dispute, by=user, **form.cleaned_data)
        messages.success(request, _("Answer recorded; a manager will decide."))
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    return redirect("feedback:dispute", pk)


@require_POST
@role_required(Role.MANAGEMENT)
def dispute_decide(request: HttpRequest, pk: int) -> HttpResponse:
    user = acting_user(request)
    dispute = get_object_or_404(selectors.dispute_list(user=user), pk=pk)
    form = DecideForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form_errors(form))
        services.dispute_decide(dispute=dispute, by=user, **form.cleaned_data)
        messages.success(request, _("Decision recorded; sales and marketing are told."))
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    return redirect("feedback:dispute", pk)
