"""Rows for report tests, written directly so every timestamp is exactly what a test says."""

from datetime import datetime, timedelta
from decimal import Decimal

from deals.models import Deal, DealStage, LostReason, Payment
from leads.models import DisqualificationReason, Lead
from org.models import User
from tests.factories import LeadFactory


def lead_at(
    created_at: datetime,
    *,
    touch_after: float | None = None,
    sla_minutes: int | None = 5,
    reason: str | None = None,
    qualified: bool = False,
    **fields: object,
) -> Lead:
    """A lead created at ``created_at``, first touched ``touch_after`` seconds later (never
    when None), with an SLA deadline ``sla_minutes`` after creation (none when None);
    ``reason`` disqualifies it with that reason code."""
    first_touch = None if touch_after is None else created_at + timedelta(seconds=touch_after)
    values: dict[str, object] = {
        "created_at": created_at,
        "first_touch_at": first_touch,
        "qualified_at": (first_touch or created_at) + timedelta(minutes=1) if qualified else None,
        "sla_deadline": None
        if sla_minutes is None
        else created_at + timedelta(minutes=sla_minutes),
        "status": Lead.Status.CONTACTED if first_touch else Lead.Status.NEW,
    }
    if qualified:
        values["status"] = Lead.Status.QUALIFIED
    if reason is not None:
        values["status"] = Lead.Status.DISQUALIFIED
        values["disqualification_reason"] = DisqualificationReason.objects.get(code=reason)
    values.update(fields)
    return LeadFactory(**values)


def deal_for(
    lead: Lead, *, status: str = Deal.Status.OPEN, payments: tuple[tuple[str, datetime], ...] = ()
) -> Deal:
    """Convert ``lead`` into a deal with ``status`` and the given (amount, paid_at) payments."""
    owner = lead.owner or User.objects.filter(role="sales").first()
    assert owner is not None
    Lead.objects.filter(pk=lead.pk).update(status=Lead.Status.CONVERTED)
    deal = Deal.objects.create(
        lead=lead,
        title=f"Deal for {lead.name}",
        amount=Decimal("1000"),
        owner=owner,
        stage=DealStage.objects.order_by("order", "pk").first(),
        status=status,
        lost_reason=LostReason.objects.get(code="price") if status == Deal.Status.LOST else None,
        channel=lead.channel,
        campaign=lead.campaign,
        segment=lead.segment,
    )
    for amount, paid_at in payments:
        Payment.objects.create(
            deal=deal, amount=Decimal(amount), paid_at=paid_at, recorded_by=owner
        )
    return deal
