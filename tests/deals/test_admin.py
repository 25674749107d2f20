"""Deals in the admin: scoped, and every change through the services."""

import pytest

from deals.models import DealStage, Payment
from deals.services import payment_record
from org.models import FunnelStage

pytestmark = pytest.mark.django_db


def test_a_stage_added_in_the_admin_gets_its_matrix_row(client, manager):
    client.force_login(manager)
    response = client.post(
        "/admin/deals/dealstage/add/",
        {"code": "demo", "name": "Product demo", "order": "25", "is_active": "on"},
    )
    assert response.status_code == 302, response.content[:500]
    stage = DealStage.objects.get(code="demo")
    assert stage.funnel_stage == FunnelStage.objects.get(code="demo")
    assert stage.history.first().history_user == manager


def test_switching_off_a_stage_with_open_deals_is_refused_in_the_admin(
    client, manager, make_deal, seller
):
    make_deal(seller)
    stage = DealStage.objects.get(code="proposal")
    client.force_login(manager)
    response = client.post(
        f"/admin/deals/dealstage/{stage.pk}/change/",
        {"name": stage.name, "order": "10", "allows_moving_back": "on"},
    )
    assert response.status_code == 200  # the form again, with the error
    assert b"open deals are at this stage" in response.content
    stage.refresh_from_db()
    assert stage.is_active


def test_sales_see_only_their_own_deals_and_payments_in_the_admin(
    client, make_deal, seller, other_seller
):
    from decimal import Decimal

    mine = make_deal(seller)
    theirs = make_deal(other_seller)
    payment_record(deal=theirs, amount=Decimal("5"), by=other_seller)
    client.force_login(seller)
    page = client.get("/admin/deals/deal/").content.decode()
    assert f"/admin/deals/deal/{mine.pk}/change/" in page
    assert f"/admin/deals/deal/{theirs.pk}/change/" not in page
    assert client.get(f"/admin/deals/deal/{theirs.pk}/change/").status_code == 404
    assert (
        f"/admin/deals/payment/{Payment.objects.get().pk}/"
        not in client.get("/admin/deals/payment/").content.decode()
    )


def test_editing_a_deal_in_the_admin_is_audited(client, make_deal, seller):
    deal = make_deal(seller)
    client.force_login(seller)
    response = client.post(
        f"/admin/deals/deal/{deal.pk}/change/",
        {
            "title": "Renamed",
            "amount": "777.00",
            "currency": "RUB",
            "expected_close_on": "",
            "payments-TOTAL_FORMS": "0",
            "payments-INITIAL_FORMS": "0",
            "stage_changes-TOTAL_FORMS": "1",
            "stage_changes-INITIAL_FORMS": "1",
            "approvals-TOTAL_FORMS": "0",
            "approvals-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content[:3000]
    deal.refresh_from_db()
    assert (deal.title, str(deal.amount)) == ("Renamed", "777.00")
    record = deal.history.first()
    assert (record.history_user, record.history_change_reason) == (
        seller,
        "edited: title, amount",
    )


def test_payments_are_never_deleted_in_the_admin(client, make_deal, seller, manager):
    from decimal import Decimal

    payment = payment_record(deal=make_deal(seller), amount=Decimal("5"), by=seller)
    client.force_login(manager)
    response = client.post(f"/admin/deals/payment/{payment.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert Payment.objects.filter(pk=payment.pk).exists()
