"""One way to write numbers per language: ``250,000.00`` in English, ``250 000,00`` in Russian,
amounts with their currency, on every page."""

from decimal import Decimal
from fractions import Fraction

from django.template import Context, Template
from django.utils import translation

from org.numbers import format_money, format_number, format_percent

NBSP = "\xa0"


def test_english():
    with translation.override("en"):
        assert format_number(Decimal("250000")) == "250,000"
        assert format_number("1234567.891", 2) == "1,234,567.89"
        assert format_money(Decimal("250000")) == f"250,000.00{NBSP}RUB"
        assert format_money(Decimal("9.5"), "EUR") == f"9.50{NBSP}EUR"
        assert format_percent(Fraction(1, 27)) == "3.7%"
        assert format_percent(0.5, 0) == "50%"


def test_russian():
    with translation.override("ru"):
        assert format_number(Decimal("144000")) == f"144{NBSP}000"
        assert format_money(Decimal("250000")) == f"250{NBSP}000,00{NBSP}RUB"
        assert format_percent(0.037037037037037035) == f"3,7{NBSP}%"


def test_undefined_is_a_dash():
    assert (format_number(None), format_money(""), format_percent(None)) == ("—", "—", "—")
    assert format_money("not a number") == "—"


def test_company_currency_is_a_setting(settings):
    settings.CURRENCY = "KZT"
    with translation.override("en"):
        assert format_money(1) == f"1.00{NBSP}KZT"


def test_template_filters():
    template = Template(
        "{% load numbers %}{{ a|money:'USD' }} {{ a|money_whole }} {{ r|percent }} {{ a|number:2 }}"
    )
    with translation.override("ru"):
        text = template.render(Context({"a": Decimal("250000"), "r": 0.25}))
    assert text == (f"250{NBSP}000,00{NBSP}USD 250{NBSP}000{NBSP}RUB 25,0{NBSP}% 250{NBSP}000,00")
