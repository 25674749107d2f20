"""Report figures for people: rates as percentages, seconds as durations, "—" when undefined."""

from decimal import Decimal
from fractions import Fraction

from django import template
from django.utils.translation import gettext as _

from org.numbers import format_money, format_percent

register = template.Library()


@register.filter
def percent(value: float | Decimal | Fraction | str | None, digits: int = 1) -> str:
    return format_percent(value, int(digits))


@register.filter
def duration(seconds: float | None) -> str:
    """90 -> "1 min 30 s", 7260 -> "2 h 1 min", 100000 -> "1 d 3 h"."""
    if seconds is None:
        return "—"
    s = round(seconds)
    days, s = divmod(s, 86400)
    hours, s = divmod(s, 3600)
    minutes, s = divmod(s, 60)
    if days:
        return _("%(d)d d %(h)d h") % {"d": days, "h": hours}
    if hours:
        return _("%(h)d h %(m)d min") % {"h": hours, "m": minutes}
    if minutes:
        return _("%(m)d min %(s)d s") % {"m": minutes, "s": s}
    return _("%(s)d s") % {"s": s}


@register.filter
def money(value: Decimal | str | None) -> str:
    """Report totals: in the company's currency, grouped the reader's way (org/numbers.py)."""
    return format_money(value)
