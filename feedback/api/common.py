"""Pieces every feedback endpoint shares."""

from typing import Any

from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.generics import get_object_or_404

from deals.models import Deal
from deals.selectors import deal_scope
from leads.models import Lead, Touch
from org.models import Role, User
from org.permissions import role_permission

IsMarketing = role_permission(Role.MARKETING)
AnyDepartment = role_permission(Role.MARKETING, Role.SALES, Role.MANAGEMENT)


def acted_on_leads(user: User) -> QuerySet[Lead]:
    """Leads the caller may act on: a salesperson their own, management any."""
    if user.has_role(Role.MANAGEMENT):
        return Lead.objects.all()
    return Lead.objects.filter(owner=user)


def own_lead(user: User, pk: object) -> Lead:
    return get_object_or_404(acted_on_leads(user), pk=pk)


def own_deal(user: User, pk: object) -> Deal:
    return get_object_or_404(deal_scope(user=user), pk=pk)


def own_touch(user: User, pk: object) -> Touch:
    return get_object_or_404(
        Touch.objects.select_related("lead").filter(lead__in=acted_on_leads(user)), pk=pk
    )


def ids_to_objects(
    model: type[Model], ids: list[int], *, field: str, queryset: QuerySet[Any] | None = None
) -> list[Any]:
    """Objects for a list of ids, in order; unknown ids are a 400 naming them."""
    qs = queryset if queryset is not None else model._default_manager.all()
    wanted = list(dict.fromkeys(ids))
    found = qs.in_bulk(wanted)
    missing = [pk for pk in wanted if pk not in found]
    if missing:
        raise ValidationError(
            {field: [_("Unknown ids: %(ids)s.") % {"ids": ", ".join(map(str, missing))}]}
        )
    return [found[pk] for pk in wanted]
