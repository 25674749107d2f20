"""Whatever a client sends to any feedback endpoint, as any role, the answer is never a 500."""

import pytest
from django.utils import timezone

from feedback.services import (
    action_item_add,
    answer_add,
    objection_create,
    review_meeting_create,
)

pytestmark = pytest.mark.django_db

GARBAGE = [
    [],
    ["a", 1],
    "text",
    42,
    None,
    {"rating": {"a": 1}, "tags": [None], "comment": ["x"]},
    {"unmet_criteria": [None, {"x": 1}, 3], "comment": 5},
    {"answer": None, "comment": {"x": 1}, "decision": [], "reason": 1},
    {"status": ["approved"], "comment": None, "risks": {"a": 1}, "warning": []},
    {"lead": "x", "touch": -1, "deal": 10**30, "heard_at": 5, "note": []},
    {"deal": 10**30},
    {"lead": 2**63, "touch": 2**63},
    {"participants": [2**63], "deals": [10**20], "objections": [-1], "held_on": "2025-01-01"},
    {"text": ["x"], "category": {}, "link": 5, "file": "x"},
    {"held_on": "2025-02-30", "participants": "all", "deals": [None], "action_items": [1]},
    {"text": "x", "owner": "me", "due_on": []},
    {"done": "maybe"},
    {"code": "", "label": None},
]


@pytest.mark.parametrize("who", ["seller", "other_seller", "marketer", "mhead", "manager"])
def test_no_input_gives_a_500(
    as_user, request, seller, marketer, manager, worked, dispute_in, brief_in, who
):
    lead = worked(seller)
    dispute = dispute_in("contested", seller)
    brief = brief_in("delivered")
    objection = objection_create(by=seller, text="Too expensive", category="price")
    answer = answer_add(objection=objection, by=marketer, text="Payback")
    meeting = review_meeting_create(
        by=manager, held_on=timezone.localdate(), participants=[marketer, seller]
    )
    item = action_item_add(
        meeting=meeting, by=manager, text="x", owner=seller, due_on=timezone.localdate()
    )
    urls = [
        f"/api/v1/leads/{lead.pk}/feedback/",
        f"/api/v1/leads/{lead.pk}/dispute/",
        f"/api/v1/disputes/{dispute.pk}/respond/",
        f"/api/v1/disputes/{dispute.pk}/decide/",
        "/api/v1/feedback-tags/",
        "/api/v1/objections/",
        f"/api/v1/objections/{objection.pk}/heard/",
        f"/api/v1/objections/{objection.pk}/answers/",
        f"/api/v1/objection-answers/{answer.pk}/vote/",
        "/api/v1/review-meetings/",
        f"/api/v1/review-meetings/{meeting.pk}/action-items/",
        f"/api/v1/action-items/{item.pk}/done/",
        "/api/v1/briefs/",
        f"/api/v1/briefs/{brief.pk}/transition/",
        f"/api/v1/briefs/{brief.pk}/warn/",
        f"/api/v1/leads/{10**25}/dispute/",
        f"/api/v1/disputes/{10**25}/decide/",
    ]
    client = as_user(request.getfixturevalue(who))
    for url in urls:
        for body in GARBAGE:
            response = client.post(url, body, format="json")
            assert response.status_code < 500, (url, body, response.status_code)
    for query in (
        "/api/v1/feedback/quality/?group_by=%00&from=0&to=9999-99-99&mine=%FF",
        "/api/v1/disputes/?status=x&undecided=2&lead=abc&page=-1",
        "/api/v1/objections/?lead=x&deal=1e9&category=zz&page_size=100000",
        "/api/v1/action-items/?owner=x&done=x&overdue=x",
        "/api/v1/briefs/?status=zz&overdue=1&requester=abc",
        "/api/v1/lead-feedback/?rating=x&created_after=yesterday",
        "/api/v1/lead-feedback/?lead=99999999999999999999999&rating=2.5",
        "/api/v1/objections/?lead=99999999999999999999999",
        "/api/v1/action-items/?meeting=1.5",
        "/api/v1/briefs/99999999999999999999999/",
    ):
        assert client.get(query).status_code < 500, query


PAGE_GARBAGE = [
    {},
    {"rating": "99999999999999999999", "tags": ["x" * 500]},
    {"unmet_criteria": ["99999999999999999999"], "comment": "x" * 6000},
    {"answer": "accept", "comment": "x", "decision": "upheld", "reason": "r"},
    {"status": "accepted", "comment": "\x00", "risks": "x", "warning": "w"},
    {"objection": "99999999999999999999", "touch": "1e9", "new_text": "", "note": "n"},
    {"objection": "abc", "touch": "-5"},
    {"text": "x", "category": "zz", "link": "javascript:x", "owner": "99999999999999999999"},
    {"held_on": "2025-02-30", "participants": ["99999999999999999999"], "deals": ["x"]},
    {"item0-text": "x", "item0-owner": "abc", "item0-due_on": "never", "held_on": "2025-01-01"},
    {"done": "0", "next": "https://evil.example.com/"},
]


@pytest.mark.parametrize("who", ["seller", "marketer", "manager"])
def test_no_form_post_gives_a_500(
    client, request, seller, marketer, manager, worked, deal_of, dispute_in, brief_in, who
):
    lead = worked(seller)
    deal = deal_of(seller)
    dispute = dispute_in("open", seller)
    brief = brief_in("draft")
    objection = objection_create(by=seller, text="Too expensive", category="price")
    answer = answer_add(objection=objection, by=marketer, text="Payback")
    meeting = review_meeting_create(
        by=manager, held_on=timezone.localdate(), participants=[marketer, seller]
    )
    item = action_item_add(
        meeting=meeting, by=manager, text="x", owner=seller, due_on=timezone.localdate()
    )
    urls = [
        f"/feedback/leads/{lead.pk}/rate/",
        f"/feedback/leads/{lead.pk}/dispute/",
        f"/feedback/leads/{lead.pk}/objection/",
        f"/feedback/deals/{deal.pk}/objection/",
        f"/feedback/disputes/{dispute.pk}/respond/",
        f"/feedback/disputes/{dispute.pk}/decide/",
        "/feedback/objections/add/",
        f"/feedback/objections/{objection.pk}/answers/",
        f"/feedback/answers/{answer.pk}/vote/",
        "/feedback/reviews/new/",
        f"/feedback/reviews/{meeting.pk}/action-items/",
        f"/feedback/action-items/{item.pk}/done/",
        "/feedback/briefs/new/",
        f"/feedback/briefs/{brief.pk}/move/",
        f"/feedback/briefs/{brief.pk}/warn/",
    ]
    client.force_login(request.getfixturevalue(who))
    for url in urls:
        for body in PAGE_GARBAGE:
            response = client.post(url, body)
            assert response.status_code < 500, (url, body, response.status_code)
            if response.status_code == 302:
                assert not response["Location"].startswith("https://evil"), url
    for query in (
        "/feedback/quality/?group_by=zz&date_from=2025-99-01&mine=x",
        "/feedback/disputes/?status=zz&awaiting=x&page=zz",
        "/feedback/objections/?category=zz&q=%00&page=-3",
        "/feedback/briefs/?status=zz&overdue=x&page=99999999999999999999",
    ):
        assert client.get(query).status_code < 500, query
