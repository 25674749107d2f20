"""Browser pages for the leads domain. Every write calls the same service as the API."""

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from config.headers import no_store
from leads import selectors, services
from leads.csv_import import INLINE_ROWS, leads_import_upload
from leads.models import (
    Campaign,
    Channel,
    DisqualificationReason,
    Escalation,
    ImportJob,
    Lead,
    LeadDefinition,
    Touch,
)
from leads.services.privacy import ERASE_REASON_MAX
from org import paging
from org.history import with_reason_text
from org.models import Role, User
from org.pages import back, error_text, role_required, url_per_row
from org.periods import Period
from org.permissions import acting_user
from org.selectors import salespeople
from org.widgets import QuickSelect

# --- Lead list ---------------------------------------------------------------------------------


class LeadFilterForm(forms.Form):
    channel = forms.ModelChoiceField(
        queryset=Channel.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label=gettext_lazy("All channels"),
        label=gettext_lazy("Channel"),
        widget=QuickSelect,
    )
    campaign = forms.ModelChoiceField(
        queryset=Campaign.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label=gettext_lazy("All campaigns"),
        label=gettext_lazy("Campaign"),
        widget=QuickSelect,
    )
    status = forms.ChoiceField(
        choices=[("", gettext_lazy("Any status")), *Lead.Status.choices],
        required=False,
        label=gettext_lazy("Status"),
        widget=QuickSelect,
    )
    date_from = forms.DateField(
        required=False,
        label=gettext_lazy("From"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    date_to = forms.DateField(
        required=False,
        label=gettext_lazy("To"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    owner = forms.ModelChoiceField(
        queryset=salespeople(),
        required=False,
        label=gettext_lazy("Owner"),
        empty_label=gettext_lazy("Anyone"),
        widget=QuickSelect,
    )
    breached = forms.NullBooleanField(
        required=False,
        label=gettext_lazy("SLA"),
        widget=QuickSelect(
            choices=[
                ("", gettext_lazy("Any")),
                ("true", gettext_lazy("Breached")),
                ("false", gettext_lazy("Within SLA")),
            ]
        ),
    )

    def filter(self, leads: Any, period: Period) -> Any:
        data = self.cleaned_data
        if data.get("channel"):
            leads = leads.filter(channel=data["channel"])
        if data.get("campaign"):
            leads = leads.filter(campaign=data["campaign"])
        if data.get("status"):
            leads = leads.filter(status=data["status"])
        leads = leads.filter(period.created_q())
        if data.get("owner"):
            leads = leads.filter(owner=data["owner"])
        if data.get("breached") is not None:
            leads = leads.filter(sla_breached=data["breached"])
        return leads


@login_required
def lead_list(request: HttpRequest) -> HttpResponse:
    form = LeadFilterForm(request.GET or None)
    leads = selectors.lead_rows(user=acting_user(request))
    period = Period.from_form(form, "date_from", "date_to", capped=False) if form.is_bound else None
    if period is not None:
        leads = form.filter(leads, period)
    # A million leads: the page's ids first, only its rows joined, the total counted up to
    # a cap (org.paging). Past the last page: the last page is a guess away, so page 1.
    number = paging.page_number(request.GET.get("page")) or 1
    after = request.GET.get(paging.CURSOR_PARAM) or None
    try:
        page = paging.narrow_page(leads, number=number, size=50, after=after)
    except ValueError:  # a position this list did not give: the page by its number
        page = paging.narrow_page(leads, number=number, size=50)
    if number > 1 and not page.object_list:
        page = paging.narrow_page(leads, number=1, size=50)
    total, exact = paging.capped_count(leads)
    detail_url = url_per_row("leads:detail")
    for lead in page:
        lead.url = detail_url(lead.pk)  # type: ignore[attr-defined]
    query = request.GET.copy()
    query.pop("page", None)
    query.pop(paging.CURSOR_PARAM, None)
    return render(
        request,
        "leads/list.html",
        {
            "form": form,
            "page": page,
            "total": total,
            "total_exact": exact,
            "pages": -(-total // 50) if exact else None,
            "query": query.urlencode(),
            "now": timezone.now(),
        },
    )


# --- Lead detail and actions ---------------------------------------------------------------------


class TouchForm(forms.Form):
    kind = forms.ChoiceField(choices=Touch.Kind.choices, label=gettext_lazy("Kind"))
    note = forms.CharField(
        required=False,
        max_length=5000,
        label=gettext_lazy("Note"),
        widget=forms.TextInput(attrs={"placeholder": gettext_lazy("What was said")}),
    )


class DisqualifyForm(forms.Form):
    reason = forms.ChoiceField(choices=(), label=gettext_lazy("Reason"))
    note = forms.CharField(required=False, max_length=5000, label=gettext_lazy("Note"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Nothing pre-selected: closing a lead is a choice, never a default.
        self.fields["reason"].choices = [  # type: ignore[attr-defined]
            ("", gettext_lazy("— choose a reason —")),
            *((r.code, r.label) for r in selectors.reason_list()),
        ]


def _own_lead(request: HttpRequest, pk: int) -> Lead:
    """The caller's own lead, or 404: nobody acts on someone else's lead."""
    return get_object_or_404(Lead.objects.filter(owner=acting_user(request)), pk=pk)


@login_required
def lead_detail(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = acting_user(request)
    lead = get_object_or_404(selectors.lead_detail(user=viewer), pk=pk)
    is_owner = lead.owner_id == request.user.pk
    definition = None
    if is_owner and lead.status == Lead.Status.CONTACTED:
        definition = services.active_definition()
    met = lead.qualification or {}
    criteria = list(lead.definition.criteria.all()) if lead.definition else []
    history = with_reason_text(
        lead.history.select_related("history_user").order_by("-history_date")[:50],
        names=dict(DisqualificationReason.objects.values_list("code", "label")),
    )
    return render(
        request,
        "leads/detail.html",
        {
            "lead": lead,
            "is_owner": is_owner,
            "touch_form": TouchForm(),
            "disqualify_form": DisqualifyForm(),
            "erase_form": EraseForm() if request.user.is_manager else None,  # type: ignore[union-attr]
            "definition": definition,
            "criteria": [(c, met.get(c.code)) for c in criteria],
            "history": history,
            "now": timezone.now(),
            "can_assign": lead.is_open and (viewer.is_manager or viewer.is_sales_head),
            "salespeople": salespeople(),
            **_score_context(lead),
        },
    )


def _score_context(lead: Lead) -> dict[str, Any]:
    """The lead's score and its factors; without one, whether a model exists and, if not,
    why (the history it still needs)."""
    from leads.scoring.scoring import compiled, latest_model
    from leads.scoring.training import history_check
    from leads.scoring.words import factor_rows

    if lead.score is not None:
        model = compiled(lead.score_model_id)
        return {
            "score_percent": round(float(lead.score) * 100),
            "score_factors": factor_rows(lead),
            "score_version": model.version if model else None,
        }
    if lead.erased_at is not None:
        return {"score_erased": True}  # erasure clears the score; rescoring skips the lead
    if latest_model() is not None:
        return {"score_pending": True}
    return {"score_missing": history_check()}


@require_POST
@login_required
def touch(request: HttpRequest, pk: int) -> HttpResponse:
    lead = _own_lead(request, pk)
    form = TouchForm(request.POST)
    if form.is_valid():
        try:
            services.lead_touch(lead=lead, by=acting_user(request), **form.cleaned_data)
            messages.success(request, _("Touch logged for %(lead)s.") % {"lead": lead.name})
        except ValidationError as exc:
            messages.error(request, error_text(exc))
    else:
        messages.error(request, _("Choose what kind of touch it was."))
    return back(request, "leads:detail", pk)


@require_POST
@login_required
def qualify(request: HttpRequest, pk: int) -> HttpResponse:
    lead = _own_lead(request, pk)
    criteria = {
        c.code: request.POST.get(f"criterion_{c.code}") == "on"
        for c in services.active_definition().criteria.all()
    }
    try:
        services.lead_qualify(lead=lead, by=acting_user(request), criteria=criteria)
        messages.success(request, _("%(lead)s is qualified.") % {"lead": lead.name})
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    return redirect("leads:detail", pk)


@require_POST
@login_required
def disqualify(request: HttpRequest, pk: int) -> HttpResponse:
    lead = _own_lead(request, pk)
    form = DisqualifyForm(request.POST)
    if form.is_valid():
        try:
            services.lead_disqualify(lead=lead, by=acting_user(request), **form.cleaned_data)
            messages.success(request, _("%(lead)s is disqualified.") % {"lead": lead.name})
        except ValidationError as exc:
            messages.error(request, error_text(exc))
    else:
        messages.error(request, _("Choose a disqualification reason."))
    return redirect("leads:detail", pk)


@require_POST
@login_required
def assign(request: HttpRequest, pk: int) -> HttpResponse:
    """A head of sales or management gives the lead to a salesperson."""
    user = acting_user(request)
    lead = get_object_or_404(selectors.lead_scope(user=user), pk=pk)
    if not (user.is_manager or user.is_sales_head):
        raise PermissionDenied
    owner = salespeople().filter(pk=request.POST.get("owner") or 0).first()
    try:
        if owner is None:
            raise ValidationError(_("Choose an active salesperson."))
        services.lead_assign(lead=lead, owner=owner, by=user)
        messages.success(
            request, _("%(lead)s is now with %(owner)s.") % {"lead": lead, "owner": owner}
        )
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    return redirect("leads:detail", pk)


# --- Personal data (management) ---------------------------------------------------------------


class EraseForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why (e.g. the person's request and its date)"),
        max_length=ERASE_REASON_MAX,
    )


@role_required(Role.MANAGEMENT)
def personal_data(request: HttpRequest, pk: int) -> HttpResponse:
    """Everything held about the lead's person, as a JSON file (a subject-access request)."""
    lead = get_object_or_404(selectors.lead_scope(user=acting_user(request)), pk=pk)
    response = JsonResponse(
        services.lead_personal_data(lead=lead),
        encoder=DjangoJSONEncoder,
        json_dumps_params={"ensure_ascii": False, "indent": 2},
    )
    response["Content-Disposition"] = f'attachment; filename="lead-{lead.pk}-personal-data.json"'
    return no_store(response)


@require_POST
@role_required(Role.MANAGEMENT)
def erase(request: HttpRequest, pk: int) -> HttpResponse:
    lead = get_object_or_404(selectors.lead_scope(user=acting_user(request)), pk=pk)
    form = EraseForm(request.POST)
    if form.is_valid():
        services.lead_erase(lead=lead, by=acting_user(request), **form.cleaned_data)
        messages.success(request, _("The person's data is erased."))
    else:
        messages.error(request, _("Say why the data is erased."))
    return redirect("leads:detail", pk)


# --- Queue ---------------------------------------------------------------------------------------


def _queue_context(request: HttpRequest) -> dict[str, Any]:
    user: User = request.user  # type: ignore[assignment]
    now = timezone.now()
    context: dict[str, Any] = {
        "now": now,
        "touch_form": TouchForm(),
        "refresh_seconds": settings.QUEUE_REFRESH_SECONDS,
    }
    context["waiting"] = list(selectors.queue_waiting()[:50])
    # Counted up to a cap: after an outage the queue may hold a million leads.
    context["waiting_count"], context["waiting_exact"] = paging.capped_count(
        selectors.queue_waiting()
    )
    if user.effective_role == Role.SALES:
        context["mine"] = list(selectors.leads_of(user=user)[:100])
    if user.effective_role == Role.MANAGEMENT or (user.role == Role.SALES and user.is_head):
        start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
        context["breaches"] = list(
            Escalation.objects.filter(at__gte=start)
            .values("owner_id", "owner__username", "owner__first_name", "owner__last_name")
            .annotate(
                breached=Count("pk", filter=Q(level=1)), returned=Count("pk", filter=Q(level=2))
            )
            .order_by("-breached", "owner__username")
        )
    return context


@role_required(Role.SALES, Role.MANAGEMENT)
def queue(request: HttpRequest) -> HttpResponse:
    return render(request, "leads/queue.html", _queue_context(request))


@role_required(Role.SALES, Role.MANAGEMENT)
def queue_panel(request: HttpRequest) -> HttpResponse:
    """The live part of the queue page, re-fetched by htmx every few seconds."""
    return render(request, "leads/_queue_panel.html", _queue_context(request))


@require_POST
@role_required(Role.SALES)
def claim(request: HttpRequest) -> HttpResponse:
    try:
        lead = services.lead_claim_next(user=acting_user(request))
    except services.CapacityReached as exc:
        messages.error(request, str(exc))
        return redirect("leads:queue")
    if lead is None:
        messages.info(request, _("The queue is empty. Nice work."))
        return redirect("leads:queue")
    messages.success(
        request, _("%(lead)s is yours: make the first touch now.") % {"lead": lead.name}
    )
    return redirect("leads:detail", lead.pk)


# --- CSV import ----------------------------------------------------------------------------------


class ImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("CSV file"))


@role_required(Role.MARKETING, Role.MANAGEMENT)
def import_csv(request: HttpRequest) -> HttpResponse:
    """Small files are imported now and the report shown; a large one becomes a job whose
    progress the page follows (``import_job``)."""
    report = None
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = leads_import_upload(file=form.cleaned_data["file"], by=acting_user(request))
        except ValidationError as exc:
            for error in exc.message_dict.get("file", exc.messages):
                form.add_error("file", error)
        else:
            if isinstance(result, ImportJob):
                return redirect("leads:import_job", pk=result.pk)
            report = result
            if report.ok:
                messages.success(
                    request,
                    _("Imported %(created)d new leads; %(dups)d rows were repeats of open leads.")
                    % {"created": report.created, "dups": report.duplicates},
                )
    failed = form.errors or (report is not None and not report.ok)
    return render(
        request,
        "leads/import.html",
        {
            "form": form,
            "report": report,
            "jobs": _jobs_of(acting_user(request))[:5],
            "inline_rows": INLINE_ROWS,
            "max_rows": settings.CSV_IMPORT_MAX_ROWS,
        },
        status=400 if failed else 200,
    )


def _jobs_of(user: User) -> Any:
    """Import jobs a user may follow: their own; management sees everyone's."""
    jobs = ImportJob.objects.select_related("created_by").defer("data")
    return jobs if user.has_role(Role.MANAGEMENT) else jobs.filter(created_by=user)


@role_required(Role.MARKETING, Role.MANAGEMENT)
def import_job(request: HttpRequest, pk: int) -> HttpResponse:
    """A large import's progress (the partial polls itself while the job runs) and result."""
    job = get_object_or_404(_jobs_of(acting_user(request)), pk=pk)
    template = "leads/_import_job.html" if request.htmx else "leads/import_job.html"  # type: ignore[attr-defined]
    return render(request, template, {"job": job})


# --- Lead definition -----------------------------------------------------------------------------


@login_required
def definition(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    can_sign = user.is_head and user.role in (Role.MARKETING, Role.SALES)
    if request.method == "POST":
        if not can_sign:
            raise PermissionDenied
        try:
            if "approve" in request.POST:
                target = get_object_or_404(LeadDefinition, version=request.POST["approve"])
                result = services.definition_approve(definition=target, by=user)
                messages.success(
                    request,
                    _("Version %(v)s is now active.") % {"v": result.version}
                    if result.status == LeadDefinition.Status.ACTIVE
                    else _("Approval recorded for version %(v)s.") % {"v": result.version},
                )
            else:
                proposed = services.definition_propose(by=user, criteria=_criteria_from(request))
                messages.success(request, _("Version %(v)s proposed.") % {"v": proposed.version})
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        return redirect("leads:definition")
    versions = list(selectors.definition_list().prefetch_related("approvals__user"))
    active = next((v for v in versions if v.status == LeadDefinition.Status.ACTIVE), None)
    active_criteria = list(active.criteria.all()) if active else []
    blank_rows = range(len(active_criteria), len(active_criteria) + 3)
    return render(
        request,
        "leads/definition.html",
        {
            "versions": versions,
            "can_sign": can_sign,
            "active_criteria": active_criteria,
            "blank_rows": blank_rows,
            "row_count": blank_rows.stop,
        },
    )


def _criteria_from(request: HttpRequest) -> list[services.definition.CriterionInput]:
    try:
        count = min(int(request.POST.get("rows", "0")), 100)
    except ValueError:
        raise ValidationError(_("The form was damaged; reload the page.")) from None
    rows: list[services.definition.CriterionInput] = []
    for i in range(count):
        code = request.POST.get(f"code_{i}", "").strip()
        label = request.POST.get(f"label_{i}", "").strip()
        if not code and not label:
            continue
        if not code or not label or len(code) > 50 or len(label) > 200:
            raise ValidationError(_("Each criterion needs a code (up to 50) and a label."))
        if not code.replace("_", "").replace("-", "").isalnum() or not code.isascii():
            raise ValidationError(
                _("Criterion codes use letters, digits, - and _ only: %(code)r.") % {"code": code}
            )
        rows.append({"code": code, "label": label, "required": f"required_{i}" in request.POST})
    return rows
