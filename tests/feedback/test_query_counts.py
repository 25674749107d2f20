"""Every feedback list endpoint and page costs the same number of queries for 1 and for N rows
(and for detail pages, however long their history)."""

from datetime import timedelta

import pytest
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
from tests.conftest import Count, count_queries
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


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
    # url, queries, rows after populate(1) and after populate(3) more, why that many queries
    (
        "/api/v1/lead-feedback/",
        3,
        (1, 4),
        "count + page joined with lead, source and author + tags",
    ),
    ("/api/v1/feedback-tags/", 2, (12, 12), "count + page of the 12 tags"),
    (
        "/api/v1/disputes/",
        2,
        (2, 8),
        "count + page joined with lead, source, people, definition",
    ),
    (
        "/api/v1/objections/",
        2,
        (1, 4),
        "count + page with heard and answer counts as aggregates",
    ),
    (
        "/api/v1/review-meetings/",
        6,
        (1, 4),
        "count + page + participants, deals, objections and decisions prefetched",
    ),
    ("/api/v1/action-items/", 2, (1, 4), "count + page joined with owner and meeting"),
    (
        "/api/v1/briefs/",
        3,
        (2, 8),
        "count + page joined with the people + their trails of events",
    ),
    (
        "/api/v1/feedback/quality/",
        3,
        (1, 1),  # one group: every lead came from the same channel
        "grouped rows + tags per group + weeks per group",
    ),
    (
        "/api/v1/review-meetings/agenda/",
        6,
        (1, 1),  # one agenda object
        "stuck deals, lost deals, disputes, briefs (+ their events), decisions",
    ),
]


@pytest.mark.parametrize(("url", "queries", "rows", "why"), ENDPOINTS)
def test_list_endpoints_are_constant(as_user, manager, populate, url, queries, rows, why):
    client = as_user(manager)
    populate(1)
    assert count_queries(lambda: client.get(url)) == Count(queries, rows[0])  # see ``why``
    populate(3)
    assert count_queries(lambda: client.get(url)) == Count(queries, rows[1])


def test_sales_lists_are_constant_too(as_user, seller, populate):
    client = as_user(seller)
    populate(1)
    # The same queries, scoped to what the salesperson gave, raised or asked for.
    for url, queries, rows in (
        ("/api/v1/lead-feedback/", 3, 1),
        ("/api/v1/disputes/", 2, 2),
        ("/api/v1/briefs/", 3, 2),
    ):
        assert count_queries(lambda url=url: client.get(url)) == Count(queries, rows), url
    populate(3)
    for url, queries, rows in (
        ("/api/v1/lead-feedback/", 3, 4),
        ("/api/v1/disputes/", 2, 8),
        ("/api/v1/briefs/", 3, 8),
    ):
        assert count_queries(lambda url=url: client.get(url)) == Count(queries, rows), url


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
    assert [count_queries(lambda u=u: client.get(u)) for u in urls] == before  # one object each


PAGES = {
    # url: table rows after populate(1) and after populate(4) more; None: a summary whose
    # rows do not grow with the data (the inbox's feeds, one channel, the agenda's form)
    "/feedback/": None,
    "/feedback/quality/": None,
    "/feedback/disputes/": (1, 5),  # the open disputes
    "/feedback/disputes/?status=all": (2, 10),
    "/feedback/objections/": (1, 5),
    "/feedback/reviews/": (1, 5),
    "/feedback/reviews/new/": None,
    "/feedback/briefs/": (2, 10),
}


@pytest.mark.parametrize("who", ["manager", "marketer", "seller"])
def test_pages_are_constant(client, request, populate, who):
    user = request.getfixturevalue(who)
    client.force_login(user)
    populate(1)
    allowed = [url for url in PAGES if client.get(url).status_code == 200]
    one = {url: count_queries(lambda url=url: client.get(url)) for url in allowed}
    populate(4)
    five = {url: count_queries(lambda url=url: client.get(url)) for url in allowed}
    for url in allowed:
        rows = PAGES[url] or (one[url].rows, one[url].rows)
        assert (one[url].rows, five[url]) == (rows[0], Count(one[url].queries, rows[1])), url


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
    after = [count_queries(lambda u=u: client.get(u)) for u in urls]
    assert [c.queries for c in after] == [c.queries for c in before]
    # Table rows: the lead's touches, the objection's twelve weeks, and the meeting's
    # decisions, which grew by four; the other pages list theirs outside tables.
    assert [c.rows for c in before] == [0, 3, 0, 12, 0, 1, 0]
    assert [c.rows for c in after] == [0, 3, 0, 12, 0, 5, 0]
