"""Payments: the money the funnel runs to. Revenue is counted from these rows."""

from datetime import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from deals.models import Deal, Payment
from deals.services.common import FUTURE_TOLERANCE, ensure_may_manage, locked
from org.models import User


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
    deal = locked(deal)
    ensure_may_manage(deal, by)
    if deal.status == Deal.Status.LOST:
        raise ValidationError(_("The deal is lost; a lost deal takes no payments."))
    return Payment.objects.create(deal=deal, amount=amount, paid_at=paid_at, recorded_by=by)


@transaction.atomic
def payment_delete(*, payment: Payment, by: User) -> None:
    """Remove a payment recorded by mistake (management); the history keeps it on record."""
    if not by.is_manager:
        raise PermissionDenied(_("Only managers remove payments."))
    payment._history_user = by  # type: ignore[attr-defined]
    payment._change_reason = "removed"  # type: ignore[attr-defined]
    payment.delete()
