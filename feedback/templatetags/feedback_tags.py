"""Template tags of the feedback app.

``{% objection_answers lead=lead %}`` / ``{% objection_answers deal=deal %}`` puts the
objections heard on that lead or deal (topped up with the most heard lately) and marketing's
best answers on the page, in a fixed number of queries.
"""

from typing import Any

from django import template
from django.urls import reverse

from deals.models import Deal
from feedback import selectors
from leads.models import Lead
from org.models import Role

register = template.Library()


@register.inclusion_tag("feedback/_objection_answers.html", takes_context=True)
def objection_answers(
    context: template.Context, lead: Lead | None = None, deal: Deal | None = None
) -> dict[str, Any]:
    user = context.get("user")
    cards = selectors.objection_answers_for(lead=lead, deal=deal)
    page, owner_id = "", None
    if deal is not None:
        page, owner_id = reverse("feedback:deal", args=[deal.pk]), deal.owner_id
    elif lead is not None:
        page, owner_id = reverse("feedback:lead", args=[lead.pk]), lead.owner_id
    may_record = bool(
        user is not None
        and user.is_authenticated
        and (user.has_role(Role.MANAGEMENT) or (user.has_role(Role.SALES) and owner_id == user.pk))
    )
    return {"cards": cards, "page": page, "may_record": may_record, "is_lead": deal is None}


@register.filter
def stars(rating: int | float | None) -> str:
    """★★★☆☆ for a rating (rounded to a whole star)."""
    if rating is None:
        return ""
    full = max(0, min(5, round(float(rating))))
    return "★" * full + "☆" * (5 - full)


@register.filter
def duration(seconds: float | None) -> str:
    """A short human duration: 45 s, 12 min, 3.5 h, 2.1 d."""
    if seconds is None:
        return "—"
    seconds = float(seconds)
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} d"


@register.filter
def percent_of(value: int | float, total: int | float) -> int:
    """``value`` as a whole percentage of ``total`` (0 when total is 0), for bar widths."""
    if not total:
        return 0
    return round(100 * float(value) / float(total))


@register.filter
def get_item(mapping: dict[Any, Any], key: Any) -> Any:
    return mapping.get(key)
