"""How each grouping names its groups: the public key (slug, segment, user id) and a label.

The grouped queries group by the lead's own column (a foreign key id or the segment), which
is cheap and indexed; the keys and labels of all groups are then read in one query.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from leads.labels import segment_label
from leads.models import Campaign, Channel, WebForm
from org.models import User


@dataclass(frozen=True)
class Group:
    key: str | int | None
    label: str
    cost: Decimal | None = None  # campaigns only: the campaign's whole cost, when known


# The Lead column each grouping groups by.
COLUMNS = {
    "channel": "channel",
    "campaign": "campaign",
    "segment": "segment",
    "form": "form",
    "owner": "owner",
}


def _none_label(group_by: str) -> str:
    return {
        "campaign": _("No campaign"),
        "segment": _("No segment"),
        "form": _("No web form"),
        "owner": _("Unassigned"),
    }.get(group_by, _("None"))


def describe_groups(group_by: str, values: Iterable[Any]) -> dict[Any, Group]:
    """Column value -> Group for every value in ``values``; at most one query."""
    values = set(values)
    ids = [v for v in values if v not in (None, "")]
    groups: dict[Any, Group] = {v: Group(None, _none_label(group_by)) for v in values if not v}
    if group_by == "segment":
        groups.update({v: Group(v, segment_label(v)) for v in ids})
    elif group_by == "channel" and ids:
        for pk, slug, name in Channel.objects.filter(pk__in=ids).values_list("pk", "slug", "name"):
            groups[pk] = Group(slug, name)
    elif group_by == "campaign" and ids:
        rows = Campaign.objects.filter(pk__in=ids).values_list("pk", "slug", "name", "cost")
        for pk, slug, name, cost in rows:
            groups[pk] = Group(slug, name, cost)
    elif group_by == "form" and ids:
        for pk, slug, name in WebForm.objects.filter(pk__in=ids).values_list("pk", "slug", "name"):
            groups[pk] = Group(slug, name)
    elif group_by == "owner" and ids:
        for user in User.objects.filter(pk__in=ids).only(
            "pk", "username", "first_name", "last_name"
        ):
            groups[user.pk] = Group(user.pk, str(user))
    return groups
