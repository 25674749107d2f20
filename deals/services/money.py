"""Payments: the money the funnel runs to. Revenue is counted from these rows."""

from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from deals.models import Deal, Payment
from deals.services.common import FUTURE_TOLERANCE, ensure_may_manage, locked
from org.audit import save_audited
from org.inputs import EARLIEST, earliest_moment
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
    if paid_at < earliest_moment():
        raise ValidationError(
            {"paid_at": [_("A payment cannot be dated before %(day)s.") % {"day": EARLIEST}]}
        )
    deal = locked(deal)
    ensure_may_manage(deal, by)
    if deal.status == Deal.Status.LOST:
        raise ValidationError(_("The deal is lost; a lost deal takes no payments."))
    return Payment.objects.create(deal=deal, amount=amount, paid_at=paid_at, recorded_by=by)


class PaymentAlreadyVoided(Exception):
    """Voiding a payment twice: the API answers 409."""

    def __init__(self) -> None:
        super().__init__(_("This payment is already voided."))


def paid_total_of(deal: Deal) -> Decimal:
    """What the deal has received: its counted (not voided) payments."""
    total = Payment.objects.counted().filter(deal=deal).aggregate(total=Sum("amount"))["total"]
    return total or Decimal("0")


def payment_would_exceed(*, deal: Deal, amount: Decimal) -> bool:
    """Whether recording ``amount`` takes the paid total above the deal's amount: the page
    asks for a confirmation, the API records it and flags ``over_amount``."""
    return paid_total_of(deal) + amount > deal.amount


@transaction.atomic
def payment_void(
    *, payment: Payment, by: User, reason: str, now: datetime | None = None
) -> Payment:
    """Take a payment out of the money received, for good: it stays on record with who voided
    it, when and why, and no longer counts in the paid total, revenue or KPIs."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the payment is voided.")]})
    deal = locked(payment.deal)
    ensure_may_manage(deal, by)
    # The row lock decides between two people voiding at once: the second sees it voided.
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    if payment.voided_at is not None:
        raise PaymentAlreadyVoided
    payment.voided_at = now or timezone.now()
    payment.voided_by = by
    payment.void_reason = reason[:2000]
    save_audited(
        payment,
        by=by,
        reason="voided",
        fields=["voided_at", "voided_by", "void_reason"],
    )
    return payment
