"""Every feedback list endpoint and page costs the same number of queries for 1 and for N rows
(and for detail pages, however long their history)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from feedback.models import Brief, Dispute, Objection, ReviewMeeting
from feedback.services import (
    action_item_add,
    answer_add,
    answer_vote,
    lead_feedback_give,
    objection_create,
    objection_record_heard,
    review_meeting_create,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def count_queries(fn) -> int:  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as ctx:
        response = fn()
    assert response.status_code == 200, getattr(response, "content", b"")[:500]
    return len(ctx.captured_queries)


@pytest.fixture
def populate(worked, deal_of, dispute_in, brief_in, seller, marketer, manager):  # type: ignore[no-untyped-def]
    """``populate(n)``: n more of everything: rated leads with tags, disputes in two states,
    objections heard on leads and deals with voted answers, meetings with decisions, briefs."""
    counter = iter(range(1000))

    def add(n: int) -> None:
        for _ in range(n):
            i = next(counter)
            lead = worked(seller)
            lead_feedback_give(
                lead=lead, by=seller, rating=1 + i % 5, tags=["no_budget", "good_fit"]
            )
            dispute_in("open", seller)
            dispute_in("upheld", seller)
            objection = objection_create(by=seller, text=f"Objection {i}", category="price")
            objection_record_heard(objection=objection, by=seller, lead=lead)
            objection_record_heard(objection=objection, by=seller, deal=deal_of(seller))
            answer = answer_add(objection=objection, by=marketer, text=f"Answer {i}")
            answer_vote(answer=answer, by=seller)
            meeting = review_meeting_create(
                by=manager,
                held_on=timezone.localdate(),
                participants=[marketer, seller, manager],
                objections=[objection],
            )
            meeting.deals.add(deal_of(seller))
            action_item_add(
                meeting=meeting,
                by=manager,
                text=f"Decision {i}",
                owner=seller,
                due_on=timezone.localdate(),
            )
            brief_in("draft")
            late = brief_in("returned")  # overdue: the agenda lists it
            Brief.objects.filter(pk=late.pk).update(due_on=timezone.localdate() - timedelta(days=1))

    return add


ENDPOINTS = [
    # url, queries, why
    ("/api/v1/lead-feedback/", 3, "count + page joined with lead, source and author + tags"),
    ("/api/v1/feedback-tags/", 2, "count + page"),
    ("/api/v1/disputes/", 2, "count + page joined with lead, source, people, definition"),
    ("/api/v1/objections/", 2, "count + page with heard and answer counts as aggregates"),
    (
        "/api/v1/review-meetings/",
        6,
        "count + page + participants, deals, objections and decisions prefetched",
    ),
    ("/api/v1/action-items/", 2, "count + page joined with owner and meeting"),
    ("/api/v1/briefs/", 3, "count + page joined with the people + their trails of events"),
    ("/api/v1/feedback/quality/", 3, "grouped rows + tags per group + weeks per group"),
    (
        "/api/v1/review-meetings/agenda/",
        6,
        "stuck deals, lost deals, disputes, briefs (+ their events), decisions",
    ),
]


@pytest.mark.parametrize(("url", "queries", "why"), ENDPOINTS)
def test_list_endpoints_are_constant(
    as_user, manager, populate, django_assert_num_queries, url, queries, why
):
    client = as_user(manager)
    populate(1)
    with django_assert_num_queries(queries):  # see ``why``
        assert client.get(url).status_code == 200
    populate(3)
    with django_assert_num_queries(queries):
        assert client.get(url).status_code == 200


def test_sales_lists_are_constant_too(as_user, seller, populate, django_assert_num_queries):
    client = as_user(seller)
    populate(1)
    # The same queries, scoped to what the salesperson gave, raised or asked for.
    for url, queries in (
        ("/api/v1/lead-feedback/", 3),
        ("/api/v1/disputes/", 2),
        ("/api/v1/briefs/", 3),
    ):
        with django_assert_num_queries(queries):
            client.get(url)
    populate(3)
    for url, queries in (
        ("/api/v1/lead-feedback/", 3),
        ("/api/v1/disputes/", 2),
        ("/api/v1/briefs/", 3),
    ):
        with django_assert_num_queries(queries):
            client.get(url)


def test_detail_endpoints_do_not_grow(as_user, manager, seller, marketer, populate, brief_in):
    populate(1)
    client = as_user(manager)
    objection = Objection.objects.first()
    brief = Brief.objects.filter(status="returned").first()
    meeting = ReviewMeeting.objects.first()
    assert objection is not None and brief is not None and meeting is not None
    urls = [
        f"/api/v1/objections/{objection.pk}/",
        f"/api/v1/briefs/{brief.pk}/",
        f"/api/v1/review-meetings/{meeting.pk}/",
    ]
    before = [count_queries(lambda u=u: client.get(u)) for u in urls]
    for i in range(4):
        answer = answer_add(objection=objection, by=marketer, text=f"More {i}")
        answer_vote(answer=answer, by=seller)
        action_item_add(
            meeting=meeting, by=manager, text=f"x{i}", owner=seller, due_on=timezone.localdate()
        )
        meeting.participants.add(UserFactory(role="sales"))
    from feedback.services import brief_transition

    for to in ("in_progress", "delivered", "returned", "in_progress"):
        brief = brief_transition(
            brief=brief, to=to, by=marketer if to != "returned" else seller, comment="c"
        )
    assert [count_queries(lambda u=u: client.get(u)) for u in urls] == before


PAGES = [
    "/feedback/",
    "/feedback/quality/",
    "/feedback/disputes/",
    "/feedback/disputes/?status=all",
    "/feedback/objections/",
    "/feedback/reviews/",
    "/feedback/reviews/new/",
    "/feedback/briefs/",
]


@pytest.mark.parametrize("who", ["manager", "marketer", "seller"])
def test_pages_are_constant(client, request, populate, who):
    user = request.getfixturevalue(who)
    client.force_login(user)
    populate(1)
    allowed = [url for url in PAGES if client.get(url).status_code == 200]
    one = {url: count_queries(lambda url=url: client.get(url)) for url in allowed}
    populate(4)
    assert {url: count_queries(lambda url=url: client.get(url)) for url in allowed} == one


def test_detail_pages_do_not_grow(client, manager, seller, marketer, populate, worked):
    populate(1)
    lead = worked(seller)
    lead_feedback_give(lead=lead, by=seller, rating=2, tags=["no_budget"])
    objection = Objection.objects.first()
    dispute = Dispute.objects.first()
    meeting = ReviewMeeting.objects.first()
    brief = Brief.objects.first()
    assert objection and dispute and meeting and brief
    deal = objection.occurrences.exclude(deal=None).first().deal  # type: ignore[union-attr]
    client.force_login(manager)
    urls = [
        f"/feedback/leads/{lead.pk}/",
        f"/leads/{lead.pk}/",
        f"/feedback/deals/{deal.pk}/",
        f"/feedback/objections/{objection.pk}/",
        f"/feedback/disputes/{dispute.pk}/",
        f"/feedback/reviews/{meeting.pk}/",
        f"/feedback/briefs/{brief.pk}/",
    ]
    before = [count_queries(lambda u=u: client.get(u)) for u in urls]
    for i in range(4):
        other = objection_create(by=seller, text=f"Extra {i}", category="need")
        objection_record_heard(objection=other, by=seller, lead=lead)
        objection_record_heard(objection=objection, by=seller, lead=lead)
        objection_record_heard(objection=other, by=seller, deal=deal)
        answer_vote(answer=answer_add(objection=other, by=marketer, text="a"), by=seller)
        answer_add(objection=objection, by=marketer, text=f"b{i}")
        action_item_add(
            meeting=meeting, by=manager, text=f"x{i}", owner=seller, due_on=timezone.localdate()
        )
    Brief.objects.filter(pk=brief.pk).update(due_on=timezone.localdate() - timedelta(days=1))
    assert [count_queries(lambda u=u: client.get(u)) for u in urls] == before
