"""Numbers as people read them, in the reader's language: ``250,000.00`` in English,
``250 000,00`` in Russian. Every page shows amounts, rates and counts through these (and the
``number`` / ``money`` / ``percent`` template filters in org/templatetags/numbers.py), so one
page never mixes ``144 000.00`` with ``250 000,00``."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction

from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import get_language

DASH = "—"
Number = Decimal | Fraction | float | int | str | None


def _decimal(value: Number) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, Fraction):
        return Decimal(value.numerator) / Decimal(value.denominator)
    try:
        return Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return None


def _format(amount: Decimal, decimals: int) -> str:
    # Django's formatter cuts extra digits off; round half-up first (2/3 -> 67%, not 66%).
    amount = amount.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    formatted = number_format(amount, decimal_pos=decimals, use_l10n=True, force_grouping=True)
    # Django's Russian format groups with a no-break space; keep it (a line never breaks inside
    # a number) and use it for every language whose separator is a space.
    return formatted.replace(" ", "\xa0")


def format_number(value: Number, decimals: int = 0) -> str:
    """``1234567.891`` -> ``1,234,567.89`` (en) / ``1 234 567,89`` (ru); "—" when undefined."""
    amount = _decimal(value)
    return DASH if amount is None else _format(amount, decimals)


def format_money(value: Number, currency: str | None = None, decimals: int = 2) -> str:
    """An amount with its currency: ``250 000,00 RUB``. Without one, the company's
    (settings.CURRENCY) - the unit every report total is in."""
    amount = _decimal(value)
    if amount is None:
        return DASH
    return f"{_format(amount, decimals)}\xa0{currency or settings.CURRENCY}"


def format_percent(value: Number, decimals: int = 1) -> str:
    """A rate (0..1) as a percentage: ``0.037`` -> ``3.7%`` (en) / ``3,7 %`` (ru)."""
    rate = _decimal(value)
    if rate is None:
        return DASH
    text = _format(rate * 100, decimals)
    # Russian typography puts a (no-break) space before the percent sign.
    return f"{text}\xa0%" if (get_language() or "").startswith("ru") else f"{text}%"
