"""Demo deals, all through the same services as real use: most qualified demo leads become
deals, which then move through the pipeline, take payments, are won or lost, and a few won
customers buy again. The responsibility matrix is the default one (set up by migration)."""

import random
from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from deals.models import Deal, LostReason
from deals.selectors import stage_list
from deals.services import (
    deal_close,
    deal_create_from_lead,
    deal_create_repeat,
    deal_move,
    payment_record,
)
from leads.models import Lead
from org.models import FunnelStage

# What happens to the n-th deal: the stage it ends at, or its outcome, and how much is paid.
PLAN = [
    ("proposal", None, Decimal("0")),
    ("meeting", None, Decimal("0")),
    ("negotiation", None, Decimal("0")),
    ("contract", None, Decimal("0.3")),
    ("contract", "won", Decimal("1")),
    ("negotiation", "won", Decimal("0.5")),
    ("meeting", "lost", Decimal("0")),
    ("proposal", "lost", Decimal("0")),
    ("contract", "won", Decimal("1")),
]


def _progress(deal: Deal, plan: tuple[str, str | None, Decimal], rng: random.Random) -> Deal:
    target, outcome, paid_share = plan
    now = timezone.now()
    codes = [s.code for s in stage_list()]
    path = codes[1 : codes.index(target) + 1] if target in codes else []
    steps = len(path) + 2
    step = min(timedelta(days=3), (now - deal.created_at) / steps)
    at: datetime = deal.created_at
    for code in path:
        at += step
        deal = deal_move(deal=deal, stage=code, by=deal.owner, now=at)
    if paid_share:
        at += step
        amount = (deal.amount * paid_share).quantize(Decimal("0.01"))
        if amount > 0:
            payment_record(deal=deal, amount=amount, by=deal.owner, paid_at=at, now=now)
    if outcome:
        at += step
        reason = None
        if outcome == Deal.Status.LOST:
            reason = rng.choice(list(LostReason.objects.values_list("code", flat=True)))
        deal = deal_close(deal=deal, outcome=outcome, reason=reason, by=deal.owner, now=at)
    return deal


def holds_data() -> bool:
    return Deal.objects.exists()


def seed() -> str:
    if Deal.objects.exists():
        return "deals already present; left as they are"
    rng = random.Random(7)
    deals = []
    for lead in (
        Lead.objects.filter(status=Lead.Status.QUALIFIED)
        .select_related("owner")
        .order_by("created_at", "pk")
    ):
        if rng.random() < 0.3 or lead.owner is None:
            continue
        amount = Decimal(rng.choice([90, 120, 180, 240, 360, 600, 1200])) * 1000
        deals.append(
            deal_create_from_lead(
                lead=lead,
                by=lead.owner,
                title=f"{lead.company or lead.name}: CRM licences",
                amount=amount,
                expected_close_on=timezone.localdate() + timedelta(days=rng.randint(7, 60)),
                now=(lead.first_touch_at or lead.created_at),
            )
        )
    for i, deal in enumerate(deals):
        deals[i] = _progress(deal, PLAN[i % len(PLAN)], rng)
    repeats = 0
    for deal in [d for d in deals if d.status == Deal.Status.WON][:3]:
        repeat = deal_create_repeat(
            previous=deal,
            by=deal.owner,
            title=f"{deal.customer}: more seats",
            amount=(deal.amount / 2).quantize(Decimal("1")),
        )
        repeats += 1
        if repeats == 1:
            payment_record(deal=repeat, amount=repeat.amount / 4, by=deal.owner)
    return (
        f"{len(deals)} leads converted into deals, {repeats} repeat sales; "
        f"matrix of {FunnelStage.objects.count()} stages"
    )
