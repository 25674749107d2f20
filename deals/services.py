from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from deals.models import Deal, DealStage, StageChange
from leads.models import Lead
from leads.services import lead_mark_converted
from org.models import User


def first_stage() -> DealStage:
    stage = DealStage.objects.filter(is_active=True).order_by("order", "pk").first()
    if stage is None:
        raise ValidationError(_("No deal stage is configured; ask a manager."))
    return stage


@transaction.atomic
def deal_create_from_lead(
    *, lead: Lead, by: User, title: str, amount: Decimal, now: datetime | None = None
) -> Deal:
    """Convert a qualified lead into a deal that carries the lead's attribution."""
    now = now or timezone.now()
    if amount < 0:
        raise ValidationError({"amount": [_("The amount cannot be negative.")]})
    lead = lead_mark_converted(lead=lead, by=by, now=now)
    stage = first_stage()
    deal = Deal.objects.create(
        lead=lead,
        customer=lead.company or lead.name,
        title=title,
        amount=amount,
        owner=by,
        stage=stage,
        channel_id=lead.channel_id,
        campaign_id=lead.campaign_id,
        form_id=lead.form_id,
        segment=lead.segment,
        created_at=now,
        stage_changed_at=now,
    )
    StageChange.objects.create(deal=deal, to_stage=stage, by=by, at=now)
    return deal
