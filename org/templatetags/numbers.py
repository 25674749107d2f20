"""``{{ value|number }}``, ``{{ value|number:2 }}``, ``{{ amount|money }}`` (the company's
currency), ``{{ amount|money:deal.currency }}``, ``{{ rate|percent }}``: see org/numbers.py."""

from django import template
from django.conf import settings

from org.numbers import Number, format_money, format_number, format_percent

register = template.Library()


@register.filter
def number(value: Number, decimals: int = 0) -> str:
    return format_number(value, int(decimals))


@register.filter
def money(value: Number, currency: str | None = None) -> str:
    return format_money(value, currency or None)


@register.filter
def percent(value: Number, decimals: int = 1) -> str:
    return format_percent(value, int(decimals))


@register.filter
def money_whole(value: Number, currency: str | None = None) -> str:
    """Whole units, for compact cards and column heads: ``1 250 000 RUB``."""
    return format_money(value, currency or None, decimals=0)


@register.simple_tag
def currency() -> str:
    """The company's currency code, for a column heading whose cells show bare amounts."""
    return settings.CURRENCY
