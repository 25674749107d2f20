"""Helpers every deals service shares: row locks, who may act, money checks. Audited saves
are ``org.audit.save_audited``."""

import re
from datetime import datetime, timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from deals.models import Deal, DealStage, StageChange
from org.audit import save_audited
from org.models import Role, User

CURRENCY = re.compile(r"^[A-Z]{3}$")
# A payment dated a little ahead (clock skew between the caller and us) is still accepted.
FUTURE_TOLERANCE = timedelta(minutes=5)


def first_stage() -> DealStage:
    stage = DealStage.objects.filter(is_active=True).order_by("order", "pk").first()
    if stage is None:
        raise ValidationError(_("No deal stage is configured; ask a manager."))
    return stage


def locked(deal: Deal) -> Deal:
    """Re-read the deal under a row lock: every transition decides on current state."""
    return Deal.objects.select_for_update(of=("self",)).select_related("stage").get(pk=deal.pk)


def ensure_may_manage(deal: Deal, by: User) -> None:
    """Money and outcome are for the deal's owner and for management."""
    if by.has_role(Role.MANAGEMENT):
        return
    if not by.has_role(Role.SALES):
        raise PermissionDenied(_("Only sales and management act on deals."))
    if deal.owner_id != by.pk:
        # Views scope deals to the caller (404); this guards every other entry point.
        raise ValidationError(_("Only the deal's owner may do this."))


def ensure_open(deal: Deal) -> None:
    if deal.status != Deal.Status.OPEN:
        raise ValidationError(
            _("The deal is already closed (%(status)s).") % {"status": deal.get_status_display()}
        )


def check_money(amount: Decimal, currency: str | None) -> None:
    if not amount.is_finite() or amount < 0:
        raise ValidationError({"amount": [_("The amount cannot be negative.")]})
    if currency is not None and not CURRENCY.match(currency):
        raise ValidationError({"currency": [_("A three-letter currency code, e.g. RUB.")]})


def create_deal(*, by: User, now: datetime, **fields: object) -> Deal:
    stage = first_stage()
    deal = Deal(stage=stage, created_at=now, stage_changed_at=now, **fields)
    save_audited(deal, by=by, reason="created", at=now)
    StageChange.objects.create(deal=deal, to_stage=stage, by=by, at=now)
    return deal


def stage_by_code(code: str) -> DealStage:
    stage = DealStage.objects.filter(code=code, is_active=True).first()
    if stage is None:
        raise ValidationError({"stage": [_("Unknown stage %(code)r.") % {"code": code}]})
    return stage
