"""Amounts carry their currency and the reader's number format on the deal pages."""

import pytest

pytestmark = pytest.mark.django_db
NBSP = "\xa0"


def test_deal_page_and_board_show_amounts_with_currency_the_russian_way(client, seller, make_deal):
    deal = make_deal(seller, amount="250000.00")
    client.force_login(seller)
    ru = {"accept-language": "ru"}
    html = client.get(f"/deals/{deal.pk}/", headers=ru).content.decode()
    assert f"250{NBSP}000,00{NBSP}RUB" in html
    board = client.get("/deals/", headers=ru).content.decode()
    assert f"250{NBSP}000{NBSP}RUB" in board  # the card, its column and the open total
    english = client.get(f"/deals/{deal.pk}/", headers={"accept-language": "en"}).content.decode()
    assert f"250,000.00{NBSP}RUB" in english


def test_new_deals_default_to_the_company_currency(settings, seller, make_deal):
    settings.CURRENCY = "KZT"
    assert make_deal(seller).currency == "KZT"
