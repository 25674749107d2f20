"""A deal's life: created from a lead or as a repeat sale, edited, moved, closed."""

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from deals import rules, selectors
from deals.models import Deal, LostReason, StageChange
from deals.services.common import (
    check_money,
    create_deal,
    ensure_may_manage,
    ensure_open,
    locked,
    stage_by_code,
)
from leads.models import Lead
from leads.services import lead_mark_converted
from org.audit import save_audited
from org.models import Role, User


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
    check_money(amount, currency)
    lead = lead_mark_converted(lead=lead, by=by, now=now)
    return create_deal(
        by=by,
        now=now,
        lead=lead,
        customer=lead.company or lead.name,
        title=title,
        amount=amount,
        currency=currency or settings.CURRENCY,
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
    check_money(amount, currency)
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
    return create_deal(
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
    deal = locked(deal)
    ensure_may_manage(deal, by)
    ensure_open(deal)
    if title is not None and not title.strip():
        raise ValidationError({"title": [_("Give the deal a title.")]})
    if amount is not None or currency is not None:
        check_money(amount if amount is not None else deal.amount, currency)
    wanted: dict[str, object] = {
        "title": title.strip() if title is not None else None,
        "amount": amount,
        "currency": currency,
    }
    if expected_close_on is not KEEP:
        wanted["expected_close_on"] = expected_close_on
    fields = []
    for name, value in wanted.items():
        if (value is not None or name == "expected_close_on") and getattr(deal, name) != value:
            setattr(deal, name, value)
            fields.append(name)
    if fields:
        save_audited(deal, by=by, reason="edited: " + ", ".join(fields), fields=fields)
    return deal


@transaction.atomic
def deal_reassign(*, deal: Deal, owner: User, by: User) -> Deal:
    """A head of sales or management hands an open deal to another salesperson."""
    if not (by.is_manager or by.is_sales_head):
        raise PermissionDenied(_("Only a head of sales or management reassigns deals."))
    if not (owner.is_active and owner.role == Role.SALES):
        raise ValidationError({"owner": [_("Choose an active salesperson.")]})
    deal = locked(deal)
    ensure_open(deal)
    if deal.owner_id != owner.pk:
        deal.owner = owner
        save_audited(deal, by=by, reason=f"reassigned to {owner.username}", fields=["owner"])
    return deal


@transaction.atomic
def deal_move(*, deal: Deal, stage: str, by: User, now: datetime | None = None) -> Deal:
    """Move a deal to another stage, as the responsibility matrix allows: the caller's
    department must be Responsible or Accountable for the stage, every sign-off required to
    get past the stages in between must have been given, and the current stage must allow
    moving back when the move is backwards. A refused move saves nothing."""
    now = now or timezone.now()
    target = stage_by_code(stage)
    deal = locked(deal)
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
    save_audited(
        deal,
        by=by,
        reason=f"stage {previous.code} -> {target.code}",
        fields=["stage", "stage_changed_at"],
        at=now,
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
    deal = locked(deal)
    ensure_may_manage(deal, by)
    ensure_open(deal)
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
    save_audited(
        deal,
        by=by,
        reason=f"closed {outcome}" + (f" ({lost_reason.code})" if lost_reason else ""),
        fields=["status", "lost_reason", "closed_at"],
        at=now,
    )
    return deal
