"""Lists cost the same number of queries for 1 and for N rows."""

import pytest

from leads.services import lead_claim_next, lead_touch
from tests.conftest import Count, count_queries

pytestmark = pytest.mark.django_db


ALL_MET = {
    "target_segment": True,
    "real_need": True,
    "valid_contacts": True,
    "ready_for_dialog": True,
}


def populate(make_lead, seller, n: int) -> None:  # type: ignore[no-untyped-def]
    """n of each: a converted lead with a deal, a disqualified one and one in the queue."""
    from decimal import Decimal

    from deals.services import deal_create_from_lead
    from leads.services import lead_disqualify, lead_qualify

    for _ in range(n):
        make_lead()
        lead = lead_claim_next(user=seller)
        lead_touch(lead=lead, by=seller, kind="call")
        lead_qualify(lead=lead, by=seller, criteria=ALL_MET)
        deal_create_from_lead(lead=lead, by=seller, title="D", amount=Decimal("10"))
        make_lead()
        lead = lead_claim_next(user=seller)
        lead_disqualify(lead=lead, by=seller, reason="no_need")
        make_lead()


def test_lead_list_endpoint_is_constant(as_user, manager, seller, make_lead):
    client = as_user(manager)
    populate(make_lead, seller, 1)
    # 1 count for pagination + 1 page of leads joined with channel, campaign, owner, reason
    # and deal + 1 prefetch of escalations.
    assert count_queries(lambda: client.get("/api/v1/leads/")) == Count(3, rows=3)
    populate(make_lead, seller, 6)
    assert count_queries(lambda: client.get("/api/v1/leads/")) == Count(3, rows=21)


def test_lead_list_page_is_constant(client, manager, seller, make_lead):
    client.force_login(manager)
    populate(make_lead, seller, 1)
    one = count_queries(lambda: client.get("/leads/"))
    assert one.rows == 3
    populate(make_lead, seller, 8)
    assert count_queries(lambda: client.get("/leads/")) == Count(one.queries, rows=27)


def test_queue_page_and_panel_are_constant(client, seller, make_lead):
    client.force_login(seller)
    populate(make_lead, seller, 1)
    page = count_queries(lambda: client.get("/leads/queue/"))
    panel = count_queries(lambda: client.get("/leads/queue/panel/"))
    assert (page.rows, panel.rows) == (1, 1)  # the one lead waiting
    populate(make_lead, seller, 8)
    assert count_queries(lambda: client.get("/leads/queue/")) == Count(page.queries, 9)
    assert count_queries(lambda: client.get("/leads/queue/panel/")) == Count(panel.queries, 9)


def test_claim_endpoint_is_constant(as_user, seller, make_lead):
    client = as_user(seller)
    make_lead()
    one = count_queries(lambda: client.post("/api/v1/leads/claim/"))
    assert one.rows == 1  # the claimed lead
    for _ in range(20):
        make_lead()
    assert count_queries(lambda: client.post("/api/v1/leads/claim/")) == one


def test_reference_lists_are_constant(as_user, seller, django_assert_num_queries):
    from tests.factories import CampaignFactory

    client = as_user(seller)
    CampaignFactory()
    # count + page joined with channel and owner
    assert count_queries(lambda: client.get("/api/v1/campaigns/")) == Count(2, rows=1)
    CampaignFactory.create_batch(5)
    assert count_queries(lambda: client.get("/api/v1/campaigns/")) == Count(2, rows=6)


# The statements of PostgreSQL's path (SQLite takes the ORM's bulk writes and no locks).
@pytest.mark.postgres
def test_a_brand_new_lead_is_a_fixed_set_of_statements(as_user, marketer, channel):
    """POST /api/v1/leads/ for a new contact: the channel; SAVEPOINT (BEGIN outside a test);
    the contact's advisory lock, the open leads holding the contact and the SLA policies that
    may apply (one round trip); the
    newest scoring model (at most once per 5 s in a process, every time in tests); one
    statement for the writes (the lead, its id returned by the INSERT, with its history row
    and its request record); RELEASE (COMMIT). Nothing after the commit: a new lead's
    escalations, deal and representation need no query."""
    client = as_user(marketer)
    body = {"name": "Ivan", "email": "ivan@example.ru", "channel": channel.slug}
    assert count_queries(
        lambda: client.post("/api/v1/leads/", body, format="json"), status=201
    ) == Count(6, rows=1)
    again = {"name": "Anna", "phone": "+79161234567", "channel": channel.slug}
    # The process remembers which scoring model is newest for 5 s: one statement less.
    assert count_queries(
        lambda: client.post("/api/v1/leads/", again, format="json"), status=201
    ) == Count(5, rows=1)
