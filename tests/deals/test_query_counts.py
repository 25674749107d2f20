"""The deal list, the board and the deal page cost the same number of queries for 1 and for
N deals (and payments, stage changes, sign-offs)."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from deals.services import deal_close, deal_move, deal_sign_off, payment_record
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def count_queries(fn) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as ctx:
        response = fn()
    assert response.status_code == 200
    return len(ctx.captured_queries)


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


def test_deal_list_endpoint_is_constant(
    as_user, manager, seller, make_deal, django_assert_num_queries
):
    client = as_user(manager)
    populate(make_deal, seller, 1)
    # 1 count for pagination + 1 page of deals joined with stage, channel, campaign, form,
    # lost reason and owner, with paid_total as a subquery.
    with django_assert_num_queries(2):
        client.get("/api/v1/deals/")
    populate(make_deal, seller, 4)
    with django_assert_num_queries(2):
        client.get("/api/v1/deals/")


def test_deal_list_endpoint_for_sales_is_constant(
    as_user, seller, make_deal, django_assert_num_queries
):
    client = as_user(seller)
    populate(make_deal, seller, 1)
    with django_assert_num_queries(2):  # the same two queries, scoped to the owner
        client.get("/api/v1/deals/?status=open")
    populate(make_deal, seller, 3)
    with django_assert_num_queries(2):
        client.get("/api/v1/deals/?status=open")


def test_reference_lists_are_constant(as_user, seller, django_assert_num_queries):
    client = as_user(seller)
    with django_assert_num_queries(2):  # count + page of stages joined with their matrix row
        client.get("/api/v1/deal-stages/")
    with django_assert_num_queries(2):  # count + page of lost reasons
        client.get("/api/v1/lost-reasons/")


def test_deal_board_is_constant(client, manager, seller, make_deal, require_signoff):
    # Deals at the contract stage wait for management's sign-off: the board lists them too.
    require_signoff("contract", "management", source="sales", target="management")
    client.force_login(manager)
    populate(make_deal, seller, 1)
    one = count_queries(lambda: client.get("/deals/"))
    populate(make_deal, seller, 5)
    assert count_queries(lambda: client.get("/deals/")) == one


def test_deal_board_for_sales_and_marketing_is_constant(client, seller, make_deal, require_signoff):
    require_signoff("contract", "marketing", source="sales", target="marketing")
    marketer = UserFactory(role="marketing")
    populate(make_deal, seller, 1)
    client.force_login(seller)
    sales_one = count_queries(lambda: client.get("/deals/"))
    client.force_login(marketer)
    marketing_one = count_queries(lambda: client.get("/deals/"))
    populate(make_deal, seller, 4)
    client.force_login(seller)
    assert count_queries(lambda: client.get("/deals/")) == sales_one
    client.force_login(marketer)
    assert count_queries(lambda: client.get("/deals/")) == marketing_one


def test_deal_page_and_detail_endpoint_do_not_grow_with_the_deals_history(
    client, as_user, seller, make_deal, require_signoff
):
    deal = make_deal(seller)
    client.force_login(seller)
    api = as_user(seller)
    page = count_queries(lambda: client.get(f"/deals/{deal.pk}/"))
    detail = count_queries(lambda: api.get(f"/api/v1/deals/{deal.pk}/"))

    for stage in ("meeting", "negotiation", "meeting", "negotiation"):
        deal = deal_move(deal=deal, stage=stage, by=seller)
    for amount in ("1.00", "2.00", "3.00"):
        payment_record(deal=deal, amount=Decimal(amount), by=seller)
    for stage in ("proposal", "meeting"):
        require_signoff(stage, "sales")
        deal_sign_off(deal=deal, stage=stage, by=seller)

    assert count_queries(lambda: client.get(f"/deals/{deal.pk}/")) == page
    assert count_queries(lambda: api.get(f"/api/v1/deals/{deal.pk}/")) == detail
