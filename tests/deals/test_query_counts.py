"""The deal list, the board and the deal page cost the same number of queries for 1 and for
N deals (and payments, stage changes, sign-offs)."""

from decimal import Decimal

import pytest

from deals.models import DealStage, LostReason
from deals.services import deal_close, deal_move, deal_sign_off, payment_record
from tests.conftest import Count, count_queries
from tests.factories import UserFactory

CARD = 'class="deal-card"'  # a deal on the board

pytestmark = pytest.mark.django_db


def populate(make_deal, seller, n: int) -> None:  # type: ignore[no-untyped-def]
    """n of each: a deal at every stage, one with payments, a won and a lost one."""
    for _ in range(n):
        make_deal(seller)
        deal_move(deal=make_deal(seller), stage="meeting", by=seller)
        paid = deal_move(deal=make_deal(seller), stage="negotiation", by=seller)
        payment_record(deal=paid, amount=Decimal("10.00"), by=seller)
        payment_record(deal=paid, amount=Decimal("5.00"), by=seller)
        deal_move(deal=make_deal(seller), stage="contract", by=seller)
        deal_close(deal=make_deal(seller), outcome="won", by=seller)
        deal_close(deal=make_deal(seller), outcome="lost", reason="price", by=seller)


def test_deal_list_endpoint_is_constant(as_user, manager, seller, make_deal):
    client = as_user(manager)
    populate(make_deal, seller, 1)
    # 1 count for pagination + 1 page of deals joined with stage, channel, campaign, form,
    # lost reason and owner, with paid_total as a subquery.
    assert count_queries(lambda: client.get("/api/v1/deals/")) == Count(2, rows=6)
    populate(make_deal, seller, 4)
    assert count_queries(lambda: client.get("/api/v1/deals/")) == Count(2, rows=30)


def test_deal_list_endpoint_for_sales_is_constant(as_user, seller, make_deal):
    client = as_user(seller)
    populate(make_deal, seller, 1)
    # the same two queries, scoped to the owner
    assert count_queries(lambda: client.get("/api/v1/deals/?status=open")) == Count(2, rows=4)
    populate(make_deal, seller, 3)
    assert count_queries(lambda: client.get("/api/v1/deals/?status=open")) == Count(2, rows=16)


def test_reference_lists_are_constant(as_user, seller, django_assert_num_queries):
    client = as_user(seller)
    # count + page of stages joined with their matrix row
    stages = DealStage.objects.count()
    assert count_queries(lambda: client.get("/api/v1/deal-stages/")) == Count(2, rows=stages)
    # count + page of lost reasons
    reasons = LostReason.objects.filter(is_active=True).count()
    assert count_queries(lambda: client.get("/api/v1/lost-reasons/")) == Count(2, rows=reasons)


def test_deal_board_is_constant(client, manager, seller, make_deal, require_signoff):
    # Deals at the contract stage wait for management's sign-off: the board lists them too.
    require_signoff("contract", "management", source="sales", target="management")
    client.force_login(manager)
    populate(make_deal, seller, 1)
    one = count_queries(lambda: client.get("/deals/"), row=CARD)
    assert one.rows == 4  # the open deals
    populate(make_deal, seller, 5)
    assert count_queries(lambda: client.get("/deals/"), row=CARD) == Count(one.queries, rows=24)


def test_deal_board_for_sales_and_marketing_is_constant(client, seller, make_deal, require_signoff):
    require_signoff("contract", "marketing", source="sales", target="marketing")
    marketer = UserFactory(role="marketing")
    populate(make_deal, seller, 1)
    client.force_login(seller)
    sales_one = count_queries(lambda: client.get("/deals/"), row=CARD)
    client.force_login(marketer)
    marketing_one = count_queries(lambda: client.get("/deals/"), row=CARD)
    assert (sales_one.rows, marketing_one.rows) == (4, 4)
    populate(make_deal, seller, 4)
    client.force_login(seller)
    assert count_queries(lambda: client.get("/deals/"), row=CARD) == Count(sales_one.queries, 20)
    client.force_login(marketer)
    assert count_queries(lambda: client.get("/deals/"), row=CARD) == Count(
        marketing_one.queries, 20
    )


def test_deal_page_and_detail_endpoint_do_not_grow_with_the_deals_history(
    client, as_user, seller, make_deal, require_signoff
):
    deal = make_deal(seller)
    client.force_login(seller)
    api = as_user(seller)
    payments = 'data-confirm="Void this payment?'  # one per payment listed
    page = count_queries(lambda: client.get(f"/deals/{deal.pk}/"), row=payments)
    detail = count_queries(lambda: api.get(f"/api/v1/deals/{deal.pk}/"))

    for stage in ("meeting", "negotiation", "meeting", "negotiation"):
        deal = deal_move(deal=deal, stage=stage, by=seller)
    for amount in ("1.00", "2.00", "3.00"):
        payment_record(deal=deal, amount=Decimal(amount), by=seller)
    for stage in ("proposal", "meeting"):
        require_signoff(stage, "sales")
        deal_sign_off(deal=deal, stage=stage, by=seller)

    grown = count_queries(lambda: client.get(f"/deals/{deal.pk}/"), row=payments)
    assert (grown.queries, grown.rows) == (page.queries, page.rows + 3)  # three payments
    assert count_queries(lambda: api.get(f"/api/v1/deals/{deal.pk}/")) == detail
