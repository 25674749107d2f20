"""``paid_at`` is any moment from 2000-01-01 up to now (API.md); a payment dated in year 1
used to be stored and then broke every page showing its deal under a non-UTC TIME_ZONE."""

import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "paid_at",
    [
        "0001-01-01T00:00:00-05:00",
        "1999-12-31T23:59:59Z",
        "2026-01-01T00:00:00+16:00",
        "9999-12-31T00:00:00Z",
        "2026-01-01T00:00:00",
    ],
)
def test_paid_at_outside_the_contract_is_a_400(as_user, seller, make_deal, paid_at) -> None:
    deal = make_deal(seller)
    response = as_user(seller).post(
        f"/api/v1/deals/{deal.pk}/payments/", {"amount": "10.00", "paid_at": paid_at}, format="json"
    )
    assert response.status_code == 400, response.content
    assert "paid_at" in response.json()
    assert not deal.payments.exists()


@override_settings(TIME_ZONE="America/New_York")
def test_the_earliest_paid_at_is_taken_and_the_deal_page_shows(
    as_user, client, seller, make_deal
) -> None:
    deal = make_deal(seller)
    response = as_user(seller).post(
        f"/api/v1/deals/{deal.pk}/payments/",
        {"amount": "10.00", "paid_at": "2000-01-01T00:00:00Z"},
        format="json",
    )
    assert response.status_code == 201, response.content
    client.force_login(seller)
    assert client.get(f"/deals/{deal.pk}/").status_code == 200
