"""A head of sales sees and reassigns the team's leads and deals (issue 13, item 9; docs/api.md)."""

from decimal import Decimal

import pytest

from deals.models import Deal
from deals.services import deal_create_from_lead
from leads.models import Lead
from leads.services import lead_qualify, lead_touch
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ALL_MET = {
    "target_segment": True,
    "real_need": True,
    "valid_contacts": True,
    "ready_for_dialog": True,
}


@pytest.fixture
def head(db):  # type: ignore[no-untyped-def]
    return UserFactory(role="sales", is_head=True)


def test_head_sees_the_team_leads_and_deals_in_api_and_pages(
    as_user, client, head, seller, other_seller, claimed
):
    lead = claimed(seller)
    lead_touch(lead=lead, by=seller, kind="call")
    lead_qualify(lead=lead, by=seller, criteria=ALL_MET)
    deal = deal_create_from_lead(lead=lead, by=seller, title="Team deal", amount=Decimal(100))
    api = as_user(head)
    assert lead.pk in [r["id"] for r in api.get("/api/v1/leads/?page_size=200").json()["results"]]
    assert api.get(f"/api/v1/leads/{lead.pk}/").status_code == 200
    assert api.get(f"/api/v1/deals/{deal.pk}/").status_code == 200
    # a plain colleague still does not
    assert as_user(other_seller).get(f"/api/v1/leads/{lead.pk}/").status_code == 404
    assert as_user(other_seller).get(f"/api/v1/deals/{deal.pk}/").status_code == 404
    # seeing is not acting: the head's hands stay off the rep's deal
    assert api.post(f"/api/v1/deals/{deal.pk}/close/", {"outcome": "won"}).status_code == 404
    client.force_login(head)
    assert client.get(f"/leads/{lead.pk}/").status_code == 200
    assert client.get(f"/deals/{deal.pk}/").status_code == 200


def test_assign_a_queued_lead_starts_a_new_clock(as_user, head, seller, make_lead):
    lead = make_lead()
    entry = lead.queue_entry
    response = as_user(head).post(
        f"/api/v1/leads/{lead.pk}/assign/", {"owner": seller.pk}, format="json"
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["owner"]) == ("assigned", seller.pk)
    lead.refresh_from_db()
    assert lead.queue_entry == entry + 1
    assert lead.assigned_at is not None


def test_reassign_a_worked_lead_keeps_its_status(as_user, head, seller, other_seller, claimed):
    lead = claimed(seller)
    lead_touch(lead=lead, by=seller, kind="call")
    response = as_user(head).post(
        f"/api/v1/leads/{lead.pk}/assign/", {"owner": other_seller.pk}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "contacted"
    assert Lead.objects.get(pk=lead.pk).owner == other_seller


@pytest.mark.parametrize("who", ["marketing", "sales"])
def test_assign_is_for_heads_and_management(as_user, make_lead, seller, who):
    lead = make_lead()
    caller = UserFactory(role=who)
    response = as_user(caller).post(
        f"/api/v1/leads/{lead.pk}/assign/", {"owner": seller.pk}, format="json"
    )
    assert response.status_code in (403, 404)
    assert Lead.objects.get(pk=lead.pk).owner is None


def test_assign_to_someone_not_in_sales_is_400(as_user, head, manager, make_lead):
    lead = make_lead()
    marketer = UserFactory(role="marketing")
    gone = UserFactory(role="sales", is_active=False)
    for owner in (marketer.pk, gone.pk, 999999):
        response = as_user(manager).post(
            f"/api/v1/leads/{lead.pk}/assign/", {"owner": owner}, format="json"
        )
        assert response.status_code == 400
        assert list(response.json()) == ["owner"]
    assert Lead.objects.get(pk=lead.pk).status == "new"


def test_reassign_a_deal_to_someone_not_in_sales_is_400(as_user, head, seller, claimed):
    lead = claimed(seller)
    lead_touch(lead=lead, by=seller, kind="call")
    lead_qualify(lead=lead, by=seller, criteria=ALL_MET)
    deal = deal_create_from_lead(lead=lead, by=seller, title="Team deal", amount=Decimal(100))
    marketer = UserFactory(role="marketing")
    gone = UserFactory(role="sales", is_active=False)
    for owner in (marketer.pk, gone.pk, 999999, 0, "x"):
        response = as_user(head).post(
            f"/api/v1/deals/{deal.pk}/reassign/", {"owner": owner}, format="json"
        )
        assert response.status_code == 400, owner
        assert list(response.json()) == ["owner"]
    assert Deal.objects.get(pk=deal.pk).owner == seller


def test_head_reassigns_a_deal_and_the_breaches_table_links(
    client, head, seller, other_seller, claimed
):
    lead = claimed(seller)
    lead_touch(lead=lead, by=seller, kind="call")
    lead_qualify(lead=lead, by=seller, criteria=ALL_MET)
    deal = deal_create_from_lead(lead=lead, by=seller, title="Team deal", amount=Decimal(100))
    client.force_login(head)
    client.post(f"/deals/{deal.pk}/reassign/", {"owner": other_seller.pk})
    assert Deal.objects.get(pk=deal.pk).owner == other_seller
    second = claimed(seller)
    client.post(f"/leads/{second.pk}/assign/", {"owner": other_seller.pk})
    assert Lead.objects.get(pk=second.pk).owner == other_seller
    page = client.get(f"/leads/?owner={other_seller.pk}").content.decode()
    assert f"/leads/{second.pk}/" in page
