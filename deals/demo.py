"""Demo deals: most qualified demo leads are converted, through the same service as the API."""

import random
from decimal import Decimal

from deals.models import Deal
from deals.services import deal_create_from_lead
from leads.models import Lead


def seed() -> str:
    if Deal.objects.exists():
        return "deals already present; left as they are"
    rng = random.Random(7)
    converted = 0
    for lead in Lead.objects.filter(status=Lead.Status.QUALIFIED).select_related("owner"):
        if rng.random() < 0.3 or lead.owner is None:
            continue
        amount = Decimal(rng.choice([90, 120, 180, 240, 360, 600, 1200])) * 1000
        deal_create_from_lead(
            lead=lead,
            by=lead.owner,
            title=f"{lead.company or lead.name}: CRM licences",
            amount=amount,
            now=(lead.first_touch_at or lead.created_at),
        )
        converted += 1
    return f"{converted} leads converted into deals"
