"""The objection library: the list with how often each is heard, and one objection with its
answers (best first), where it was heard, and marketing's form to answer it."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from feedback import selectors, services
from feedback.forms import AnswerForm, ObjectionForm
from feedback.models import Objection, ObjectionAnswer
from org.models import Role
from org.pages import error_text, form_errors, paginate, role_required
from org.permissions import acting_user


class ObjectionFilterForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Search"), required=False, max_length=100)
    category = forms.ChoiceField(
        label=gettext_lazy("Category"),
        choices=[("", gettext_lazy("Any category")), *Objection.Category.choices],
        required=False,
    )


@login_required
def objection_list(request: HttpRequest) -> HttpResponse:
    form = ObjectionFilterForm(request.GET or None)
    objections = selectors.objection_list()
    if form.is_bound and form.is_valid():
        if form.cleaned_data.get("q"):
            objections = objections.filter(text__icontains=form.cleaned_data["q"])
        if form.cleaned_data.get("category"):
            objections = objections.filter(category=form.cleaned_data["category"])
    page, query = paginate(request, objections)
    weeks = selectors.weekly_frequency(objection_ids=[o.pk for o in page])
    rows = [(o, weeks[o.pk]) for o in page]
    peak = max((n for series in weeks.values() for _, n in series), default=0)
    return render(
        request,
        "feedback/objections.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "peak": peak,
            "query": query,
            "add_form": ObjectionForm(),
        },
    )


@require_POST
@role_required(Role.SALES, Role.MARKETING, Role.MANAGEMENT)
def objection_add(request: HttpRequest) -> HttpResponse:
    form = ObjectionForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form_errors(form))
        objection = services.objection_create(by=acting_user(request), **form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return redirect("feedback:objections")
    messages.success(request, _("Added to the library."))
    return redirect("feedback:objection", objection.pk)


@login_required
def objection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = acting_user(request)
    objection = get_object_or_404(selectors.objection_detail(), pk=pk)
    frequency = selectors.weekly_frequency(objection_ids=[objection.pk], weeks=12)[objection.pk]
    voted = set(
        objection.answers.filter(votes__user=user).values_list("pk", flat=True)
        if user.has_role(Role.SALES)
        else []
    )
    return render(
        request,
        "feedback/objection.html",
        {
            "objection": objection,
            "answers": objection.ranked_answers,  # type: ignore[attr-defined]
            "voted": voted,
            "may_vote": user.has_role(Role.SALES),
            "frequency": frequency,
            "peak": max((n for _, n in frequency), default=0),
            "heard": selectors.occurrences_of(objection=objection, user=user)[:20],
            "answer_form": AnswerForm() if user.has_role(Role.MARKETING, Role.MANAGEMENT) else None,
        },
    )


@require_POST
@role_required(Role.MARKETING, Role.MANAGEMENT)
def answer_add(request: HttpRequest, pk: int) -> HttpResponse:
    objection = get_object_or_404(Objection, pk=pk)
    form = AnswerForm(request.POST, request.FILES)
    try:
        if not form.is_valid():
            raise ValidationError(form_errors(form))
        services.answer_add(
            objection=objection,
            by=acting_user(request),
            text=form.cleaned_data["text"],
            link_url=form.cleaned_data.get("link") or "",
            file=form.cleaned_data.get("file"),
        )
        messages.success(request, _("Answer added; sales see it on their leads and deals."))
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    return redirect("feedback:objection", pk)


@require_POST
@role_required(Role.SALES)
def answer_vote(request: HttpRequest, pk: int) -> HttpResponse:
    answer = get_object_or_404(ObjectionAnswer, pk=pk)
    try:
        created = services.answer_vote(answer=answer, by=acting_user(request))
        if created:
            messages.success(request, _("Thanks: the answers that work rise to the top."))
        else:
            messages.info(request, _("You have already said this answer works."))
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    return redirect("feedback:objection", answer.objection_id)
