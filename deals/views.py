"""Browser pages for deals: the board, the deal page and their actions. Every write calls the
same service as the API; a refused action comes back as a message, never a 500."""

from datetime import datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from deals import rules, selectors, services
from deals.models import Deal, DealStage, LostReason, Payment, StageApproval
from leads.models import Channel, Lead
from org.history import with_reason_text
from org.inputs import StoredDateFormField
from org.models import Role, User
from org.pages import back, error_text, url_per_row
from org.paging import CURSOR_PARAM, page_number
from org.permissions import acting_user
from org.selectors import salespeople, user_list
from org.widgets import QuickSelect


def _scoped_deal(request: HttpRequest, pk: int) -> Deal:
    """A deal the caller may see; sales get 404 for someone else's."""
    return get_object_or_404(selectors.deal_scope(user=acting_user(request)), pk=pk)


# --- Board -------------------------------------------------------------------------------------


class BoardFilterForm(forms.Form):
    owner = forms.ModelChoiceField(
        queryset=User.objects.none(),
        required=False,
        empty_label=gettext_lazy("Anyone"),
        label=gettext_lazy("Owner"),
        widget=QuickSelect,
    )
    channel = forms.ModelChoiceField(
        queryset=Channel.objects.order_by("name"),
        to_field_name="slug",
        required=False,
        empty_label=gettext_lazy("All channels"),
        label=gettext_lazy("Channel"),
        widget=QuickSelect,
    )
    # One column in full ("show all" under a column); the choices are the pipeline's stages,
    # already read for the buttons.
    stage = forms.ChoiceField(required=False, label=gettext_lazy("Stage"), widget=QuickSelect)

    def __init__(self, *args: Any, stages: list[DealStage], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = user_list().filter(  # type: ignore[attr-defined]
            role__in=[Role.SALES, Role.MANAGEMENT]
        )
        self.stages = {stage.code: stage for stage in stages}
        self.fields["stage"].choices = [  # type: ignore[attr-defined]
            ("", gettext_lazy("All stages")),
            *((stage.code, stage.name) for stage in stages),
        ]

    def filter(self, deals: Any, *, role: str) -> Any:
        """Sales see their own deals whatever the owner and channel say; the stage applies to
        everyone."""
        if role != Role.SALES and self.cleaned_data.get("owner"):
            deals = deals.filter(owner=self.cleaned_data["owner"])
        if role != Role.SALES and self.cleaned_data.get("channel"):
            deals = deals.filter(channel=self.cleaned_data["channel"])
        return deals

    def chosen_stage(self) -> DealStage | None:
        return self.stages.get(self.cleaned_data.get("stage") or "")


BOARD_PAGE = 50  # cards per page of one column shown in full


@login_required
def board(request: HttpRequest) -> HttpResponse:
    """Open deals by stage, with buttons (and drag and drop) to move them. Each button says
    whether the matrix lets the caller make that move, and if not, why. A column shows its
    count, amount and first cards (``selectors.COLUMN_LIMIT``); ``?stage=`` shows one column
    in full, page by page."""
    user = acting_user(request)
    role = user.effective_role
    stages = selectors.pipeline()
    form = BoardFilterForm(request.GET or None, stages=stages)
    valid = form.is_bound and form.is_valid()
    deals = selectors.deal_list(user=user)
    if valid:
        deals = form.filter(deals, role=role)
    stage = form.chosen_stage() if valid else None
    # The cards' sign-offs come in one query; the buttons' checks then need no more.
    deals_with_signoffs = deals.prefetch_related(
        Prefetch("approvals", queryset=StageApproval.objects.all())
    )
    # The filters without the page and the stage: the base of every column's "show all".
    query = request.GET.copy()
    query.pop("page", None)
    query.pop(CURSOR_PARAM, None)
    query.pop("stage", None)
    base = query.urlencode()
    context: dict[str, Any] = {"form": form, "stage": stage, "board_query": base}
    if stage is not None:
        number = page_number(request.GET.get("page")) or 1
        column, page = selectors.deal_board_column(
            deals=deals_with_signoffs,
            stage=stage,
            number=number,
            size=BOARD_PAGE,
            after=request.GET.get(CURSOR_PARAM) or None,
        )
        columns = [column]
        context.update(
            page=page,
            pages=max(1, -(-column.count // BOARD_PAGE)),
            query="&".join(part for part in (base, f"stage={stage.code}") if part),
        )
    else:
        columns = selectors.deal_board(deals=deals_with_signoffs, stages=stages)
    cards = [deal for column in columns for deal in column.deals]
    # Buttons: one check per distinct situation, their tooltips worded once.
    for check in rules.card_moves(cards, by=user, stages=stages):
        if check.allowed:
            hint = _("On to %(stage)s") if check.forward else _("Back to %(stage)s")
            check.hint = hint % {"stage": check.stage.name}  # type: ignore[attr-defined]
        else:
            check.hint = " ".join(check.problems)  # type: ignore[attr-defined]
    # Links: reversed once, formatted per card.
    detail_url, move_url = url_per_row("deals:detail"), url_per_row("deals:move")
    for deal in cards:
        deal.url = detail_url(deal.pk)  # type: ignore[attr-defined]
        deal.move_url = move_url(deal.pk)  # type: ignore[attr-defined]
    for column in columns:
        column.all_query = "&".join(  # type: ignore[attr-defined]
            part for part in (base, f"stage={column.stage.code}") if part
        )
    context.update(
        columns=columns,
        open_count=sum(c.count for c in columns),
        open_amount=sum((c.amount for c in columns), Decimal("0")),
    )
    if stage is None:
        today = timezone.localdate()
        month_start = today.replace(day=1)
        context.update(
            # the newest eight through deal_closed_idx, joined with what a row shows only
            recent_closed=list(
                deals.select_related(None)
                .select_related("lost_reason")
                .filter(status__in=[Deal.Status.WON, Deal.Status.LOST])
                .order_by("-closed_at", "-pk")[:8]
            ),
            revenue=selectors.revenue_by_source(
                group_by="channel", deals=deals, start=month_start, end=today
            ),
            month_start=month_start,
            awaiting=[],
        )
        if role in (Role.MARKETING, Role.MANAGEMENT):
            awaiting = selectors.deals_awaiting_signoff(department=role)
            context["awaiting"] = list(awaiting.select_related("stage", "owner")[:20])
        for deal in context["recent_closed"]:
            deal.url = detail_url(deal.pk)
    return render(request, "deals/board.html", context)


# --- Deal page ---------------------------------------------------------------------------------


class PaymentForm(forms.Form):
    amount = forms.DecimalField(
        max_digits=14, decimal_places=2, label=gettext_lazy("Amount"), min_value=Decimal("0.01")
    )
    paid_on = StoredDateFormField(
        required=False,
        label=gettext_lazy("Paid on"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class EditForm(forms.Form):
    title = forms.CharField(max_length=200, label=gettext_lazy("Title"))
    amount = forms.DecimalField(
        max_digits=14, decimal_places=2, min_value=Decimal("0"), label=gettext_lazy("Amount")
    )
    expected_close_on = StoredDateFormField(
        required=False,
        label=gettext_lazy("Expected close"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class RepeatForm(forms.Form):
    title = forms.CharField(max_length=200, label=gettext_lazy("Title"))
    amount = forms.DecimalField(
        max_digits=14, decimal_places=2, min_value=Decimal("0"), label=gettext_lazy("Amount")
    )


@login_required
def deal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = acting_user(request)
    deal = get_object_or_404(selectors.deal_detail(user=user), pk=pk)
    stages = selectors.pipeline()
    stage_rules = {s.pk: rules.rules_of(s.funnel_stage) for s in stages}
    given = {(a.stage_id, a.department): a for a in deal.approvals.all()}
    current_rules = stage_rules.get(deal.stage_id)
    signoffs = [
        {
            "department": d,
            "label": rules.department_label(d),
            "given": given.get((deal.stage_id, d)),
        }
        for d in (current_rules.approvers if current_rules else ())
    ]
    may_manage = user.has_role(Role.MANAGEMENT) or (
        user.has_role(Role.SALES) and deal.owner_id == user.pk
    )
    history = with_reason_text(
        deal.history.select_related("history_user", "stage").order_by("-history_date")[:30],
        names={
            **{f.name: str(f.verbose_name) for f in Deal._meta.concrete_fields},
            **{s.code: s.name for s in stages},
            **dict(LostReason.objects.values_list("code", "label")),
        },
    )
    return render(
        request,
        "deals/detail.html",
        {
            "deal": deal,
            "pipeline": [s for s in stages if s.is_active or s.pk == deal.stage_id],
            "moves": rules.move_options(deal=deal, by=user, stages=stages),
            "signoffs": signoffs,
            "missing_signoffs": [s for s in signoffs if s["given"] is None],
            "my_department": user.effective_role,
            "may_manage": may_manage,
            "is_open": deal.status == Deal.Status.OPEN,
            "payment_form": PaymentForm(),
            "can_reassign": deal.status == Deal.Status.OPEN
            and (user.is_manager or user.is_sales_head),
            "salespeople": salespeople(),
            "edit_form": EditForm(
                initial={
                    "title": deal.title,
                    "amount": deal.amount,
                    "expected_close_on": deal.expected_close_on,
                }
            ),
            "repeat_form": RepeatForm(initial={"title": deal.title}),
            "lost_reasons": selectors.lost_reason_list(),
            "history": history,
        },
    )


@require_POST
@login_required
def move(request: HttpRequest, pk: int) -> HttpResponse:
    deal = _scoped_deal(request, pk)
    try:
        deal = services.deal_move(
            deal=deal, stage=request.POST.get("stage", "")[:50], by=acting_user(request)
        )
        messages.success(
            request,
            _("%(deal)s moved to %(stage)s.") % {"deal": deal.title, "stage": deal.stage.name},
        )
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    return back(request, "deals:detail", pk)


@require_POST
@login_required
def payment(request: HttpRequest, pk: int) -> HttpResponse:
    deal = _scoped_deal(request, pk)
    form = PaymentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter an amount above zero and, if you like, the date paid."))
        return back(request, "deals:detail", pk)
    amount = form.cleaned_data["amount"]
    paid_on = form.cleaned_data.get("paid_on")
    if request.POST.get("confirm_over") != "1" and services.payment_would_exceed(
        deal=deal, amount=amount
    ):
        # Money above the deal's amount is possible (extras, a bigger order) but more often a
        # typo: ask before recording it.
        return render(
            request,
            "deals/payment_confirm.html",
            {
                "deal": deal,
                "amount": amount,
                "paid_on": paid_on,
                "paid_total": services.paid_total_of(deal),
                "new_total": services.paid_total_of(deal) + amount,
            },
        )
    paid_at = None  # today, or no date: now
    if paid_on is not None and paid_on != timezone.localdate():
        paid_at = datetime.combine(paid_on, time(12), timezone.get_current_timezone())
    try:
        services.payment_record(deal=deal, amount=amount, paid_at=paid_at, by=acting_user(request))
        messages.success(request, _("Payment recorded."))
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    return back(request, "deals:detail", pk)


@require_POST
@login_required
def reassign(request: HttpRequest, pk: int) -> HttpResponse:
    """A head of sales or management hands the deal to another salesperson."""
    deal = _scoped_deal(request, pk)
    user = acting_user(request)
    if not (user.is_manager or user.is_sales_head):
        raise PermissionDenied
    owner = salespeople().filter(pk=request.POST.get("owner") or 0).first()
    try:
        if owner is None:
            raise ValidationError(_("Choose an active salesperson."))
        services.deal_reassign(deal=deal, owner=owner, by=user)
        messages.success(request, _("The deal is now with %(owner)s.") % {"owner": owner})
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    return redirect("deals:detail", pk)


@require_POST
@login_required
def payment_void(request: HttpRequest, pk: int, payment_id: int) -> HttpResponse:
    deal = _scoped_deal(request, pk)
    payment = get_object_or_404(Payment.objects.filter(deal=deal), pk=payment_id)
    try:
        services.payment_void(
            payment=payment, by=acting_user(request), reason=request.POST.get("reason", "")
        )
        messages.success(request, _("Payment voided; it no longer counts as money received."))
    except services.PaymentAlreadyVoided as exc:
        messages.error(request, str(exc))
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, error_text(exc) if isinstance(exc, ValidationError) else str(exc))
    return redirect("deals:detail", pk)


@require_POST
@login_required
def close(request: HttpRequest, pk: int) -> HttpResponse:
    deal = _scoped_deal(request, pk)
    outcome = request.POST.get("outcome", "")
    try:
        deal = services.deal_close(
            deal=deal,
            outcome=outcome,
            reason=request.POST.get("reason") or None,
            by=acting_user(request),
        )
        messages.success(
            request, _("Deal closed: %(status)s.") % {"status": deal.get_status_display()}
        )
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    return back(request, "deals:detail", pk)


@require_POST
@login_required
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    deal = _scoped_deal(request, pk)
    form = EditForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the deal a title and an amount of zero or more."))
        return back(request, "deals:detail", pk)
    try:
        services.deal_update(deal=deal, by=acting_user(request), **form.cleaned_data)
        messages.success(request, _("Deal updated."))
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    return back(request, "deals:detail", pk)


@require_POST
@login_required
def sign_off(request: HttpRequest, pk: int) -> HttpResponse:
    deal = _scoped_deal(request, pk)
    try:
        services.deal_sign_off(
            deal=deal,
            stage=request.POST.get("stage", "")[:50],
            note=request.POST.get("note", "")[:2000],
            by=acting_user(request),
        )
        messages.success(request, _("Signed off."))
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    return back(request, "deals:detail", pk)


@require_POST
@login_required
def request_sign_off(request: HttpRequest, pk: int) -> HttpResponse:
    deal = _scoped_deal(request, pk)
    try:
        asked = services.deal_request_sign_off(deal=deal, by=acting_user(request))
        messages.success(
            request,
            _("Asked for a sign-off: %(departments)s.")
            % {"departments": rules.join_departments(asked)},
        )
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    return back(request, "deals:detail", pk)


@require_POST
@login_required
def repeat(request: HttpRequest, pk: int) -> HttpResponse:
    """A repeat sale to the customer of this (won) deal."""
    previous = _scoped_deal(request, pk)
    form = RepeatForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the repeat sale a title and an amount."))
        return redirect("deals:detail", pk)
    try:
        deal = services.deal_create_repeat(
            previous=previous, by=acting_user(request), **form.cleaned_data
        )
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return redirect("deals:detail", pk)
    messages.success(request, _("Repeat sale created."))
    return redirect("deals:detail", deal.pk)


# --- Conversion (from the lead page) -------------------------------------------------------


@require_POST
@login_required
def convert(request: HttpRequest, lead_id: int) -> HttpResponse:
    """Convert the caller's own qualified lead (same service as the API)."""
    lead = get_object_or_404(Lead.objects.filter(owner=acting_user(request)), pk=lead_id)
    title = request.POST.get("title", "").strip()[:200]
    try:
        amount = Decimal(request.POST.get("amount", ""))
        if not title or not amount.is_finite():
            raise InvalidOperation
    except InvalidOperation:
        messages.error(request, _("Give the deal a title and a valid amount."))
        return redirect("leads:detail", lead_id)
    try:
        deal = services.deal_create_from_lead(
            lead=lead, by=acting_user(request), title=title, amount=amount
        )
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return redirect("leads:detail", lead_id)
    messages.success(request, _("Deal created."))
    return redirect("deals:detail", deal.pk)  # where the work goes on
