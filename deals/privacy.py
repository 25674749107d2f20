"""What the deals app holds about a lead's person, for export and erasure
(``leads.services.privacy``): the customer name a deal copied from the lead (also in its
history and in the repeat sales that follow it). Titles, amounts, stages, payments and dates
stay, so revenue counts as before."""

from typing import Any

from deals.models import Deal


def _deal_ids(lead: Any) -> list[int]:
    """The lead's deal and every repeat sale that follows it."""
    ids = list(Deal.objects.filter(lead=lead).values_list("pk", flat=True))
    frontier = ids
    while frontier:
        frontier = list(
            Deal.objects.filter(previous_deal_id__in=frontier)
            .exclude(pk__in=ids)
            .values_list("pk", flat=True)
        )
        ids += frontier
    return ids


def export(lead: Any) -> list[dict[str, Any]]:
    return [
        {"id": d.pk, "customer": d.customer, "title": d.title, "status": d.status}
        for d in Deal.objects.filter(pk__in=_deal_ids(lead)).order_by("created_at", "id")
    ]


def erase(lead: Any) -> None:
    ids = _deal_ids(lead)
    Deal.objects.filter(pk__in=ids).update(customer="")
    Deal.history.filter(id__in=ids).update(customer="")  # type: ignore[attr-defined]
