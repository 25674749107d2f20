"""Writes for the deals domain. Views, API, admin and demo data all call these.

Every write that depends on a deal's state re-reads the deal under a row lock first, so two
people acting at once (a move and a close, two closes) are decided one after the other.
"""

import enum
import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from deals import rules, selectors
from deals.models import Deal, DealStage, LostReason, Payment, StageApproval, StageChange
from leads.models import Lead
from leads.services import lead_mark_converted
from org.matrix_services import funnel_stage_for_deal_stage
from org.models import Role, User
from org.services import heads_of, notify

CURRENCY = re.compile(r"^[A-Z]{3}$")
# A payment dated a little ahead (clock skew between the caller and us) is still accepted.
FUTURE_TOLERANCE = timedelta(minutes=5)


def first_stage() -> DealStage:
    stage = DealStage.objects.filter(is_active=True).order_by("order", "pk").first()
    if stage is None:
        raise ValidationError(_("No deal stage is configured; ask a manager."))
    return stage


def _save(obj: Model, *, by: User | None, reason: str, fields: list[str] | None = None) -> None:
    obj._history_user = by  # type: ignore[attr-defined]
    obj._change_reason = reason[:100]  # type: ignore[attr-defined]
    obj.save(update_fields=fields)


def _locked(deal: Deal) -> Deal:
    """Re-read the deal under a row lock: every transition decides on current state."""
    return Deal.objects.select_for_update(of=("self",)).select_related("stage").get(pk=deal.pk)


def _ensure_may_manage(deal: Deal, by: User) -> None:
    """Money and outcome are for the deal's owner and for management."""
    if by.has_role(Role.MANAGEMENT):
        return
    if not by.has_role(Role.SALES):
        raise PermissionDenied(_("Only sales and management act on deals."))
    if deal.owner_id != by.pk:
        # Views scope deals to the caller (404); this guards every other entry point.
        raise ValidationError(_("Only the deal's owner may do this."))


def _ensure_open(deal: Deal) -> None:
    if deal.status != Deal.Status.OPEN:
        raise ValidationError(
            _("The deal is already closed (%(status)s).") % {"status": deal.get_status_display()}
        )


def _check_money(amount: Decimal, currency: str | None) -> None:
    if not amount.is_finite() or amount < 0:
        raise ValidationError({"amount": [_("The amount cannot be negative.")]})
    if currency is not None and not CURRENCY.match(currency):
        raise ValidationError({"currency": [_("A three-letter currency code, e.g. RUB.")]})


def _create(*, by: User, now: datetime, **fields: object) -> Deal:
    stage = first_stage()
    deal = Deal(stage=stage, created_at=now, stage_changed_at=now, **fields)
    _save(deal, by=by, reason="created")
    StageChange.objects.create(deal=deal, to_stage=stage, by=by, at=now)
    return deal


@transaction.atomic
def deal_create_from_lead(
    *,
    lead: Lead,
    by: User,
    title: str,
    amount: Decimal,
    currency: str | None = None,
    expected_close_on: date | None = None,
    now: datetime | None = None,
) -> Deal:
    """Convert a qualified lead into a deal that carries the lead's attribution (channel,
    campaign, web form, segment), so the money it brings is credited to its source."""
    now = now or timezone.now()
    _check_money(amount, currency)
    lead = lead_mark_converted(lead=lead, by=by, now=now)
    return _create(
        by=by,
        now=now,
        lead=lead,
        customer=lead.company or lead.name,
        title=title,
        amount=amount,
        currency=currency or "RUB",
        expected_close_on=expected_close_on,
        owner=by,
        channel_id=lead.channel_id,
        campaign_id=lead.campaign_id,
        form_id=lead.form_id,
        segment=lead.segment,
    )


@transaction.atomic
def deal_create_repeat(
    *,
    previous: Deal,
    by: User,
    title: str,
    amount: Decimal,
    currency: str | None = None,
    expected_close_on: date | None = None,
    owner: User | None = None,
    now: datetime | None = None,
) -> Deal:
    """A repeat sale to an existing customer: a new deal linked to the won deal it follows.
    It keeps the original attribution, so repeat revenue is still credited to the channel and
    campaign that brought the customer. Sales sell again to their own customers; management
    may give the deal to any active salesperson (by default the earlier deal's owner)."""
    now = now or timezone.now()
    _check_money(amount, currency)
    if not title.strip():
        raise ValidationError({"title": [_("Give the deal a title.")]})
    if not by.has_role(Role.SALES, Role.MANAGEMENT):
        raise PermissionDenied(_("Only sales and management create deals."))
    if by.has_role(Role.SALES):
        if previous.owner_id != by.pk:
            raise ValidationError({"previous_deal": [_("Unknown deal.")]})
        if owner is not None and owner.pk != by.pk:
            raise ValidationError({"owner": [_("Salespeople create deals for themselves.")]})
        owner = by
    if previous.status != Deal.Status.WON:
        raise ValidationError(
            {
                "previous_deal": [
                    _("A repeat sale follows a won deal: this customer has not bought.")
                ]
            }
        )
    owner = owner or previous.owner
    if not owner.has_role(Role.SALES, Role.MANAGEMENT):
        raise ValidationError(
            {"owner": [_("The earlier owner is no longer in sales; choose an owner.")]}
        )
    return _create(
        by=by,
        now=now,
        previous_deal=previous,
        customer=previous.customer,
        title=title.strip(),
        amount=amount,
        currency=currency or previous.currency,
        expected_close_on=expected_close_on,
        owner=owner,
        channel_id=previous.channel_id,
        campaign_id=previous.campaign_id,
        form_id=previous.form_id,
        segment=previous.segment,
    )


class _Keep(enum.Enum):
    """Marks an argument left out (``None`` is a value: it clears the date)."""

    KEEP = 0


KEEP = _Keep.KEEP


@transaction.atomic
def deal_update(
    *,
    deal: Deal,
    by: User,
    title: str | None = None,
    amount: Decimal | None = None,
    currency: str | None = None,
    expected_close_on: date | Literal[_Keep.KEEP] | None = KEEP,
) -> Deal:
    """Edit an open deal's title, amount, currency or expected close date."""
    deal = _locked(deal)
    _ensure_may_manage(deal, by)
    _ensure_open(deal)
    fields = []
    if title is not None:
        if not title.strip():
            raise ValidationError({"title": [_("Give the deal a title.")]})
        deal.title = title.strip()
        fields.append("title")
    if amount is not None or currency is not None:
        _check_money(amount if amount is not None else deal.amount, currency)
    if amount is not None:
        deal.amount = amount
        fields.append("amount")
    if currency is not None:
        deal.currency = currency
        fields.append("currency")
    if expected_close_on is not KEEP:
        deal.expected_close_on = expected_close_on
        fields.append("expected_close_on")
    if fields:
        _save(deal, by=by, reason="edited: " + ", ".join(fields), fields=fields)
    return deal


def _stage_by_code(code: str) -> DealStage:
    stage = DealStage.objects.filter(code=code, is_active=True).first()
    if stage is None:
        raise ValidationError({"stage": [_("Unknown stage %(code)r.") % {"code": code}]})
    return stage


@transaction.atomic
def deal_move(*, deal: Deal, stage: str, by: User, now: datetime | None = None) -> Deal:
    """Move a deal to another stage, as the responsibility matrix allows: the caller's
    department must be Responsible or Accountable for the stage, every sign-off required to
    get past the stages in between must have been given, and the current stage must allow
    moving back when the move is backwards. A refused move saves nothing."""
    now = now or timezone.now()
    target = _stage_by_code(stage)
    deal = _locked(deal)
    if by.has_role(Role.SALES) and deal.owner_id != by.pk:
        raise ValidationError(_("Only the deal's owner may do this."))
    check = rules.check_move(
        deal=deal,
        to=target,
        by=by,
        stages=selectors.pipeline(),
        given=set(deal.approvals.values_list("stage_id", "department")),
    )
    if not check.allowed:
        raise ValidationError(check.error_detail())  # type: ignore[arg-type]
    previous = deal.stage
    deal.stage = target
    deal.stage_changed_at = now
    _save(
        deal,
        by=by,
        reason=f"stage {previous.code} -> {target.code}",
        fields=["stage", "stage_changed_at"],
    )
    StageChange.objects.create(deal=deal, from_stage=previous, to_stage=target, by=by, at=now)
    return deal


@transaction.atomic
def deal_close(
    *,
    deal: Deal,
    outcome: str,
    by: User,
    reason: str | None = None,
    now: datetime | None = None,
) -> Deal:
    """Close a deal won or lost. Lost needs a reason from the controlled list. Won counts as
    moving past the current stage, so that stage's required sign-offs must be given."""
    now = now or timezone.now()
    if outcome not in (Deal.Status.WON, Deal.Status.LOST):
        raise ValidationError({"outcome": [_("Choose won or lost.")]})
    deal = _locked(deal)
    _ensure_may_manage(deal, by)
    _ensure_open(deal)
    lost_reason = None
    if outcome == Deal.Status.LOST:
        lost_reason = LostReason.objects.filter(code=reason or "", is_active=True).first()
        if lost_reason is None:
            raise ValidationError(
                {"reason": [_("A lost deal needs a reason from the list of lost reasons.")]}
            )
    else:
        if reason:
            raise ValidationError({"reason": [_("Only a lost deal has a reason.")]})
        stages = {stage.pk: stage for stage in selectors.pipeline()}
        missing = rules.missing_signoffs(
            passed=[stages[deal.stage_id]],
            given=set(deal.approvals.values_list("stage_id", "department")),
        )
        if missing:
            raise ValidationError(
                {
                    "outcome": [m.message for m in missing],
                    "missing_approvals": [m.code for m in missing],
                }
            )
    deal.status = outcome
    deal.lost_reason = lost_reason
    deal.closed_at = now
    _save(
        deal,
        by=by,
        reason=f"closed {outcome}" + (f" ({lost_reason.code})" if lost_reason else ""),
        fields=["status", "lost_reason", "closed_at"],
    )
    return deal


@transaction.atomic
def payment_record(
    *,
    deal: Deal,
    amount: Decimal,
    by: User,
    paid_at: datetime | None = None,
    now: datetime | None = None,
) -> Payment:
    """Record money received on an open or won deal. Revenue is counted from these rows."""
    now = now or timezone.now()
    paid_at = paid_at or now
    if not amount.is_finite() or amount <= 0:
        raise ValidationError({"amount": [_("A payment must be more than zero.")]})
    if paid_at > now + FUTURE_TOLERANCE:
        raise ValidationError({"paid_at": [_("A payment cannot be dated in the future.")]})
    deal = _locked(deal)
    _ensure_may_manage(deal, by)
    if deal.status == Deal.Status.LOST:
        raise ValidationError(_("The deal is lost; a lost deal takes no payments."))
    return Payment.objects.create(deal=deal, amount=amount, paid_at=paid_at, recorded_by=by)


def _asked_of(stage: DealStage) -> tuple[str, ...]:
    stages = {s.pk: s for s in selectors.pipeline()}
    return rules.rules_of(stages[stage.pk].funnel_stage).approvers


@transaction.atomic
def deal_sign_off(
    *, deal: Deal, stage: str, by: User, note: str = "", now: datetime | None = None
) -> StageApproval:
    """The caller's department signs off a deal's stage, as its hand-off rule requires."""
    now = now or timezone.now()
    target = _stage_by_code(stage)
    deal = _locked(deal)
    if by.has_role(Role.SALES) and deal.owner_id != by.pk:
        raise ValidationError(_("Only the deal's owner may do this."))
    _ensure_open(deal)
    department = by.effective_role
    if department not in _asked_of(target):
        raise ValidationError(
            {
                "stage": [
                    _("%(stage)s needs no sign-off from %(department)s.")
                    % {"stage": target.name, "department": rules.department_label(department)}
                ]
            }
        )
    try:
        with transaction.atomic():
            approval = StageApproval.objects.create(
                deal=deal,
                stage=target,
                department=department,
                approved_by=by,
                approved_at=now,
                note=note,
            )
    except IntegrityError:
        raise ValidationError(
            {
                "stage": [
                    _("%(department)s has already signed off %(stage)s.")
                    % {"department": rules.department_label(department), "stage": target.name}
                ]
            }
        ) from None
    if deal.owner_id != by.pk:
        notify(
            recipients=[deal.owner],
            subject=_("%(department)s signed off %(stage)s: %(deal)s")
            % {
                "department": rules.department_label(department),
                "stage": target.name,
                "deal": deal.title,
            },
            body=note,
            link=reverse("deals:detail", args=[deal.pk]),
        )
    return approval


@transaction.atomic
def deal_request_sign_off(*, deal: Deal, by: User, stage: str | None = None) -> list[str]:
    """Ask the departments whose sign-off is still missing at a stage (default: the current
    one) for it: their heads get a notification. Returns the departments asked."""
    deal = _locked(deal)
    _ensure_may_manage(deal, by)
    _ensure_open(deal)
    target = _stage_by_code(stage) if stage else deal.stage
    given = set(deal.approvals.values_list("stage_id", "department"))
    missing = [d for d in _asked_of(target) if (target.pk, d) not in given]
    if not missing:
        raise ValidationError(
            {"stage": [_("%(stage)s needs no more sign-offs.") % {"stage": target.name}]}
        )
    for department in missing:
        notify(
            recipients=heads_of(department),
            subject=_("Sign-off needed on %(stage)s: %(deal)s")
            % {"stage": target.name, "deal": deal.title},
            body=_("%(user)s asks %(department)s to sign off %(stage)s.")
            % {
                "user": by,
                "department": rules.department_label(department),
                "stage": target.name,
            },
            link=reverse("deals:detail", args=[deal.pk]),
        )
    return missing


# --- Stages (managers, through the admin) ---------------------------------------------------


def deal_stage_validate(*, stage: DealStage) -> None:
    """A stage holding open deals stays active, and the pipeline keeps at least one stage."""
    if stage.pk is None or stage.is_active:
        return
    open_deals = Deal.objects.filter(stage=stage, status=Deal.Status.OPEN).count()
    if open_deals:
        raise ValidationError(
            {
                "is_active": [
                    _("%(count)d open deals are at this stage; move them first.")
                    % {"count": open_deals}
                ]
            }
        )
    if not DealStage.objects.filter(is_active=True).exclude(pk=stage.pk).exists():
        raise ValidationError({"is_active": [_("The pipeline needs at least one stage.")]})


@transaction.atomic
def deal_stage_save(*, stage: DealStage, by: User) -> DealStage:
    """Save a pipeline stage a manager edited or added; a new stage gets its row in the
    responsibility matrix (sales responsible, management accountable) at its place."""
    if not by.is_manager:
        raise PermissionDenied(_("Only managers change the pipeline."))
    deal_stage_validate(stage=stage)
    if (
        stage.funnel_stage_id is None
        and DealStage.objects.filter(funnel_stage__code=stage.code).exclude(pk=stage.pk).exists()
    ):
        raise ValidationError({"code": [_("Another stage already uses this code's matrix row.")]})
    _save(stage, by=by, reason="edited" if stage.pk else "added")
    if stage.funnel_stage_id is None:
        before = (
            DealStage.objects.filter(funnel_stage__isnull=False, order__lte=stage.order)
            .exclude(pk=stage.pk)
            .select_related("funnel_stage")
            .order_by("-order", "-pk")
            .first()
        )
        stage.funnel_stage = funnel_stage_for_deal_stage(
            code=stage.code, name=stage.name, after=before.funnel_stage if before else None
        )
        _save(stage, by=by, reason="linked to the matrix", fields=["funnel_stage"])
    return stage
